package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/spf13/cobra"
)

// JSON shapes with the service's field names.
type (
	statusJSON struct {
		MsgID    string `json:"msg_id"`
		Status   int    `json:"status"`
		SendTime int64  `json:"send_time"`
		Success  int64  `json:"success"`
	}
	recordJSON struct {
		MsgID    string `json:"msg_id"`
		Status   int    `json:"status"`
		SendTime int64  `json:"send_time"`
	}
	tagJSON struct {
		TID        string `json:"tid"`
		Tag        string `json:"tag"`
		Info       string `json:"info"`
		Type       int    `json:"type"`
		CreateTime int64  `json:"create_time"`
	}
	timerJSON struct {
		TimerID   string `json:"timer_id"`
		Msg       string `json:"msg"`
		SendTime  int64  `json:"send_time"`
		MsgType   int    `json:"msg_type"`
		RangeType int    `json:"range_type"`
	}
	topicJSON struct {
		TopicID string `json:"topic_id"`
		CTime   int64  `json:"ctime"`
		MTime   int64  `json:"mtime"`
		PushCnt int64  `json:"push_cnt"`
		AckCnt  int64  `json:"ack_cnt"`
	}
	deviceJSON struct {
		ChannelID string `json:"channel_id"`
		Result    int    `json:"result"` // the service's 0 or 1; -1 when the call failed
		Outcome   string `json:"outcome"`
		ErrorCode int    `json:"error_code,omitempty"`
		ErrorMsg  string `json:"error_msg,omitempty"`
	}
)

// run wraps a command body that needs a Channel and a context.
func (a *app) run(cmd *cobra.Command, body func(c *pushsdk.Channel, cmd *cobra.Command) error) error {
	c, err := a.channel()
	if err != nil {
		return err
	}
	return body(c, cmd)
}

func (a *app) statusCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "status MSG_ID…",
		Short:   "Show the delivery state of messages (report/query_msg_status)",
		Example: "  bpush status 7205759403792793001\n  bpush status 7205759403792793001 7205759403792793002 --json",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, func(c *pushsdk.Channel, cmd *cobra.Command) error {
				ctx, cancel := a.ctx(cmd)
				defer cancel()
				res, err := c.QueryMsgStatus(ctx, args...)
				if err != nil {
					return fail(err)
				}
				out := struct {
					RequestID int64        `json:"request_id"`
					TotalNum  int64        `json:"total_num"`
					Result    []statusJSON `json:"result"`
					Missing   []string     `json:"missing"`
				}{RequestID: res.RequestID, TotalNum: res.TotalNum, Result: []statusJSON{}, Missing: []string{}}
				returned := map[string]bool{}
				for _, m := range res.Messages {
					out.Result = append(out.Result, statusJSON{m.MsgID, int(m.Status), unixOrZero(m.SendTime), m.Success})
					returned[m.MsgID] = true
				}
				for _, id := range args {
					if !returned[id] && !slices.Contains(out.Missing, id) {
						out.Missing = append(out.Missing, id)
					}
				}
				if err := a.emit(out, func(w io.Writer) {
					fmt.Fprintln(w, "MSG_ID\tSTATUS\tSEND_TIME\tREACHED")
					for _, m := range res.Messages {
						fmt.Fprintf(w, "%s\t%s\t%s\t%d\n", m.MsgID, m.Status, when(m.SendTime), m.Success)
					}
					for _, id := range out.Missing {
						fmt.Fprintf(w, "%s\tnot returned by the service (unknown msg id?)\t-\t-\n", id)
					}
				}); err != nil {
					return fail(err)
				}
				if len(out.Missing) > 0 {
					return failf("the service returned no status for %d of %d msg ids: %s", len(out.Missing), len(args), strings.Join(out.Missing, ", "))
				}
				return nil
			})
		},
	}
}

func (a *app) tagsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tags",
		Short: "List, create and delete tags; add, remove and count their devices",
		Example: `  bpush tags create vip
  bpush tags add vip 3973380163216521844 3973380163216521843
  cat ids.txt | bpush tags add vip -
  bpush tags count vip`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(a.tagsListCommand(), a.tagCreateDelete("create"), a.tagCreateDelete("delete"),
		a.tagDevicesCommand("add"), a.tagDevicesCommand("remove"), a.tagsCountCommand())
	return cmd
}

func (a *app) tagsListCommand() *cobra.Command {
	var (
		tag  string
		page pushsdk.PageOptions
	)
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the app's tags (app/query_tags), every page unless --start or --limit is given",
		Example: "  bpush tags list\n  bpush tags list --tag vip --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.run(cmd, func(c *pushsdk.Channel, cmd *cobra.Command) error {
				ctx, cancel := a.ctx(cmd)
				defer cancel()
				opts := &pushsdk.TagsOptions{Tag: tag, PageOptions: page}
				var tags []pushsdk.Tag
				var rid, total int64
				if page != (pushsdk.PageOptions{}) {
					res, err := c.QueryTags(ctx, opts)
					if err != nil {
						return fail(err)
					}
					tags, rid, total = res.Tags, res.RequestID, res.TotalNum
				} else {
					for t, err := range c.Tags(ctx, opts) {
						if err != nil {
							return fail(err)
						}
						tags = append(tags, t)
					}
					total = int64(len(tags))
				}
				out := struct {
					RequestID int64     `json:"request_id,omitempty"`
					TotalNum  int64     `json:"total_num"`
					Result    []tagJSON `json:"result"`
				}{RequestID: rid, TotalNum: total, Result: []tagJSON{}}
				for _, t := range tags {
					out.Result = append(out.Result, tagJSON{t.TID, t.Name, t.Info, t.Type, unixOrZero(t.CreateTime)})
				}
				return a.emit(out, func(w io.Writer) {
					fmt.Fprintln(w, "TAG\tTID\tCREATED")
					for _, t := range tags {
						fmt.Fprintf(w, "%s\t%s\t%s\n", t.Name, dash(t.TID), when(t.CreateTime))
					}
				})
			})
		},
	}
	cmd.Flags().StringVar(&tag, "tag", "", "show only this tag")
	cmd.Flags().IntVar(&page.Start, "start", 0, "first index of a single page")
	cmd.Flags().IntVar(&page.Limit, "limit", 0, "size of a single page (1–100)")
	return cmd
}

func (a *app) tagCreateDelete(verb string) *cobra.Command {
	path := map[string]string{"create": "app/create_tag", "delete": "app/del_tag"}[verb]
	return &cobra.Command{
		Use:     verb + " NAME",
		Short:   strings.ToUpper(verb[:1]) + verb[1:] + " a tag (" + path + ")",
		Example: "  bpush tags " + verb + " vip",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, func(c *pushsdk.Channel, cmd *cobra.Command) error {
				ctx, cancel := a.ctx(cmd)
				defer cancel()
				var res *pushsdk.TagResult
				var err error
				if verb == "create" {
					res, err = c.CreateTag(ctx, args[0])
				} else {
					res, err = c.DeleteTag(ctx, args[0])
				}
				if err != nil {
					return fail(err)
				}
				result := 0
				if !res.OK {
					result = 1
				}
				if err := a.emit(struct {
					RequestID int64  `json:"request_id"`
					Tag       string `json:"tag"`
					Result    int    `json:"result"`
				}{res.RequestID, res.Tag, result}, func(w io.Writer) {
					fmt.Fprintln(w, "TAG\tRESULT\tREQUEST_ID")
					fmt.Fprintf(w, "%s\t%s\t%d\n", res.Tag, okText(res.OK), res.RequestID)
				}); err != nil {
					return fail(err)
				}
				if !res.OK {
					return failf("the service did not %s tag %s", verb, args[0])
				}
				return nil
			})
		},
	}
}

func okText(ok bool) string {
	if ok {
		return "ok"
	}
	return "failed"
}

func (a *app) tagDevicesCommand(verb string) *cobra.Command {
	var (
		idsFile string
		ff      fanoutFlags
	)
	path := map[string]string{"add": "tag/add_devices", "remove": "tag/del_devices"}[verb]
	done := map[string]string{"add": "added", "remove": "removed"}[verb]
	cmd := &cobra.Command{
		Use:   verb + " NAME CHANNEL_ID…|-",
		Short: strings.ToUpper(verb[:1]) + verb[1:] + " devices of a tag, any number (" + path + ", 10 ids a call)",
		Long: strings.ToUpper(verb[:1]) + verb[1:] + ` devices of a tag: ids from arguments, from stdin (-) or from --ids-file,
any number of them, 10 per call. Each id is reported: ` + done + `; not ` + done + ` — the service
answered result 1 for it and gives no reason; failed — its call was not
processed, safe to run again (--failed-file); or uncertain — its call failed
after it may have reached the service (--uncertain-file). Exit status 1 when
any call failed or is uncertain.`,
		Example: "  bpush tags " + verb + " vip 3973380163216521844 3973380163216521843\n" +
			"  bpush tags " + verb + " vip - < ids.txt --failed-file retry.txt",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := a.readIDs(args[1:], idsFile)
			if err != nil {
				return err
			}
			c, err := a.channel()
			if err != nil {
				return err
			}
			run, err := a.newFanoutRun(&ff, "tags "+verb, ids, pushsdk.MaxTagDevices, nil)
			if err != nil {
				return err
			}
			var res *pushsdk.DeviceResults
			sendErr := run.send(func(ctx context.Context, ids []string, fopts ...pushsdk.FanoutOption) error {
				var err error
				if verb == "add" {
					res, err = c.TagDevices(ctx, args[0], ids, fopts...)
				} else {
					res, err = c.UntagDevices(ctx, args[0], ids, fopts...)
				}
				return err
			})
			ok, failed, uncertain, ferr := run.finish()
			if sendErr != nil {
				return sendErr
			}
			out := struct {
				RequestID int64        `json:"request_id"`
				Result    []deviceJSON `json:"result"`
				Succeeded int          `json:"succeeded"`
				Rejected  int          `json:"rejected"`
				Failed    int          `json:"failed"`
				Uncertain int          `json:"uncertain"`
			}{Result: []deviceJSON{}, Succeeded: ok, Failed: failed, Uncertain: uncertain}
			rows := make([][2]string, 0, len(run.ids))
			for i, id := range run.ids {
				b := run.batches[i/run.size]
				dj := deviceJSON{ChannelID: id, Outcome: outcomeOf(b.state), ErrorCode: b.rec.ErrorCode, ErrorMsg: b.rec.ErrorMsg}
				result := ""
				switch {
				case b.state == pushsdk.BatchSucceeded && res != nil && i < len(res.Devices) && res.Devices[i].ChannelID == id && res.Devices[i].OK:
					result = done
				case b.state == pushsdk.BatchSucceeded:
					dj.Result = 1
					out.Rejected++
					result = "not " + done + " (service result 1)"
				default:
					dj.Result = -1
					result = dj.Outcome
					if b.rec.ErrorCode != 0 {
						result += fmt.Sprintf(": error %d: %s", b.rec.ErrorCode, b.rec.ErrorMsg)
					} else if b.rec.ErrorMsg != "" {
						result += ": " + b.rec.ErrorMsg
					}
				}
				if res != nil && i == 0 {
					out.RequestID = res.RequestID
				}
				out.Result = append(out.Result, dj)
				rows = append(rows, [2]string{id, result})
			}
			if err := a.emit(out, func(w io.Writer) {
				fmt.Fprintln(w, "CHANNEL_ID\tRESULT")
				for _, r := range rows {
					fmt.Fprintf(w, "%s\t%s\n", r[0], r[1])
				}
			}); err != nil {
				return fail(err)
			}
			if !a.jsonOut {
				fmt.Fprintf(a.stdout, "%d ids: %d %s, %d not %s (service result 1), %d failed, %d uncertain\n",
					len(run.ids), ok-out.Rejected, done, out.Rejected, done, failed, uncertain)
			}
			if ferr != nil {
				return fail(ferr)
			}
			return run.result(failed, uncertain)
		},
	}
	cmd.Flags().StringVar(&idsFile, "ids-file", "", "read channel ids from this file, one per line")
	ff.register(cmd, false)
	return cmd
}

func (a *app) tagsCountCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "count NAME",
		Short:   "Count the devices in a tag (tag/device_num)",
		Example: "  bpush tags count vip\n  bpush tags count default",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, func(c *pushsdk.Channel, cmd *cobra.Command) error {
				ctx, cancel := a.ctx(cmd)
				defer cancel()
				res, err := c.QueryDeviceNumInTag(ctx, args[0])
				if err != nil {
					return fail(err)
				}
				return a.emit(struct {
					RequestID int64 `json:"request_id"`
					DeviceNum int64 `json:"device_num"`
				}{res.RequestID, res.DeviceNum}, func(w io.Writer) {
					fmt.Fprintln(w, "TAG\tDEVICES")
					fmt.Fprintf(w, "%s\t%d\n", args[0], res.DeviceNum)
				})
			})
		},
	}
}

func (a *app) timersCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "timers",
		Short:   "List pending timers, show what a timer sent, cancel one",
		Example: "  bpush timers list\n  bpush timers records 9007199254740993001\n  bpush timers cancel 9007199254740993001",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var timerID string
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the pending timers (timer/query_list), every page",
		Example: "  bpush timers list\n  bpush timers list --timer-id 9007199254740993001 --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.run(cmd, func(c *pushsdk.Channel, cmd *cobra.Command) error {
				ctx, cancel := a.ctx(cmd)
				defer cancel()
				var timers []pushsdk.Timer
				for t, err := range c.Timers(ctx, &pushsdk.TimerListOptions{TimerID: timerID}) {
					if err != nil {
						return fail(err)
					}
					timers = append(timers, t)
				}
				out := struct {
					TotalNum int         `json:"total_num"`
					Result   []timerJSON `json:"result"`
				}{TotalNum: len(timers), Result: []timerJSON{}}
				for _, t := range timers {
					out.Result = append(out.Result, timerJSON{t.TimerID, t.Msg, unixOrZero(t.SendTime), int(t.MsgType), int(t.RangeType)})
				}
				return a.emit(out, func(w io.Writer) {
					fmt.Fprintln(w, "TIMER_ID\tSEND_TIME\tRANGE\tTYPE\tMSG")
					for _, t := range timers {
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.TimerID, when(t.SendTime), t.RangeType, t.MsgType, shorten(t.Msg, 40))
					}
				})
			})
		},
	}
	list.Flags().StringVar(&timerID, "timer-id", "", "show only this timer")
	cancelCmd := &cobra.Command{
		Use:     "cancel TIMER_ID",
		Short:   "Cancel a pending timer (timer/cancel), more than a minute before it runs",
		Example: "  bpush timers cancel 9007199254740993001",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, func(c *pushsdk.Channel, cmd *cobra.Command) error {
				ctx, cancel := a.ctx(cmd)
				defer cancel()
				res, err := c.CancelTimer(ctx, args[0])
				if err != nil {
					return fail(err)
				}
				return a.emit(struct {
					RequestID int64  `json:"request_id"`
					TimerID   string `json:"timer_id"`
				}{res.RequestID, args[0]}, func(w io.Writer) {
					fmt.Fprintln(w, "TIMER_ID\tRESULT\tREQUEST_ID")
					fmt.Fprintf(w, "%s\tcancelled\t%d\n", args[0], res.RequestID)
				})
			})
		},
	}
	cmd.AddCommand(list, a.recordsCommand("timer"), cancelCmd)
	return cmd
}

func (a *app) topicsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "topics",
		Short:   "List the topics of batch pushes, show what was sent under one",
		Example: "  bpush topics list\n  bpush topics records news",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the topics with their counts (topic/query_list), every page",
		Example: "  bpush topics list --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.run(cmd, func(c *pushsdk.Channel, cmd *cobra.Command) error {
				ctx, cancel := a.ctx(cmd)
				defer cancel()
				var topics []pushsdk.Topic
				for t, err := range c.Topics(ctx, nil) {
					if err != nil {
						return fail(err)
					}
					topics = append(topics, t)
				}
				out := struct {
					TotalNum int         `json:"total_num"`
					Result   []topicJSON `json:"result"`
				}{TotalNum: len(topics), Result: []topicJSON{}}
				for _, t := range topics {
					out.Result = append(out.Result, topicJSON{t.TopicID, unixOrZero(t.FirstSent), unixOrZero(t.LastSent), t.PushCount, t.AckCount})
				}
				return a.emit(out, func(w io.Writer) {
					fmt.Fprintln(w, "TOPIC_ID\tFIRST_SENT\tLAST_SENT\tPUSHED\tREACHED")
					for _, t := range topics {
						fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\n", t.TopicID, when(t.FirstSent), when(t.LastSent), t.PushCount, stat(t.AckCount))
					}
				})
			})
		},
	}
	cmd.AddCommand(list, a.recordsCommand("topic"))
	return cmd
}

// recordsCommand is "timers records" or "topics records".
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
			return a.run(cmd, func(c *pushsdk.Channel, cmd *cobra.Command) error {
				ctx, cancel := a.ctx(cmd)
				defer cancel()
				seq := c.TimerRecords(ctx, args[0], opts)
				if kind == "topic" {
					seq = c.TopicRecords(ctx, args[0], opts)
				}
				var recs []pushsdk.Record
				for r, err := range seq {
					if err != nil {
						return fail(err)
					}
					recs = append(recs, r)
				}
				out := map[string]any{kind + "_id": args[0]}
				list := []recordJSON{}
				for _, r := range recs {
					list = append(list, recordJSON{r.MsgID, int(r.Status), unixOrZero(r.SendTime)})
				}
				out["result"] = list
				return a.emit(out, func(w io.Writer) {
					fmt.Fprintln(w, "MSG_ID\tSTATUS\tSEND_TIME")
					for _, r := range recs {
						fmt.Fprintf(w, "%s\t%s\t%s\n", r.MsgID, r.Status, when(r.SendTime))
					}
				})
			})
		},
	}
	cmd.Flags().StringVar(&start, "from", "", "sent at or after this time (default: 00:00 seven days ago)")
	cmd.Flags().StringVar(&end, "to", "", "sent at or before this time (default: now)")
	return cmd
}

func (a *app) statsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "stats",
		Short:   "Daily statistics of the last 30 days: devices, a topic, messages",
		Example: "  bpush stats devices\n  bpush stats topic news\n  bpush stats msg broadcast batch",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	devices := &cobra.Command{
		Use:     "devices",
		Short:   "Devices per day (report/statistic_device); -1 means no data",
		Example: "  bpush stats devices --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.run(cmd, func(c *pushsdk.Channel, cmd *cobra.Command) error {
				ctx, cancel := a.ctx(cmd)
				defer cancel()
				res, err := c.QueryStatisticDevice(ctx)
				if err != nil {
					return fail(err)
				}
				days := map[string]map[string]int64{}
				for _, d := range res.Days {
					days[strconv.FormatInt(d.Day.Unix(), 10)] = map[string]int64{"new_term": d.New, "del_term": d.Deleted,
						"online_term": d.Online, "addup_term": d.Cumulative, "total_term": d.Total}
				}
				return a.emit(map[string]any{"request_id": res.RequestID, "total_num": res.TotalNum, "result": days}, func(w io.Writer) {
					fmt.Fprintln(w, "DAY\tNEW\tDELETED\tONLINE\tCUMULATIVE\tTOTAL")
					for _, d := range res.Days {
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", d.Day.Format(time.DateOnly), stat(d.New), stat(d.Deleted), stat(d.Online), stat(d.Cumulative), stat(d.Total))
					}
				})
			})
		},
	}
	topic := &cobra.Command{
		Use:     "topic TOPIC_ID",
		Short:   "Devices reached per day under a topic (report/statistic_topic)",
		Example: "  bpush stats topic news",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, func(c *pushsdk.Channel, cmd *cobra.Command) error {
				ctx, cancel := a.ctx(cmd)
				defer cancel()
				res, err := c.QueryStatisticTopic(ctx, args[0])
				if err != nil {
					return fail(err)
				}
				days := map[string]map[string]int64{}
				for _, d := range res.Days {
					days[strconv.FormatInt(d.Day.Unix(), 10)] = map[string]int64{"ack": d.Ack}
				}
				return a.emit(map[string]any{"request_id": res.RequestID, "total_num": res.TotalNum, "result": days}, func(w io.Writer) {
					fmt.Fprintln(w, "DAY\tREACHED")
					for _, d := range res.Days {
						fmt.Fprintf(w, "%s\t%s\n", d.Day.Format(time.DateOnly), stat(d.Ack))
					}
				})
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
			return a.run(cmd, func(c *pushsdk.Channel, cmd *cobra.Command) error {
				ctx, cancel := a.ctx(cmd)
				defer cancel()
				res, err := c.QueryStatisticMsg(ctx, types...)
				if err != nil {
					return fail(err)
				}
				var ranges []map[string]any
				for _, r := range res.Ranges {
					days := map[string]map[string]int64{}
					for _, d := range r.Days {
						days[strconv.FormatInt(d.Day.Unix(), 10)] = map[string]int64{"push": d.Push, "ack": d.Ack, "del": d.Del, "click": d.Click}
					}
					ranges = append(ranges, map[string]any{"range_type": int(r.RangeType), "total_num": r.TotalNum, "result": days})
				}
				if ranges == nil {
					ranges = []map[string]any{}
				}
				return a.emit(map[string]any{"request_id": res.RequestID, "total_num": res.TotalNum, "result": ranges}, func(w io.Writer) {
					fmt.Fprintln(w, "RANGE\tDAY\tPUSHED\tREACHED\tDELETED\tCLICKED")
					for _, r := range res.Ranges {
						for _, d := range r.Days {
							fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", r.RangeType, d.Day.Format(time.DateOnly), stat(d.Push), stat(d.Ack), stat(d.Del), stat(d.Click))
						}
					}
				})
			})
		},
	}
	cmd.AddCommand(devices, topic, msg)
	return cmd
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
