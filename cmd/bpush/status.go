package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/bdpush/pushsdk"
	"github.com/spf13/cobra"
)

func (a *app) statusCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "status MSG_ID…",
		Short:   "Show the delivery state of messages (report/query_msg_status)",
		Long:    "Show the delivery state of messages. An id the service returns no state for is listed, and the command fails.",
		Example: "  bpush status 7205759403792793001\n  bpush status 7205759403792793001 7205759403792793002 --json",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			type status struct {
				*pushsdk.MsgStatusResult
				Missing []string `json:"missing"` // ids the service did not return
			}
			var missing []string
			err := call(a, cmd, func(ctx context.Context, c *pushsdk.Channel) (*status, error) {
				res, err := c.QueryMsgStatus(ctx, args...)
				if err != nil {
					return nil, err
				}
				out := &status{MsgStatusResult: res, Missing: []string{}}
				for _, id := range args {
					known := slices.ContainsFunc(res.Messages, func(m pushsdk.MsgStatusEntry) bool { return m.MsgID == id })
					if !known && !slices.Contains(out.Missing, id) {
						out.Missing = append(out.Missing, id)
					}
				}
				missing = out.Missing
				return out, nil
			}, func(w io.Writer, res *status) {
				fmt.Fprintln(w, "MSG_ID\tSTATUS\tSEND_TIME\tREACHED")
				for _, m := range res.Messages {
					fmt.Fprintf(w, "%s\t%s\t%s\t%d\n", m.MsgID, m.Status, when(m.SendTime), m.Success)
				}
				for _, id := range res.Missing {
					fmt.Fprintf(w, "%s\tnot returned by the service (unknown msg id?)\t-\t-\n", id)
				}
			})
			if err == nil && len(missing) > 0 {
				return failf("the service returned no status for %d of %d msg ids: %s", len(missing), len(args), strings.Join(missing, ", "))
			}
			return err
		},
	}
}
