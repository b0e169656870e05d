package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/bdpush/pushsdk"
	"github.com/spf13/cobra"
)

func (a *app) tagsCommand() *cobra.Command {
	return group("tags", "List, create and delete tags; add, remove and count their devices",
		"  bpush tags create vip\n  bpush tags add vip 3973380163216521844 3973380163216521843\n  cat ids.txt | bpush tags add vip -\n  bpush tags count vip",
		a.tagsListCommand(), a.tagCreateDelete("create"), a.tagCreateDelete("delete"),
		a.tagDevicesCommand("add"), a.tagDevicesCommand("remove"), a.tagsCountCommand())
}

func (a *app) tagsListCommand() *cobra.Command {
	var (
		tag  string
		page pushsdk.PageOptions
	)
	table := func(w io.Writer, res *pushsdk.TagList) {
		fmt.Fprintln(w, "TAG\tTID\tCREATED")
		for _, t := range res.Tags {
			fmt.Fprintf(w, "%s\t%s\t%s\n", t.Name, dash(t.TID), when(t.CreateTime))
		}
	}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the app's tags (app/query_tags), every page unless --start or --limit is given",
		Example: "  bpush tags list\n  bpush tags list --tag vip --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := &pushsdk.TagsOptions{Tag: tag, PageOptions: page}
			if page != (pushsdk.PageOptions{}) {
				return call(a, cmd, func(ctx context.Context, c *pushsdk.Channel) (*pushsdk.TagList, error) { return c.QueryTags(ctx, opts) }, table)
			}
			tags, err := collect(a, cmd, func(ctx context.Context, c *pushsdk.Channel) func(func(pushsdk.Tag, error) bool) {
				return c.Tags(ctx, opts)
			})
			if err != nil {
				return err
			}
			res := &pushsdk.TagList{TotalNum: int64(len(tags)), Tags: tags}
			return fail(a.emit(res, func(w io.Writer) { table(w, res) }))
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
			done := true
			err := call(a, cmd, func(ctx context.Context, c *pushsdk.Channel) (*pushsdk.TagResult, error) {
				if verb == "create" {
					return c.CreateTag(ctx, args[0])
				}
				return c.DeleteTag(ctx, args[0])
			}, func(w io.Writer, res *pushsdk.TagResult) {
				done = res.OK
				fmt.Fprintln(w, "TAG\tRESULT\tREQUEST_ID")
				fmt.Fprintf(w, "%s\t%s\t%d\n", res.Tag, okText(res.OK), res.RequestID)
			})
			if err == nil && !done {
				return failf("the service did not %s tag %s (result 1)", verb, args[0])
			}
			return err
		},
	}
}

func okText(ok bool) string {
	if ok {
		return "ok"
	}
	return "failed"
}

func (a *app) tagsCountCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "count NAME",
		Short:   "Count the devices in a tag (tag/device_num)",
		Example: "  bpush tags count vip\n  bpush tags count default",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return call(a, cmd, func(ctx context.Context, c *pushsdk.Channel) (*pushsdk.DeviceNum, error) {
				return c.QueryDeviceNumInTag(ctx, args[0])
			}, func(w io.Writer, res *pushsdk.DeviceNum) {
				fmt.Fprintln(w, "TAG\tDEVICES")
				fmt.Fprintf(w, "%s\t%d\n", args[0], res.DeviceNum)
			})
		},
	}
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
			run, err := a.newFanoutRun(&ff, "tags "+verb, pushsdk.MaxTagDevices, args[1:], idsFile, "")
			if err != nil {
				return err
			}
			ids, err := a.readIDs(args[1:], idsFile)
			if err != nil {
				return run.abort(err)
			}
			c, err := a.channel()
			if err != nil {
				return run.abort(err)
			}
			if err := run.start(ids, nil); err != nil {
				return run.abort(err)
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
			// Each id as the SDK reports it, with its call's outcome.
			type deviceJSON struct {
				pushsdk.DeviceResult
				Outcome   string `json:"outcome"` // ok, failed or uncertain: the call's
				ErrorCode int    `json:"error_code,omitempty"`
				ErrorMsg  string `json:"error_msg,omitempty"`
			}
			out := struct {
				RequestID int64        `json:"request_id,omitempty"` // none when every call failed
				Result    []deviceJSON `json:"result"`
				Succeeded int          `json:"succeeded"`
				Rejected  int          `json:"rejected"` // result 1: not added, or not removed
				Failed    int          `json:"failed"`
				Uncertain int          `json:"uncertain"`
			}{Result: []deviceJSON{}, Succeeded: ok, Failed: failed, Uncertain: uncertain}
			if res != nil {
				out.RequestID = res.RequestID
			}
			rows := make([][2]string, 0, len(run.ids))
			for i, id := range run.ids {
				b := run.batches[i/run.size]
				dj := deviceJSON{DeviceResult: pushsdk.DeviceResult{ChannelID: id}, Outcome: outcomeOf(b.state), ErrorCode: b.rec.ErrorCode, ErrorMsg: b.rec.ErrorMsg}
				result := ""
				switch {
				case b.state == pushsdk.BatchSucceeded && res != nil && i < len(res.Devices) && res.Devices[i].ChannelID == id && res.Devices[i].OK:
					dj.OK = true
					result = done
				case b.state == pushsdk.BatchSucceeded:
					out.Rejected++
					result = "not " + done + " (service result 1)"
				default:
					result = dj.Outcome
					if b.rec.ErrorCode != 0 {
						result += fmt.Sprintf(": error %d: %s", b.rec.ErrorCode, b.rec.ErrorMsg)
					} else if b.rec.ErrorMsg != "" {
						result += ": " + b.rec.ErrorMsg
					}
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
