package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
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
		var data []byte
		var err error
		if p.msgFile == "-" {
			data, err = io.ReadAll(a.stdin)
		} else {
			data, err = os.ReadFile(p.msgFile)
		}
		if err != nil {
			return "", nil, err
		}
		msg = strings.TrimRight(string(data), "\r\n")
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
		m, err := n.MsgLimit(pushsdk.MaxMsgBytes)
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

// pushJSON is a push result with the service's field names.
type pushJSON struct {
	RequestID int64  `json:"request_id"`
	MsgID     string `json:"msg_id"`
	SendTime  int64  `json:"send_time"`
	TimerID   string `json:"timer_id,omitempty"`
}

func (a *app) emitPush(r *pushsdk.PushResult) error {
	return a.emit(pushJSON{r.RequestID, r.MsgID, unixOrZero(r.SendTime), r.TimerID}, func(w io.Writer) {
		fmt.Fprintln(w, "MSG_ID\tSEND_TIME\tTIMER_ID\tREQUEST_ID")
		timer := r.TimerID
		if timer == "" {
			timer = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\n", r.MsgID, when(r.SendTime), timer, r.RequestID)
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
	cmd.AddCommand(a.pushAllCommand(), a.pushDeviceCommand(), a.pushTagCommand(), a.pushBatchCommand())
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

// batchJSON is one batch of a fan-out, with the service's field names.
type batchJSON struct {
	Devices   int    `json:"device_num"`
	RequestID int64  `json:"request_id,omitempty"`
	MsgID     string `json:"msg_id,omitempty"`
	SendTime  int64  `json:"send_time,omitempty"`
	ErrorCode int    `json:"error_code,omitempty"`
	ErrorMsg  string `json:"error_msg,omitempty"`
}

func (a *app) pushBatchCommand() *cobra.Command {
	var (
		p          pushFlags
		idsFile    string
		failedFile string
	)
	cmd := &cobra.Command{
		Use:   "batch [CHANNEL_ID…|-]",
		Short: "Push to a list of devices of any length (push/batch_device, 10 000 ids a call)",
		Long: `Push to any number of devices: ids from arguments, from stdin (-) or from
--ids-file, one per line. Duplicates are dropped; the ids go out in calls of
10 000, four at a time, each retried when that is safe. The ids of failed
calls can be written to --failed-file, to push to exactly them again.`,
		Example: "  bpush push batch 3973380163216521844 3973380163216521843 --msg hi --topic news\n" +
			"  cut -f1 devices.tsv | bpush push batch - --title Sale --description \"50% off\" --failed-file retry.txt",
		RunE: func(cmd *cobra.Command, args []string) error {
			msg, opts, err := p.message(a)
			if err != nil {
				return err
			}
			ids, err := a.readIDs(args, idsFile)
			if err != nil {
				return err
			}
			c, err := a.channel(a.progress("pushing")...)
			if err != nil {
				return err
			}
			ctx, cancel := a.ctx(cmd)
			defer cancel()
			res, err := c.PushToDevices(ctx, ids, msg, opts)
			if err != nil {
				return fail(err)
			}
			failed := res.FailedChannelIDs()
			if failedFile != "" && len(failed) > 0 {
				if err := os.WriteFile(failedFile, []byte(strings.Join(failed, "\n")+"\n"), 0o644); err != nil {
					return fail(err)
				}
			}
			out := struct {
				Batches          []batchJSON `json:"batches"`
				FailedChannelIDs []string    `json:"failed_channel_ids"`
			}{FailedChannelIDs: failed}
			if out.FailedChannelIDs == nil {
				out.FailedChannelIDs = []string{}
			}
			for _, b := range res.Batches {
				bj := batchJSON{Devices: len(b.ChannelIDs)}
				if b.Result != nil {
					bj.RequestID, bj.MsgID, bj.SendTime = b.Result.RequestID, b.Result.MsgID, unixOrZero(b.Result.SendTime)
				}
				var ce *pushsdk.ChannelError
				if errors.As(b.Err, &ce) {
					bj.RequestID, bj.ErrorCode, bj.ErrorMsg = ce.RequestID, ce.Code, ce.Msg
				}
				out.Batches = append(out.Batches, bj)
			}
			if err := a.emit(out, func(w io.Writer) {
				fmt.Fprintln(w, "BATCH\tDEVICES\tMSG_ID\tREQUEST_ID\tRESULT")
				for i, b := range out.Batches {
					result := "ok"
					if b.ErrorCode != 0 {
						result = fmt.Sprintf("error %d: %s", b.ErrorCode, b.ErrorMsg)
					}
					fmt.Fprintf(w, "%d\t%d\t%s\t%d\t%s\n", i+1, b.Devices, dash(b.MsgID), b.RequestID, result)
				}
				fmt.Fprintf(w, "%d devices in %d batches, %d failed\n", len(res.SucceededChannelIDs())+len(failed), len(res.Batches), len(failed))
			}); err != nil {
				return fail(err)
			}
			if len(failed) > 0 {
				return failf("%d of the devices' calls failed: %v", len(failed), res.Err())
			}
			return nil
		},
	}
	p.register(cmd.Flags(), false, true)
	cmd.Flags().StringVar(&idsFile, "ids-file", "", "read channel ids from this file, one per line")
	cmd.Flags().StringVar(&failedFile, "failed-file", "", "write the ids of failed calls to this file")
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
