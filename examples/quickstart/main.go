// Command quickstart tours the pushsdk API: tags, pushes of every kind, a
// timed broadcast, message status, timers, topics and statistics.
//
// By default it runs offline against the built-in emulator:
//
//	go run ./examples/quickstart
//
// With -live it runs the same tour against the real service, with the keys
// from BAIDU_PUSH_API_KEY and BAIDU_PUSH_SECRET_KEY (or -config sdk.conf)
// and the device ids from -devices:
//
//	BAIDU_PUSH_API_KEY=… BAIDU_PUSH_SECRET_KEY=… go run ./examples/quickstart -live -devices 3973380163216521844
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
)

func main() {
	live := flag.Bool("live", false, "run against the real service instead of the emulator")
	config := flag.String("config", "", "sdk.conf to read with -live (the environment overrides it)")
	devices := flag.String("devices", "", "comma-separated channel ids of real devices, with -live")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *live, *config, *devices); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// tour is the state of one run.
type tour struct {
	out     io.Writer
	c       *pushsdk.Channel
	srv     *pushtest.Server // nil when live
	step    int
	failed  int
	devices []string
}

func run(ctx context.Context, out io.Writer, live bool, configPath, devices string) error {
	t := &tour{out: out}
	if live {
		cfg, err := pushsdk.LoadConfig(configPath)
		if err != nil {
			return err
		}
		if cfg.APIKey == "" || cfg.SecretKey == "" {
			return errors.New("-live needs BAIDU_PUSH_API_KEY and BAIDU_PUSH_SECRET_KEY (or -config sdk.conf)")
		}
		if t.c, err = pushsdk.NewChannelFromConfig(cfg); err != nil {
			return err
		}
		if devices != "" {
			t.devices = strings.Split(devices, ",")
		}
		fmt.Fprintf(out, "pushsdk quickstart — live, against %s\n\n", t.c)
	} else {
		t.srv = pushtest.NewServer()
		defer t.srv.Close()
		t.devices = []string{"3973380163216521844", "3973380163216521843", "3973380163216521842"}
		if err := t.srv.Bind(t.devices...); err != nil {
			return err
		}
		var err error
		if t.c, err = t.srv.NewChannel(pushsdk.WithRetry(pushsdk.RetryPolicy{MaxRetries: 2, BaseDelay: 50 * time.Millisecond})); err != nil {
			return err
		}
		fmt.Fprintf(out, "pushsdk quickstart — offline, against the built-in emulator at %s\n", t.srv.URL)
		fmt.Fprintf(out, "app %s (android), %d demo devices bound\n\n", t.srv.APIKey, len(t.devices))
	}
	if len(t.devices) == 0 {
		return errors.New("-live needs -devices with at least one channel id")
	}
	t.run(ctx)
	if t.failed > 0 {
		return fmt.Errorf("%d of %d steps failed", t.failed, t.step)
	}
	fmt.Fprintf(out, "\nall %d steps succeeded\n", t.step)
	return nil
}

// step prints one step: what it did, what came back, and the request id
// of the answer (every result and every *pushsdk.ChannelError has one).
func step[T any](t *tour, what string, res *T, err error, describe func(*T) string) {
	t.step++
	var requestID int64
	result := ""
	if err != nil {
		t.failed++
		var ce *pushsdk.ChannelError
		if errors.As(err, &ce) {
			requestID = ce.RequestID
		}
		result = "FAILED: " + err.Error()
	} else {
		requestID = reflect.ValueOf(res).Elem().FieldByName("RequestID").Int()
		result = describe(res)
	}
	fmt.Fprintf(t.out, "%2d. %-40s %-44s request %d\n", t.step, what, result, requestID)
}

// wait lets time pass: on the emulator it moves the clock.
func (t *tour) wait(d time.Duration) {
	if t.srv != nil {
		t.srv.Advance(d)
		fmt.Fprintf(t.out, "    … %v pass on the emulator's clock\n", d)
	}
}

func (t *tour) run(ctx context.Context) {
	const tag, topic = "quickstart_demo", "quickstart"
	c := t.c
	now := time.Now
	if t.srv != nil {
		now = t.srv.Now // schedule by the emulator's clock
	}

	created, err := c.CreateTag(ctx, tag)
	step(t, fmt.Sprintf("create tag %q", tag), created, err, func(*pushsdk.TagResult) string { return "created" })

	added, err := c.AddDevicesToTag(ctx, tag, t.devices[:min(2, len(t.devices))])
	step(t, "add devices to the tag", added, err, func(r *pushsdk.DeviceResults) string {
		added := 0
		for _, d := range r.Devices {
			if d.OK {
				added++
			}
		}
		return fmt.Sprintf("%d of %d added", added, len(r.Devices))
	})

	single, err := c.PushMsgToSingleDevice(ctx, t.devices[0], "hello, one device", nil)
	step(t, "push to one device", single, err, msgID)

	notif := `{"title":"pushsdk","description":"hello, tag members"}`
	toTag, err := c.PushMsgToTag(ctx, tag, notif, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
	step(t, "push a notification to the tag", toTag, err, msgID)

	batch, err := c.PushBatchUniMsg(ctx, t.devices, "hello, batch", &pushsdk.PushOptions{TopicID: topic})
	step(t, fmt.Sprintf("batch push with topic %q", topic), batch, err, msgID)

	all, err := c.PushMsgToAll(ctx, "hello, everyone", &pushsdk.PushOptions{MsgExpires: time.Hour})
	step(t, "broadcast", all, err, msgID)

	timed, err := c.PushMsgToAll(ctx, "hello, later", &pushsdk.PushOptions{SendTime: now().Add(10 * time.Minute)})
	step(t, "timed broadcast in 10 minutes", timed, err, func(r *pushsdk.PushResult) string { return "timer " + r.TimerID })

	t.wait(3 * time.Second)
	var ids []string
	for _, r := range []*pushsdk.PushResult{single, toTag, batch, all} {
		if r != nil {
			ids = append(ids, r.MsgID)
		}
	}
	if len(ids) > 0 {
		st, err := c.QueryMsgStatus(ctx, ids...)
		step(t, "status (state/reached) of the pushes", st, err, func(r *pushsdk.MsgStatusResult) string {
			var parts []string
			for _, m := range r.Messages {
				parts = append(parts, fmt.Sprintf("%s/%d", m.Status, m.Success))
			}
			return strings.Join(parts, " ")
		})
	}

	list, err := c.QueryTimerList(ctx, nil)
	step(t, "list timers", list, err, func(r *pushsdk.TimerList) string { return fmt.Sprintf("%d pending", r.TotalNum) })

	if timed != nil {
		cancelled, err := c.CancelTimer(ctx, timed.TimerID)
		step(t, "cancel the timer", cancelled, err, func(*pushsdk.CancelResult) string { return "cancelled" })
	}

	topics, err := c.QueryTopicList(ctx, nil)
	step(t, fmt.Sprintf("topic %q counts", topic), topics, err, func(r *pushsdk.TopicList) string {
		for _, tp := range r.Topics {
			if tp.TopicID == topic {
				return fmt.Sprintf("pushed to %d, reached %d", tp.PushCount, tp.AckCount)
			}
		}
		return "not listed yet"
	})

	ts, err := c.QueryStatisticTopic(ctx, topic)
	step(t, "topic statistics, today", ts, err, func(r *pushsdk.TopicStatistics) string {
		if len(r.Days) == 0 {
			return "no data"
		}
		last := r.Days[len(r.Days)-1]
		return fmt.Sprintf("%s: %d reached", last.Day.Format(time.DateOnly), last.Ack)
	})

	ds, err := c.QueryStatisticDevice(ctx)
	step(t, "device statistics, today", ds, err, func(r *pushsdk.DeviceStatistics) string {
		if len(r.Days) == 0 {
			return "no data"
		}
		last := r.Days[len(r.Days)-1]
		return fmt.Sprintf("%s: %d new, %d total", last.Day.Format(time.DateOnly), last.New, last.Total)
	})

	deleted, err := c.DeleteTag(ctx, tag)
	step(t, fmt.Sprintf("delete tag %q", tag), deleted, err, func(*pushsdk.TagResult) string { return "deleted" })
}

func msgID(r *pushsdk.PushResult) string { return "msg " + r.MsgID }
