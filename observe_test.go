package pushsdk_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is an Observer that writes down every event, with the value its
// Start hooks put in the ctx.
type recorder struct {
	mu     sync.Mutex
	events []string
	infos  []any
}

type ctxKey string

func (r *recorder) add(ctx context.Context, ev string, info any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := ctx.Value(ctxKey("scope")).(string); ok {
		ev += "@" + v
	}
	r.events = append(r.events, ev)
	r.infos = append(r.infos, info)
}

func (r *recorder) observer(name string) *pushsdk.Observer {
	with := func(ctx context.Context, scope string) context.Context {
		return context.WithValue(ctx, ctxKey("scope"), scope)
	}
	return &pushsdk.Observer{
		CallStart: func(ctx context.Context, s pushsdk.CallStart) context.Context {
			r.add(ctx, name+":call-start "+s.Endpoint, s)
			return with(ctx, "call")
		},
		CallEnd: func(ctx context.Context, e pushsdk.CallEnd) {
			r.add(ctx, fmt.Sprintf("%s:call-end %s %s attempts=%d", name, e.Endpoint, e.Outcome(), e.Attempts), e)
		},
		RateLimitWait: func(ctx context.Context, w pushsdk.RateLimitWait) {
			r.add(ctx, fmt.Sprintf("%s:limit %d", name, w.Attempt), w)
		},
		AttemptStart: func(ctx context.Context, a pushsdk.AttemptStart) context.Context {
			r.add(ctx, fmt.Sprintf("%s:attempt-start %d", name, a.Attempt), a)
			return with(ctx, "attempt")
		},
		AttemptEnd: func(ctx context.Context, a pushsdk.AttemptEnd) {
			r.add(ctx, fmt.Sprintf("%s:attempt-end %d status=%d code=%d maybe=%v", name, a.Attempt, a.StatusCode, a.Code, a.MaybeProcessed), a)
		},
		RetryScheduled: func(ctx context.Context, rs pushsdk.RetryScheduled) {
			r.add(ctx, fmt.Sprintf("%s:retry after %d", name, rs.Attempt), rs)
		},
		FanoutStart: func(ctx context.Context, f pushsdk.FanoutStart) context.Context {
			r.add(ctx, fmt.Sprintf("%s:fanout-start %s ids=%d batches=%d", name, f.Method, f.IDs, f.Batches), f)
			return with(ctx, "fanout")
		},
		BatchEnd: func(ctx context.Context, b pushsdk.BatchEnd) {
			r.add(ctx, fmt.Sprintf("%s:batch-end %d %s ids=%d", name, b.Batch, b.Outcome, b.IDs), b)
		},
		FanoutEnd: func(ctx context.Context, f pushsdk.FanoutEnd) {
			r.add(ctx, fmt.Sprintf("%s:fanout-end ok=%d failed=%d uncertain=%d", name, f.Succeeded, f.Failed, f.Uncertain), f)
		},
	}
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

// TestObserverSeesTheCall: a call that is retried once, through a rate
// limiter, shows every hook in order, with the ctx each Start hook made.
func TestObserverSeesTheCall(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	t.Cleanup(srv.Close)
	var rec recorder
	c, err := srv.NewChannel(pushsdk.WithObserver(rec.observer("o")), pushsdk.WithRateLimit(1000, 10),
		pushsdk.WithRetry(pushsdk.RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond}))
	require.NoError(t, err)
	srv.FailNext("push/all", 1, pushtest.Fault{Code: pushsdk.CodeTooFrequent})
	res, err := c.PushMsgToAll(context.Background(), "hello", nil)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"o:call-start push/all",
		"o:limit 1@call",
		"o:attempt-start 1@call",
		"o:attempt-end 1 status=402 code=30699 maybe=false@attempt",
		"o:retry after 1@call",
		"o:limit 2@call",
		"o:attempt-start 2@call",
		"o:attempt-end 2 status=200 code=0 maybe=false@attempt",
		"o:call-end push/all ok attempts=2@call",
	}, rec.list())
	end := rec.infos[len(rec.infos)-1].(pushsdk.CallEnd)
	assert.Equal(t, res.MsgID, end.MsgID)
	assert.Equal(t, res.RequestID, end.RequestID)
	start := rec.infos[0].(pushsdk.CallStart)
	assert.Equal(t, pushsdk.CallStart{Endpoint: "push/all", MsgBytes: 5}, start)
	for _, i := range []int{1, 5} {
		w := rec.infos[i].(pushsdk.RateLimitWait)
		assert.Equal(t, "push/all", w.Endpoint)
		// Measured from when the wait began: not from the year 1.
		assert.True(t, w.Wait >= 0 && w.Wait < time.Hour, "wait %v", w.Wait)
	}
	a := rec.infos[2].(pushsdk.AttemptStart)
	assert.Equal(t, srv.URL+"/rest/3.0/push/all", a.URL)
	assert.Equal(t, "POST", a.Method)

	// Refused arguments: a call with no attempt.
	rec.events, rec.infos = nil, nil
	_, err = c.PushMsgToSingleDevice(context.Background(), "x", "m", nil)
	require.Error(t, err)
	assert.Equal(t, []string{"o:call-start push/single_device", "o:call-end push/single_device failed attempts=0@call"}, rec.list())
}

// TestObserversCompose: several observers see every event in the order
// given; the ctx one's Start hook returns reaches the next one, and every
// End hook. WithLogger is one of them.
func TestObserversCompose(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	t.Cleanup(srv.Close)
	var rec recorder
	var logs bytes.Buffer
	logger := slog.New(ctxHandler{slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})})
	c, err := srv.NewChannel(pushsdk.WithObserver(rec.observer("a")), pushsdk.WithObserver(rec.observer("b")), pushsdk.WithLogger(logger))
	require.NoError(t, err)
	_, err = c.QueryDeviceNumInTag(context.Background(), "default")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"a:call-start tag/device_num", "b:call-start tag/device_num@call",
		"a:attempt-start 1@call", "b:attempt-start 1@attempt",
		"a:attempt-end 1 status=200 code=0 maybe=false@attempt", "b:attempt-end 1 status=200 code=0 maybe=false@attempt",
		"a:call-end tag/device_num ok attempts=1@call", "b:call-end tag/device_num ok attempts=1@call",
	}, rec.list())
	// The logger's line is logged with the attempt's ctx: a trace-aware
	// handler sees the span the observers started.
	assert.Contains(t, logs.String(), "level=DEBUG msg=\"pushsdk request\" endpoint=tag/device_num attempt=1 status=200 code=0")
	assert.Contains(t, logs.String(), "scope=attempt")
}

// ctxHandler adds the ctx's scope value to each record, as a trace-aware
// handler adds trace and span ids.
type ctxHandler struct{ slog.Handler }

func (h ctxHandler) Handle(ctx context.Context, r slog.Record) error {
	if v, ok := ctx.Value(ctxKey("scope")).(string); ok {
		r.AddAttrs(slog.String("scope", v))
	}
	return h.Handler.Handle(ctx, r)
}

// TestObserverSeesTheFanout: a fan-out's start, each batch's outcome and
// its end with the counts; its calls run under its ctx.
func TestObserverSeesTheFanout(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	t.Cleanup(srv.Close)
	var rec recorder
	c, err := srv.NewChannel(pushsdk.WithObserver(rec.observer("o")), pushsdk.WithRetry(pushsdk.RetryPolicy{}))
	require.NoError(t, err)
	ids := make([]string, 25)
	for i := range ids {
		ids[i] = strconv.Itoa(5000 + i)
	}
	srv.FailNext("tag/add_devices", 1, pushtest.Fault{Code: pushsdk.CodeInvalidParams})
	_, err = c.CreateTag(context.Background(), "vip")
	require.NoError(t, err)
	rec.events, rec.infos = nil, nil
	_, err = c.TagDevices(context.Background(), "vip", ids, pushsdk.FanoutConcurrency(1))
	require.Error(t, err)
	ev := rec.list()
	assert.Equal(t, "o:fanout-start TagDevices ids=25 batches=3", ev[0])
	assert.Equal(t, "o:call-start tag/add_devices@fanout", ev[1])
	assert.Contains(t, ev, "o:batch-end 0 failed ids=10@fanout")
	assert.Contains(t, ev, "o:batch-end 1 ok ids=10@fanout")
	assert.Contains(t, ev, "o:batch-end 2 ok ids=5@fanout")
	assert.Equal(t, "o:fanout-end ok=15 failed=10 uncertain=0@fanout", ev[len(ev)-1])
}

// TestObserverNeverSeesSecrets: nothing an observer is given holds the
// secret key, a signature or the message text.
func TestObserverNeverSeesSecrets(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	t.Cleanup(srv.Close)
	var rec recorder
	c, err := srv.NewChannel(pushsdk.WithObserver(rec.observer("o")))
	require.NoError(t, err)
	const msg = "a message only its device may read"
	_, err = c.PushToDevices(context.Background(), []string{"1", "2"}, msg, nil)
	require.NoError(t, err)
	require.NoError(t, c.SetCredentials(srv.APIKey, "WrongSecretKey0000000000000000000"))
	_, err = c.PushMsgToAll(context.Background(), msg, nil)
	require.Error(t, err)
	text := fmt.Sprintf("%+v %v", rec.infos, rec.events)
	for _, r := range rec.infos {
		if e, ok := r.(pushsdk.AttemptEnd); ok && e.Err != nil {
			text += e.Err.Error()
		}
	}
	secrets := []string{srv.SecretKey, "WrongSecretKey0000000000000000000", msg}
	for _, q := range srv.Requests() {
		secrets = append(secrets, q.Params.Get("sign"))
	}
	for _, s := range secrets {
		if s != "" {
			assert.NotContains(t, text, s)
		}
	}
	assert.True(t, strings.Contains(text, "MsgBytes:34"), "the message's size is there")
}

func TestWithObserverRefusesNil(t *testing.T) {
	_, err := pushsdk.NewChannel("k", "s", pushsdk.WithObserver(nil))
	assert.ErrorContains(t, err, "WithObserver: nil observer")
}

func TestOutcomeAndErrorType(t *testing.T) {
	assert.Equal(t, "ok", pushsdk.Outcome(nil))
	assert.Equal(t, "failed", pushsdk.Outcome(&pushsdk.ChannelError{Code: 30611}))
	assert.Equal(t, "uncertain", pushsdk.Outcome(&pushsdk.ChannelError{Code: 30600}))
	assert.Equal(t, "uncertain", pushsdk.Outcome(fmt.Errorf("not a ChannelError")))
	for code, want := range map[int]string{1: "sdk_init", 2: "transport", 3: "invalid_params", 4: "bad_result", 5: "bad_error", 30611: "30611"} {
		assert.Equal(t, want, pushsdk.ErrorType(&pushsdk.ChannelError{Code: code}))
	}
	assert.Empty(t, pushsdk.ErrorType(nil))
	assert.Equal(t, "*errors.errorString", pushsdk.ErrorType(fmt.Errorf("x")))
}

// TestObserverSeesPushToDevices: a PushToDevices fan-out shows its start,
// each batch call with its number of ids, each batch's outcome and the
// counts at its end.
func TestObserverSeesPushToDevices(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	t.Cleanup(srv.Close)
	var rec recorder
	c, err := srv.NewChannel(pushsdk.WithObserver(rec.observer("o")), pushsdk.WithRetry(pushsdk.RetryPolicy{}))
	require.NoError(t, err)
	ids := make([]string, 25000)
	for i := range ids {
		ids[i] = strconv.Itoa(7_000_000 + i)
	}
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Code: pushsdk.CodeInvalidParams})
	_, err = c.PushToDevices(context.Background(), ids, "hi", nil, pushsdk.FanoutConcurrency(1))
	require.Error(t, err)
	ev := rec.list()
	assert.Equal(t, "o:fanout-start PushToDevices ids=25000 batches=3", ev[0])
	assert.Contains(t, ev, "o:batch-end 0 failed ids=10000@fanout")
	assert.Contains(t, ev, "o:batch-end 2 ok ids=5000@fanout")
	assert.Equal(t, "o:fanout-end ok=15000 failed=10000 uncertain=0@fanout", ev[len(ev)-1])
	var sizes []int
	for _, info := range rec.infos {
		if s, ok := info.(pushsdk.CallStart); ok {
			assert.Equal(t, "push/batch_device", s.Endpoint)
			assert.Equal(t, 2, s.MsgBytes)
			sizes = append(sizes, s.IDs)
		}
	}
	assert.Equal(t, []int{10000, 10000, 5000}, sizes)

	// A call without a list of ids has none.
	rec.events, rec.infos = nil, nil
	_, err = c.PushMsgToAll(context.Background(), "hi", nil)
	require.NoError(t, err)
	assert.Zero(t, rec.infos[0].(pushsdk.CallStart).IDs)
}
