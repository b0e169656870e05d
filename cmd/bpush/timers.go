package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/spf13/cobra"
)

func (a *app) timersCommand() *cobra.Command {
	var timerID string
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the pending timers (timer/query_list), every page",
		Example: "  bpush timers list\n  bpush timers list --timer-id 9007199254740993001 --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			timers, err := collect(a, cmd, func(ctx context.Context, c *pushsdk.Channel) func(func(pushsdk.Timer, error) bool) {
				return c.Timers(ctx, &pushsdk.TimerListOptions{TimerID: timerID})
			})
			if err != nil {
				return err
			}
			res := &pushsdk.TimerList{TotalNum: int64(len(timers)), Timers: timers}
			return fail(a.emit(res, func(w io.Writer) {
				fmt.Fprintln(w, "TIMER_ID\tSEND_TIME\tRANGE\tTYPE\tMSG")
				for _, t := range timers {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.TimerID, when(t.SendTime), t.RangeType, t.MsgType, shorten(t.Msg, 40))
				}
			}))
		},
	}
	list.Flags().StringVar(&timerID, "timer-id", "", "show only this timer")
	cancel := &cobra.Command{
		Use:     "cancel TIMER_ID",
		Short:   "Cancel a pending timer (timer/cancel), more than a minute before it runs",
		Example: "  bpush timers cancel 9007199254740993001",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return call(a, cmd, func(ctx context.Context, c *pushsdk.Channel) (*pushsdk.CancelResult, error) {
				return c.CancelTimer(ctx, args[0])
			}, func(w io.Writer, res *pushsdk.CancelResult) {
				fmt.Fprintln(w, "TIMER_ID\tRESULT\tREQUEST_ID")
				fmt.Fprintf(w, "%s\tcancelled\t%d\n", args[0], res.RequestID)
			})
		},
	}
	return group("timers", "List pending timers, show what a timer sent, cancel one",
		"  bpush timers list\n  bpush timers records 9007199254740993001\n  bpush timers cancel 9007199254740993001",
		list, a.recordsCommand("timer"), cancel)
}

// recordsCommand is "timers records" or "topics records": every page of
// what a timer or a topic sent.
func (a *app) recordsCommand(kind string) *cobra.Command {
	var start, end string
	path := map[string]string{"timer": "report/query_timer_records", "topic": "report/query_topic_records"}[kind]
	cmd := &cobra.Command{
		Use:     "records " + strings.ToUpper(kind) + "_ID",
		Short:   "List the messages sent by a " + kind + " (" + path + "), every page",
		Example: "  bpush " + kind + "s records ID --from 2026-11-20T00:00:00+08:00",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := &pushsdk.RecordsOptions{}
			for _, r := range []struct {
				flag, val string
				dst       *time.Time
			}{{"--from", start, &opts.RangeStart}, {"--to", end, &opts.RangeEnd}} {
				if r.val == "" {
					continue
				}
				t, err := parseWhen(r.val)
				if err != nil {
					return fmt.Errorf("%s: %v", r.flag, err)
				}
				*r.dst = t
			}
			recs, err := collect(a, cmd, func(ctx context.Context, c *pushsdk.Channel) func(func(pushsdk.Record, error) bool) {
				if kind == "topic" {
					return c.TopicRecords(ctx, args[0], opts)
				}
				return c.TimerRecords(ctx, args[0], opts)
			})
			if err != nil {
				return err
			}
			var res any = &pushsdk.TimerRecords{TimerID: args[0], Records: recs}
			if kind == "topic" {
				res = &pushsdk.TopicRecords{TopicID: args[0], Records: recs}
			}
			return fail(a.emit(res, func(w io.Writer) {
				fmt.Fprintln(w, "MSG_ID\tSTATUS\tSEND_TIME")
				for _, r := range recs {
					fmt.Fprintf(w, "%s\t%s\t%s\n", r.MsgID, r.Status, when(r.SendTime))
				}
			}))
		},
	}
	cmd.Flags().StringVar(&start, "from", "", "sent at or after this time (default: 00:00 seven days ago)")
	cmd.Flags().StringVar(&end, "to", "", "sent at or before this time (default: now)")
	return cmd
}
