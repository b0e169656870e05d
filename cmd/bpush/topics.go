package main

import (
	"context"
	"fmt"
	"io"

	"github.com/bdpush/pushsdk"
	"github.com/spf13/cobra"
)

func (a *app) topicsCommand() *cobra.Command {
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the topics with their counts (topic/query_list), every page",
		Example: "  bpush topics list --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			topics, err := collect(a, cmd, func(ctx context.Context, c *pushsdk.Channel) func(func(pushsdk.Topic, error) bool) {
				return c.Topics(ctx, nil)
			})
			if err != nil {
				return err
			}
			res := &pushsdk.TopicList{TotalNum: int64(len(topics)), Topics: topics}
			return fail(a.emit(res, func(w io.Writer) {
				fmt.Fprintln(w, "TOPIC_ID\tFIRST_SENT\tLAST_SENT\tPUSHED\tREACHED")
				for _, t := range topics {
					fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\n", t.TopicID, when(t.FirstSent), when(t.LastSent), t.PushCount, stat(t.AckCount))
				}
			}))
		},
	}
	return group("topics", "List the topics of batch pushes, show what was sent under one",
		"  bpush topics list\n  bpush topics records news", list, a.recordsCommand("topic"))
}
