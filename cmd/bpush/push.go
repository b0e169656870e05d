package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// pushFlags are the message and option flags of every push command.
type pushFlags struct {
	msg, msgFile string
	notification bool
	expires      time.Duration
	onlineOnly   bool
	deploy       string
	at           string
	topic        string

	// Android notification
	title, description, url, pkgContent string
	style                               int
	builderID                           int
	custom                              []string
	// iOS notification
	alert, alertTitle, sound, threadID string
	badge                              int
	contentAvailable, mutableContent   bool
}

func (p *pushFlags) register(f *pflag.FlagSet, timed, topic bool) {
	f.StringVar(&p.msg, "msg", "", "the message: text, or notification JSON with --notification")
	f.StringVar(&p.msgFile, "msg-file", "", "read the message from this file (- for stdin)")
	f.BoolVar(&p.notification, "notification", false, "the message is a notification (msg_type=1), not pass-through")
	f.DurationVar(&p.expires, "expires", 0, "keep the message this long for offline devices (e.g. 2h; at most 168h)")
	f.BoolVar(&p.onlineOnly, "online-only", false, "deliver to online devices only (msg_expires=0)")
	f.StringVar(&p.deploy, "deploy", "", "iOS environment: dev or prod")
	if timed {
		f.StringVar(&p.at, "at", "", "schedule the push: RFC 3339 time, unix seconds, or a delay like 10m (more than 1m ahead)")
	}
	if topic {
		f.StringVar(&p.topic, "topic", "", "file the push under this topic id")
	}
	f.StringVar(&p.title, "title", "", "Android notification: title")
	f.StringVar(&p.description, "description", "", "Android notification: text")
	f.StringVar(&p.url, "url", "", "Android notification: open this URL when tapped")
	f.StringVar(&p.pkgContent, "pkg-content", "", "Android notification: run this intent when tapped")
	f.IntVar(&p.style, "style", 0, "Android notification: 1 clearable + 2 vibrate + 4 ring (default: all)")
	f.IntVar(&p.builderID, "builder-id", 0, "Android notification: the app's notification layout")
	f.StringSliceVar(&p.custom, "custom", nil, "notification: custom key=value (repeatable)")
	f.StringVar(&p.alert, "alert", "", "iOS notification: alert text")
	f.StringVar(&p.alertTitle, "alert-title", "", "iOS notification: alert title (with --alert as the body)")
	f.StringVar(&p.sound, "sound", "", "iOS notification: sound name, or default")
	f.IntVar(&p.badge, "badge", -1, "iOS notification: badge number (0 clears it)")
	f.BoolVar(&p.contentAvailable, "content-available", false, "iOS notification: wake the app in the background")
	f.BoolVar(&p.mutableContent, "mutable-content", false, "iOS notification: let an extension change it")
	f.StringVar(&p.threadID, "thread-id", "", "iOS notification: group by this thread id")
}

func (p *pushFlags) android() bool {
	return p.title != "" || p.description != "" || p.url != "" || p.pkgContent != "" || p.style != 0 || p.builderID != 0
}

func (p *pushFlags) ios() bool {
	return p.alert != "" || p.alertTitle != "" || p.sound != "" || p.badge >= 0 || p.contentAvailable || p.mutableContent || p.threadID != ""
}

// message builds the msg and the push options from the flags.
func (p *pushFlags) message(a *app) (string, *pushsdk.PushOptions, error) {
	opts := &pushsdk.PushOptions{MsgExpires: p.expires, OnlineOnly: p.onlineOnly, TopicID: p.topic}
	switch strings.ToLower(p.deploy) {
	case "":
	case "dev", "development", "1":
		opts.DeployStatus = pushsdk.DeployDevelopment
	case "prod", "production", "2":
		opts.DeployStatus = pushsdk.DeployProduction
	default:
		return "", nil, fmt.Errorf("--deploy %q: want dev or prod", p.deploy)
	}
	if p.at != "" {
		t, err := parseWhen(p.at)
		if err != nil {
			return "", nil, fmt.Errorf("--at: %v", err)
		}
		opts.SendTime = t
	}
	custom := map[string]any{}
	for _, kv := range p.custom {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return "", nil, fmt.Errorf("--custom %q: want key=value", kv)
		}
		custom[k] = v
	}
	sources := 0
	for _, set := range []bool{p.msg != "", p.msgFile != "", p.android(), p.ios()} {
		if set {
			sources++
		}
	}
	if sources != 1 {
		return "", nil, errors.New("give the message once: --msg, --msg-file, Android notification flags (--title, --description, …) " +
			"or iOS notification flags (--alert, --sound, --badge, …)")
	}
	var msg string
	switch {
	case p.msg != "":
		msg = p.msg
	case p.msgFile != "":
		m, err := a.readMessage(p.msgFile)
		if err != nil {
			return "", nil, err
		}
		msg = m
	case p.android():
		n := pushsdk.AndroidNotification{Title: p.title, Description: p.description, BuilderID: p.builderID,
			Style: pushsdk.NotificationStyle(p.style), URL: p.url, PkgContent: p.pkgContent}
		if p.url != "" {
			n.OpenType = pushsdk.OpenURL
		} else if p.pkgContent != "" {
			n.OpenType = pushsdk.OpenCustom
		}
		if len(custom) > 0 {
			n.CustomContent = custom
		}
		m, err := n.Msg()
		if err != nil {
			return "", nil, err
		}
		msg, p.notification = m, true
	case p.ios():
		n := pushsdk.IOSNotification{Sound: p.sound, ContentAvailable: p.contentAvailable, MutableContent: p.mutableContent, ThreadID: p.threadID}
		if p.alertTitle != "" {
			n.AlertTitle, n.AlertBody = p.alertTitle, p.alert
		} else {
			n.Alert = p.alert
		}
		if p.badge >= 0 {
			n.Badge = new(p.badge)
		}
		if len(custom) > 0 {
			n.Custom = custom
		}
		n.MaxBytes = 4096 // the service's limit: the Channel checks its own
		m, err := n.Msg()
		if err != nil {
			return "", nil, err
		}
		msg, p.notification = m, true
	}
	if len(custom) > 0 && !p.android() && !p.ios() {
		return "", nil, errors.New("--custom goes with notification flags")
	}
	if p.notification {
		opts.MsgType = pushsdk.MsgTypeNotification
	}
	return msg, opts, nil
}

// parseWhen reads an absolute time (RFC 3339, "2006-01-02 15:04:05" local,
// or unix seconds) or a delay from now ("10m", "+2h").
func parseWhen(s string) (time.Time, error) {
	if d, err := time.ParseDuration(strings.TrimPrefix(s, "+")); err == nil {
		return time.Now().Add(d), nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateTime, s, time.Local); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither a time (RFC 3339, unix seconds, 2006-01-02 15:04:05) nor a delay (10m)", s)
}

func (a *app) emitPush(r *pushsdk.PushResult) error {
	return a.emit(r, func(w io.Writer) {
		fmt.Fprintln(w, "MSG_ID\tSEND_TIME\tTIMER_ID\tREQUEST_ID")
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\n", r.MsgID, when(r.SendTime), dash(r.TimerID), r.RequestID)
	})
}

func (a *app) pushCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "push",
		Short: "Push a message or notification to all devices, one device, a tag or a list of devices",
		Long: `Push a pass-through message (--msg) or a notification: raw JSON with
--msg --notification, or built from flags — Android: --title, --description,
--url, --style, --custom; iOS: --alert, --alert-title, --sound, --badge.`,
		Example: `  bpush push all --msg "hello"
  bpush push device 3973380163216521844 --title Sale --description "50% off"
  bpush push tag vip --alert "New level unlocked" --badge 1 --device-type 4
  bpush push all --msg "good morning" --at 2026-12-01T08:00:00+08:00`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(a.pushAllCommand(), a.pushDeviceCommand(), a.pushTagCommand(), a.pushSmartTagCommand(), a.pushBatchCommand())
	return cmd
}

// pushOnce makes a command that sends one push: all, device or tag.
func (a *app) pushOnce(use, short, example string, args cobra.PositionalArgs, timed bool,
	send func(ctx context.Context, c *pushsdk.Channel, args []string, msg string, opts *pushsdk.PushOptions) (*pushsdk.PushResult, error)) *cobra.Command {
	var p pushFlags
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Example: example,
		Args:    args,
		RunE: func(cmd *cobra.Command, args []string) error {
			msg, opts, err := p.message(a)
			if err != nil {
				return err
			}
			c, err := a.channel()
			if err != nil {
				return err
			}
			ctx, cancel := a.ctx(cmd)
			defer cancel()
			res, err := send(ctx, c, args, msg, opts)
			if err != nil {
				return fail(err)
			}
			return a.emitPush(res)
		},
	}
	p.register(cmd.Flags(), timed, false)
	return cmd
}

func (a *app) pushAllCommand() *cobra.Command {
	return a.pushOnce("all", "Broadcast to every device of the app (push/all)",
		"  bpush push all --msg \"hello\"\n  bpush push all --title News --description \"Read today's news\" --at 30m",
		cobra.NoArgs, true,
		func(ctx context.Context, c *pushsdk.Channel, _ []string, msg string, opts *pushsdk.PushOptions) (*pushsdk.PushResult, error) {
			return c.PushMsgToAll(ctx, msg, opts)
		})
}

func (a *app) pushDeviceCommand() *cobra.Command {
	return a.pushOnce("device CHANNEL_ID", "Push to one device (push/single_device)",
		"  bpush push device 3973380163216521844 --msg \"hello\"",
		cobra.ExactArgs(1), false,
		func(ctx context.Context, c *pushsdk.Channel, args []string, msg string, opts *pushsdk.PushOptions) (*pushsdk.PushResult, error) {
			return c.PushMsgToSingleDevice(ctx, args[0], msg, opts)
		})
}

func (a *app) pushTagCommand() *cobra.Command {
	return a.pushOnce("tag TAG", "Push to every device in a tag (push/tags)",
		"  bpush push tag vip --msg \"hello\"\n  bpush push tag default --title Hi --description \"to everyone\"",
		cobra.ExactArgs(1), true,
		func(ctx context.Context, c *pushsdk.Channel, args []string, msg string, opts *pushsdk.PushOptions) (*pushsdk.PushResult, error) {
			return c.PushMsgToTag(ctx, args[0], msg, opts)
		})
}

func (a *app) pushSmartTagCommand() *cobra.Command {
	return a.pushOnce("smart-tag KIND SELECTOR", "Push to the devices a smart tag selects (push/tags, type 2–6; the PHP and Java SDKs' smart-tag push)",
		"  bpush push smart-tag combination '{\"OR\":[{\"tag\":\"vip\"},{\"tag\":\"beta\"}]}' --msg hello\n"+
			"  bpush push smart-tag 2 '{\"lbs\":{\"city\":\"Beijing\"}}' --title News --description \"Today in Beijing\" --at 30m",
		cobra.MatchAll(cobra.ExactArgs(2), func(_ *cobra.Command, args []string) error {
			_, err := parseSmartTag(args[0])
			return err
		}), true,
		func(ctx context.Context, c *pushsdk.Channel, args []string, msg string, opts *pushsdk.PushOptions) (*pushsdk.PushResult, error) {
			kind, _ := parseSmartTag(args[0])
			return c.PushMsgToSmartTag(ctx, kind, args[1], msg, opts)
		})
}

// parseSmartTag reads a smart tag type: a name (lbs, interest, age, sex,
// combination) or its number (2–6).
func parseSmartTag(s string) (pushsdk.SmartTagType, error) {
	if n, err := strconv.Atoi(s); err == nil && n >= int(pushsdk.SmartTagLBS) && n <= int(pushsdk.SmartTagCombination) {
		return pushsdk.SmartTagType(n), nil
	}
	for t := pushsdk.SmartTagLBS; t <= pushsdk.SmartTagCombination; t++ {
		if t.String() == strings.ToLower(s) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("smart tag type %q: want 2–6 or lbs, interest, age, sex, combination", s)
}

// batchJSON is one batch of a fan-out, with the service's field names.
type batchJSON struct {
	Batch     int    `json:"batch"`
	Devices   int    `json:"device_num"`
	Outcome   string `json:"outcome"`
	Earlier   bool   `json:"earlier_run,omitempty"`
	RequestID int64  `json:"request_id,omitempty"`
	MsgID     string `json:"msg_id,omitempty"`
	SendTime  int64  `json:"send_time,omitempty"`
	ErrorCode int    `json:"error_code,omitempty"`
	ErrorMsg  string `json:"error_msg,omitempty"`
}

// fanoutJSON is the --json output of a fan-out command.
type fanoutJSON struct {
	Batches   []batchJSON `json:"batches"`
	IDs       int         `json:"device_num"`
	Succeeded int         `json:"succeeded"`
	Failed    int         `json:"failed"`
	Uncertain int         `json:"uncertain"`
}

func (a *app) pushBatchCommand() *cobra.Command {
	var (
		p       pushFlags
		idsFile string
		ff      fanoutFlags
	)
	cmd := &cobra.Command{
		Use:   "batch [CHANNEL_ID…|-]",
		Short: "Push to a list of devices of any length (push/batch_device, 10 000 ids a call)",
		Long: `Push to any number of devices: ids from arguments, from stdin (-) or from
--ids-file, one per line. Duplicates are dropped; the ids go out in batches of
10 000, four calls at a time, each retried when that is safe.

Every id ends in one of three sets: ok; failed — provably not processed, safe
to send again (--failed-file); uncertain — the request may have reached the
service although the call failed (--uncertain-file): sending those again may
deliver twice. Both files are replaced when the run ends, also on SIGINT or
SIGTERM, and removed when it starts.

--journal records each batch's start and outcome, synced to disk, so that a
run killed at any point can be resumed: run the same command with the same
--journal. Batches done are skipped, failed ones sent again, and batches
whose outcome is unknown (started, never answered) are reported as
uncertain, not sent again unless --resend-uncertain is given.

The first SIGINT or SIGTERM starts no new batch and waits for those under way;
a second one abandons them (they are reported uncertain). Exit status: 0 when
every id is ok, 1 when any failed or is uncertain, 2 on a usage error,
130/143 when ended by SIGINT/SIGTERM.`,
		Example: "  bpush push batch 3973380163216521844 3973380163216521843 --msg hi --topic news\n" +
			"  cut -f1 devices.tsv | bpush push batch - --title Sale --description \"50% off\" \\\n" +
			"      --journal sale.journal --failed-file retry.txt --uncertain-file check.txt\n" +
			"  bpush push batch --ids-file retry.txt --title Sale --description \"50% off\" --failed-file retry2.txt",
		RunE: func(cmd *cobra.Command, args []string) error {
			run, err := a.newFanoutRun(&ff, "push batch", pushsdk.MaxBatchDevices, args, idsFile, p.msgFile)
			if err != nil {
				return err
			}
			msg, opts, err := p.message(a)
			if err != nil {
				return run.abort(err)
			}
			ids, err := a.readIDs(args, idsFile)
			if err != nil {
				return run.abort(err)
			}
			c, err := a.channel()
			if err != nil {
				return run.abort(err)
			}
			job := struct {
				Target string
				Msg    string
				Opts   *pushsdk.PushOptions
			}{a.target, msg, opts}
			if err := run.start(ids, job); err != nil {
				return run.abort(err)
			}
			sendErr := run.send(func(ctx context.Context, ids []string, fopts ...pushsdk.FanoutOption) error {
				_, err := c.PushToDevices(ctx, ids, msg, opts, fopts...)
				return err
			})
			ok, failed, uncertain, ferr := run.finish()
			if sendErr != nil {
				return sendErr
			}
			out := fanoutJSON{Batches: []batchJSON{}, IDs: len(run.ids), Succeeded: ok, Failed: failed, Uncertain: uncertain}
			for i, b := range run.batches {
				out.Batches = append(out.Batches, batchJSON{Batch: i + 1, Devices: len(run.batchIDs(i)), Outcome: outcomeOf(b.state), Earlier: b.earlier,
					RequestID: b.rec.RequestID, MsgID: b.rec.MsgID, SendTime: b.rec.SendTime, ErrorCode: b.rec.ErrorCode, ErrorMsg: b.rec.ErrorMsg})
			}
			if err := a.emit(out, func(w io.Writer) { batchTable(w, out.Batches) }); err != nil {
				return fail(err)
			}
			if !a.jsonOut {
				run.summary(a.stdout, ok, failed, uncertain)
			}
			if ferr != nil {
				return fail(ferr)
			}
			return run.result(failed, uncertain)
		},
	}
	p.register(cmd.Flags(), false, true)
	cmd.Flags().StringVar(&idsFile, "ids-file", "", "read channel ids from this file, one per line")
	ff.register(cmd, true)
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
