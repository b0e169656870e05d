package pushsdk_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var fastRetry = pushsdk.WithRetry(pushsdk.RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond})

// TestRetryMatrix checks which failures are retried, for a query endpoint
// and for a push, by counting the attempts that reached the service.
func TestRetryMatrix(t *testing.T) {
	t.Parallel()
	html502 := reply{502, "<html>Bad Gateway</html>"}
	e30600 := reply{500, `{"request_id":1,"error_code":30600,"error_msg":"Internal Server Error"}`}
	e30699 := reply{402, `{"request_id":1,"error_code":30699,"error_msg":"Requests Are Too Frequent"}`}
	e30602 := reply{400, `{"request_id":1,"error_code":30602,"error_msg":"Request Params Not Valid"}`}
	e30603 := reply{403, `{"request_id":1,"error_code":30603,"error_msg":"Authentication Failed"}`}
	bad200 := reply{200, `{"request_id":1,"response_params":`}
	cases := []struct {
		name        string
		fail        reply
		queryTries  int // attempts for a query that fails every time
		pushTries   int // attempts for a push that fails every time
		finalCodeIs int
	}{
		{"HTML 502", html502, 3, 1, pushsdk.CodeBadError},
		{"30600", e30600, 3, 1, 30600},
		{"30699", e30699, 3, 3, 30699},
		{"30602", e30602, 1, 1, 30602},
		{"30603", e30603, 1, 1, 30603},
		{"bad 200 body", bad200, 1, 1, pushsdk.CodeBadResult},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeService(t, func(*seen) reply { return tc.fail })
			c := f.channel(fastRetry)
			_, err := c.QueryTags(context.Background(), nil)
			assert.Equal(t, tc.finalCodeIs, pushsdk.ErrorCode(err))
			assert.Len(t, f.requests(), tc.queryTries, "query attempts")

			f2 := newFakeService(t, func(*seen) reply { return tc.fail })
			_, err = f2.channel(fastRetry).PushMsgToAll(context.Background(), "m", nil)
			assert.Equal(t, tc.finalCodeIs, pushsdk.ErrorCode(err))
			assert.Len(t, f2.requests(), tc.pushTries, "push attempts")
		})
	}
}

func TestRetrySucceedsAfterTransientFailures(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	f := newFakeService(t, func(*seen) reply {
		switch n.Add(1) {
		case 1:
			return reply{503, "<html>busy</html>"}
		case 2:
			return reply{500, `{"request_id":1,"error_code":30600,"error_msg":"Internal Server Error"}`}
		}
		return ok(`{"device_num":3}`)
	})
	res, err := f.channel(fastRetry).QueryDeviceNumInTag(context.Background(), "t")
	require.NoError(t, err)
	assert.Equal(t, int64(3), res.DeviceNum)
	assert.Len(t, f.requests(), 3)
}

// TestEachRetryIsSignedAfresh: every attempt carries a fresh timestamp and
// a signature that is valid for it.
func TestEachRetryIsSignedAfresh(t *testing.T) {
	t.Parallel()
	f := newFakeService(t, func(*seen) reply {
		return reply{402, `{"request_id":1,"error_code":30699,"error_msg":"Requests Are Too Frequent"}`}
	})
	base := time.Now().Add(-100 * time.Second)
	var tick atomic.Int64
	clock := func() time.Time { return base.Add(time.Duration(tick.Add(1)) * 7 * time.Second) }
	_, err := f.channel(fastRetry, pushsdk.WithClockForTest(clock)).PushMsgToAll(context.Background(), "m", nil)
	require.Error(t, err)
	reqs := f.requests()
	require.Len(t, reqs, 3)
	seenTS, seenSign := map[string]bool{}, map[string]bool{}
	for _, r := range reqs {
		assert.Empty(t, r.Problems)
		seenTS[r.Form.Get("timestamp")] = true
		seenSign[r.Form.Get("sign")] = true
	}
	assert.Len(t, seenTS, 3, "three distinct timestamps")
	assert.Len(t, seenSign, 3, "three distinct signatures")
}

// TestPushRetriedOnlyWhenNothingWasSent: a refused connection is retried for
// a push, a connection that broke after the request was sent is not.
func TestPushRetriedOnlyWhenNothingWasSent(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := l.Addr().String()
	require.NoError(t, l.Close())
	var dials atomic.Int32
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	c, err := pushsdk.NewChannel(testKey, testSecret, pushsdk.WithHost("http://"+dead), fastRetry, pushsdk.WithHTTPClient(&http.Client{Transport: tr}))
	require.NoError(t, err)
	_, err = c.PushMsgToSingleDevice(context.Background(), "1", "m", nil)
	assert.Equal(t, pushsdk.CodeSDKRunning, pushsdk.ErrorCode(err))
	assert.Equal(t, int32(3), dials.Load(), "refused dials are retried for a push")

	// The server reads the request and drops the connection without an answer.
	var hits atomic.Int32
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})}
	l2, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(l2) }()
	t.Cleanup(func() { _ = srv.Close() })
	c2, err := pushsdk.NewChannel(testKey, testSecret, pushsdk.WithHost("http://"+l2.Addr().String()), fastRetry)
	require.NoError(t, err)
	_, err = c2.PushMsgToAll(context.Background(), "m", nil)
	assert.Equal(t, pushsdk.CodeSDKRunning, pushsdk.ErrorCode(err))
	assert.Equal(t, int32(1), hits.Load(), "a push that may have been processed is not retried")

	hits.Store(0)
	_, err = c2.QueryTags(context.Background(), nil)
	assert.Equal(t, pushsdk.CodeSDKRunning, pushsdk.ErrorCode(err))
	assert.Equal(t, int32(3), hits.Load(), "a query is retried")
}

func TestBackoffIsObservedAndBoundedByContext(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var stamps []time.Time
	f := newFakeService(t, func(*seen) reply {
		mu.Lock()
		stamps = append(stamps, time.Now())
		mu.Unlock()
		return reply{402, `{"request_id":1,"error_code":30699,"error_msg":"Requests Are Too Frequent"}`}
	})
	c := f.channel(pushsdk.WithRetry(pushsdk.RetryPolicy{MaxRetries: 2, BaseDelay: 40 * time.Millisecond, MaxDelay: time.Second}))
	_, err := c.PushMsgToAll(context.Background(), "m", nil)
	assert.Equal(t, 30699, pushsdk.ErrorCode(err))
	mu.Lock()
	got := append([]time.Time(nil), stamps...)
	mu.Unlock()
	require.Len(t, got, 3)
	// Jitter keeps at least half of BaseDelay·2^(k-1).
	assert.GreaterOrEqual(t, got[1].Sub(got[0]), 20*time.Millisecond)
	assert.GreaterOrEqual(t, got[2].Sub(got[1]), 40*time.Millisecond)

	// A deadline shorter than the next wait ends the call at once.
	slow := f.channel(pushsdk.WithRetry(pushsdk.RetryPolicy{MaxRetries: 5, BaseDelay: 4 * time.Hour}))
	cctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	_, err = slow.PushMsgToAll(cctx, "m", nil)
	assert.Equal(t, 30699, pushsdk.ErrorCode(err))
	assert.NoError(t, cctx.Err(), "the call returned without waiting for a retry it could not make")

	// Cancelling during the wait ends it, and the error says so.
	slow2 := f.channel(pushsdk.WithRetry(pushsdk.RetryPolicy{MaxRetries: 5, BaseDelay: time.Hour}))
	cctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel2)
	_, err = slow2.PushMsgToAll(cctx2, "m", nil)
	assert.ErrorIs(t, err, context.Canceled)
	var ce *pushsdk.ChannelError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, pushsdk.CodeSDKRunning, ce.Code)
	assert.Equal(t, int64(1), ce.RequestID, "the last answer's request id is kept")
	assert.Contains(t, err.Error(), "Requests Are Too Frequent")
}

func TestNoRetryAndDefaultPolicy(t *testing.T) {
	t.Parallel()
	assert.Equal(t, pushsdk.RetryPolicy{MaxRetries: 2, BaseDelay: 200 * time.Millisecond, MaxDelay: 5 * time.Second}, pushsdk.DefaultRetryPolicy)
	f := newFakeService(t, func(*seen) reply { return reply{500, `{"request_id":1,"error_code":30600,"error_msg":"x"}`} })
	_, err := f.channel(pushsdk.WithRetry(pushsdk.RetryPolicy{})).QueryTags(context.Background(), nil)
	assert.Equal(t, 30600, pushsdk.ErrorCode(err))
	assert.Len(t, f.requests(), 1)

	// Without WithRetry a Channel retries twice.
	var n atomic.Int32
	f2 := newFakeService(t, func(*seen) reply {
		n.Add(1)
		return reply{500, `{"request_id":` + strconv.Itoa(int(n.Load())) + `,"error_code":30600,"error_msg":"x"}`}
	})
	c, err := pushsdk.NewChannel(testKey, testSecret, pushsdk.WithHost(f2.URL+prefix))
	require.NoError(t, err)
	_, err = c.QueryTags(context.Background(), nil)
	var ce *pushsdk.ChannelError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, int64(3), ce.RequestID, "the error is the last attempt's")
	assert.Len(t, f2.requests(), 3)
}

// TestCtxEndedBeforeRetry: when ctx ends after an attempt that would be
// retried, before the retry, the call returns a code-2 error that matches
// ctx.Err() and carries the last answer.
func TestCtxEndedBeforeRetry(t *testing.T) {
	t.Parallel()
	cctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFakeService(t, func(*seen) reply {
		return reply{402, `{"request_id":77,"error_code":30699,"error_msg":"Requests Are Too Frequent"}`}
	})
	// ctx ends after the answer came in full, before the retry.
	end := pushsdk.WithObserver(&pushsdk.Observer{AttemptEnd: func(context.Context, pushsdk.AttemptEnd) { cancel() }})
	c := f.channel(pushsdk.WithRetry(pushsdk.RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond}), end)
	_, err := c.PushMsgToAll(cctx, "m", nil)
	require.ErrorIs(t, err, context.Canceled)
	var ce *pushsdk.ChannelError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, pushsdk.CodeSDKRunning, ce.Code)
	assert.Equal(t, int64(77), ce.RequestID, "the last answer's request id")
	assert.Contains(t, err.Error(), "Requests Are Too Frequent")
	assert.Len(t, f.requests(), 1, "not retried after ctx ended")
	assert.False(t, ce.MaybeProcessed(), "30699 means not processed")
}

// TestAttemptTimeoutMatchesDeadline: an attempt cut by WithTimeout matches
// context.DeadlineExceeded whatever the transport said (a body closed
// under a read, say), and still wraps what it said.
func TestAttemptTimeoutMatchesDeadline(t *testing.T) {
	err := pushsdk.AttemptTimeoutForTest(300*time.Millisecond, io.ErrClosedPipe)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, io.ErrClosedPipe)
	assert.Equal(t, "no complete answer within 300ms (WithTimeout): io: read/write on closed pipe", err.Error())
}

// scriptedLimiter is a RateLimiter whose Wait does what the test says and
// which records the outcomes it is told.
type scriptedLimiter struct {
	wait     func(ctx context.Context) error
	nilDone  bool
	mu       sync.Mutex
	outcomes []bool
}

func (l *scriptedLimiter) Wait(ctx context.Context) (func(bool), error) {
	if l.wait != nil {
		if err := l.wait(ctx); err != nil {
			return nil, err
		}
	}
	if l.nilDone {
		return nil, nil
	}
	return func(throttled bool) {
		l.mu.Lock()
		l.outcomes = append(l.outcomes, throttled)
		l.mu.Unlock()
	}, nil
}

// TestRateLimiterContract: a limiter hears each attempt's outcome (30699
// or not); one that wants no outcome may return a nil func; an error of
// its own after ctx ended is reported as ctx's end, with its text.
func TestRateLimiterContract(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	t.Cleanup(srv.Close)
	lim := &scriptedLimiter{}
	c, err := srv.NewChannel(pushsdk.WithRateLimiter(lim), pushsdk.WithRetry(pushsdk.RetryPolicy{MaxRetries: 1, BaseDelay: time.Millisecond}))
	require.NoError(t, err)
	srv.FailNext("push/all", 1, pushtest.Fault{Code: pushsdk.CodeTooFrequent})
	_, err = c.PushMsgToAll(context.Background(), "m", nil)
	require.NoError(t, err)
	assert.Equal(t, []bool{true, false}, lim.outcomes, "the 30699, then the success")

	lim.nilDone = true
	_, err = c.PushMsgToAll(context.Background(), "m", nil)
	require.NoError(t, err, "a nil done func is allowed")

	lim.wait = func(ctx context.Context) error {
		<-ctx.Done()
		return errors.New("my limiter gave up")
	}
	for _, retry := range []pushsdk.RetryPolicy{{}, {MaxRetries: 1, BaseDelay: time.Millisecond}} {
		c, err := srv.NewChannel(pushsdk.WithRateLimiter(lim), pushsdk.WithRetry(retry))
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		_, err = c.PushMsgToAll(ctx, "m", nil)
		cancel()
		require.Error(t, err)
		assert.Equal(t, pushsdk.CodeSDKRunning, pushsdk.ErrorCode(err), "%+v", retry)
		assert.ErrorIs(t, err, context.DeadlineExceeded, "%+v", retry)
		assert.Contains(t, err.Error(), "my limiter gave up")
	}
	assert.Len(t, srv.RequestsTo("push/all"), 3, "nothing sent without the limiter's turn")
}
