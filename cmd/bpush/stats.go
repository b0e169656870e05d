package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/bdpush/pushsdk"
	"github.com/spf13/cobra"
)

// day renders a statistics day: the date in Beijing time, as the service
// counts days.
const day = "2006-01-02 MST"

func (a *app) statsCommand() *cobra.Command {
	devices := &cobra.Command{
		Use:     "devices",
		Short:   "Devices per day (report/statistic_device); - means no data",
		Example: "  bpush stats devices --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return call(a, cmd, func(ctx context.Context, c *pushsdk.Channel) (*pushsdk.DeviceStatistics, error) {
				return c.QueryStatisticDevice(ctx)
			}, func(w io.Writer, res *pushsdk.DeviceStatistics) {
				fmt.Fprintln(w, "DAY\tNEW\tDELETED\tONLINE\tCUMULATIVE\tTOTAL")
				for _, d := range res.Days {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", d.Day.Format(day), stat(d.New), stat(d.Deleted), stat(d.Online), stat(d.Cumulative), stat(d.Total))
				}
			})
		},
	}
	topic := &cobra.Command{
		Use:     "topic TOPIC_ID",
		Short:   "Devices reached per day under a topic (report/statistic_topic)",
		Example: "  bpush stats topic news",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return call(a, cmd, func(ctx context.Context, c *pushsdk.Channel) (*pushsdk.TopicStatistics, error) {
				return c.QueryStatisticTopic(ctx, args[0])
			}, func(w io.Writer, res *pushsdk.TopicStatistics) {
				fmt.Fprintln(w, "DAY\tREACHED")
				for _, d := range res.Days {
					fmt.Fprintf(w, "%s\t%s\n", d.Day.Format(day), stat(d.Ack))
				}
			})
		},
	}
	msg := &cobra.Command{
		Use:   "msg [RANGE_TYPE…]",
		Short: "Messages pushed, reached, deleted and clicked per day, by range type (report/statistic_msg)",
		Long: `Message statistics per range type: tag (0), broadcast (1), batch (2),
tag_combination (3), precise (4), lbs (5), reserved (6), unicast (7). Give
names or numbers; none asks the service for its default.`,
		Example: "  bpush stats msg broadcast unicast\n  bpush stats msg 1 2 --json",
		RunE: func(cmd *cobra.Command, args []string) error {
			var types []pushsdk.RangeType
			for _, arg := range args {
				t, err := parseRangeType(arg)
				if err != nil {
					return err
				}
				types = append(types, t)
			}
			return call(a, cmd, func(ctx context.Context, c *pushsdk.Channel) (*pushsdk.MsgStatistics, error) {
				return c.QueryStatisticMsg(ctx, types...)
			}, func(w io.Writer, res *pushsdk.MsgStatistics) {
				fmt.Fprintln(w, "RANGE\tDAY\tPUSHED\tREACHED\tDELETED\tCLICKED")
				for _, r := range res.Ranges {
					for _, d := range r.Days {
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", r.RangeType, d.Day.Format(day), stat(d.Push), stat(d.Ack), stat(d.Del), stat(d.Click))
					}
				}
			})
		},
	}
	return group("stats", "Daily statistics of the last 30 days: devices, a topic, messages",
		"  bpush stats devices\n  bpush stats topic news\n  bpush stats msg broadcast batch", devices, topic, msg)
}

func parseRangeType(s string) (pushsdk.RangeType, error) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 7 {
		return pushsdk.RangeType(n), nil
	}
	for t := pushsdk.RangeTag; t <= pushsdk.RangeUnicast; t++ {
		if t.String() == strings.ToLower(s) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("range type %q: want 0–7 or tag, broadcast, batch, tag_combination, precise, lbs, reserved, unicast", s)
}

// stat renders a statistic, "-" for the service's -1 (no data).
func stat(n int64) string {
	if n < 0 {
		return "-"
	}
	return strconv.FormatInt(n, 10)
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
