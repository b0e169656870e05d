package pushsdk_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func makeIDs(n int, base int64) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%019d", base+int64(i))
	}
	return out
}

func TestPushToDevicesSplitsAndDeduplicates(t *testing.T) {
	t.Parallel()
	srv, c := newEmulator(t, pushtest.WithDeliveryDelay(0, 0))
	unique := makeIDs(23456, 3973380163216521000)
	// Every tenth id appears twice, the repeat later.
	ids := append([]string(nil), unique...)
	for i := 0; i < len(unique); i += 10 {
		ids = append(ids, unique[i])
	}
	res, err := c.PushToDevices(context.Background(), ids, "hello", &pushsdk.PushOptions{TopicID: "fanout"})
	require.NoError(t, err)
	require.Len(t, res.Batches, 3)
	assert.Len(t, res.Batches[0].ChannelIDs, 10000)
	assert.Len(t, res.Batches[1].ChannelIDs, 10000)
	assert.Len(t, res.Batches[2].ChannelIDs, 3456)
	succeeded := res.SucceededChannelIDs()
	require.Len(t, succeeded, len(unique), "each id once")
	assert.True(t, slices.Equal(unique, succeeded), "in first-seen order")
	assert.Empty(t, res.FailedChannelIDs())
	for _, b := range res.Batches {
		assert.True(t, b.Attempted)
		require.NotNil(t, b.Result)
	}
	// The emulator saw three calls and delivered to every id exactly once.
	assert.Len(t, srv.RequestsTo("push/batch_device"), 3)
	for _, id := range []string{unique[0], unique[9999], unique[10000], unique[23455]} {
		assert.Equal(t, 1, srv.DeliveryCount(id), id)
	}
	total := 0
	for _, m := range srv.DefaultApp().Messages() {
		total += int(m.Success)
		assert.Equal(t, "fanout", m.TopicID)
	}
	assert.Equal(t, len(unique), total)
}

// TestPushToDevicesReportsFailedBatchesExactly injects failures into some
// batch calls; the failed ids must be exactly those of the failed batches,
// none of them delivered, and every other id delivered once.
func TestPushToDevicesReportsFailedBatchesExactly(t *testing.T) {
	t.Parallel()
	srv, c := newEmulator(t, pushtest.WithDeliveryDelay(0, 0))
	ids := makeIDs(65000, 1000000000000000000)
	srv.FailNext("push/batch_device", 2, pushtest.Fault{Code: pushsdk.CodeInvalidParams})
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Status: 502})
	res, err := c.PushToDevices(context.Background(), ids, "hello", nil, pushsdk.FanoutConcurrency(1))
	require.Error(t, err, "a partial failure is an error")
	require.NotNil(t, res, "with the result")
	require.Len(t, res.Batches, 7)
	var failed, uncertain, good []string
	for _, b := range res.Batches {
		switch b.State {
		case pushsdk.BatchFailed:
			failed = append(failed, b.ChannelIDs...)
			assert.Nil(t, b.Result)
		case pushsdk.BatchUncertain:
			uncertain = append(uncertain, b.ChannelIDs...)
		default:
			good = append(good, b.ChannelIDs...)
		}
	}
	assert.True(t, slices.Equal(failed, res.FailedChannelIDs()), "the failed ids are exactly those of the refused batches")
	assert.Len(t, res.FailedChannelIDs(), 20000, "two batches got 30602: not processed")
	assert.True(t, slices.Equal(uncertain, res.UncertainChannelIDs()))
	assert.Len(t, res.UncertainChannelIDs(), 10000, "the 502 batch may have been processed")
	assert.Len(t, res.SucceededChannelIDs(), 35000)
	assert.Contains(t, err.Error(), "30000 of 65000 ids not done: 20000 failed (safe to send again), 10000 uncertain")
	var ce *pushsdk.ChannelError
	require.ErrorAs(t, err, &ce, "the first failed batch's error")
	assert.Equal(t, pushsdk.CodeInvalidParams, ce.Code)
	for _, id := range []string{failed[0], failed[len(failed)-1], uncertain[0]} {
		assert.Equal(t, 0, srv.DeliveryCount(id))
	}
	for _, id := range []string{good[0], good[len(good)-1]} {
		assert.Equal(t, 1, srv.DeliveryCount(id))
	}

	// Retrying exactly what failed delivers every other id once; the
	// uncertain ones are left alone (here the gateway refused them before
	// the service saw them, which the client cannot know).
	again, err := c.PushToDevices(context.Background(), res.FailedChannelIDs(), "hello", nil)
	require.NoError(t, err)
	assert.Empty(t, again.FailedChannelIDs())
	isUncertain := map[string]bool{}
	for _, id := range uncertain {
		isUncertain[id] = true
	}
	for _, id := range ids {
		want := 1
		if isUncertain[id] {
			want = 0
		}
		require.Equal(t, want, srv.DeliveryCount(id), id)
	}
}

func TestPushToDevicesUncertainAfterProcessing(t *testing.T) {
	t.Parallel()
	srv, c := newEmulator(t, pushtest.WithDeliveryDelay(0, 0))
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Drop: true, AfterProcessing: true})
	ids := makeIDs(3, 5000000000000000000)
	res, err := c.PushToDevices(context.Background(), ids, "m", nil)
	require.Error(t, err)
	assert.Empty(t, res.FailedChannelIDs(), "the retry list never holds an id that may have been delivered")
	assert.Equal(t, ids, res.UncertainChannelIDs(), "the connection broke after the request was sent")
	assert.Equal(t, 1, srv.DeliveryCount(ids[0]), "processed once; the SDK did not retry it")
	assert.Len(t, srv.RequestsTo("push/batch_device"), 1)
}

func TestPushToDevicesStopsOnCancel(t *testing.T) {
	t.Parallel()
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	t.Cleanup(srv.Close)
	// The first batch call is held for 300 ms; ctx is cancelled 50 ms after
	// it went out.
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Delay: 300 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		once.Do(func() { time.AfterFunc(50*time.Millisecond, cancel) })
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, err := srv.NewChannel(pushsdk.WithHTTPClient(hc))
	require.NoError(t, err)
	ids := makeIDs(45000, 2000000000000000000)
	res, err := c.PushToDevices(ctx, ids, "m", nil, pushsdk.FanoutConcurrency(1))
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, res.Batches, 5)
	assert.True(t, res.Batches[0].Attempted)
	assert.ErrorIs(t, res.Batches[0].Err, context.Canceled, "the call under way ends with ctx")
	assert.Equal(t, pushsdk.BatchUncertain, res.Batches[0].State, "it was on the wire when ctx ended")
	for _, b := range res.Batches[1:] {
		assert.False(t, b.Attempted)
		assert.ErrorIs(t, b.Err, context.Canceled)
		assert.Equal(t, pushsdk.BatchFailed, b.State)
	}
	notAttempted := res.NotAttemptedChannelIDs()
	require.Len(t, notAttempted, 35000)
	assert.Equal(t, ids[10000], notAttempted[0])
	assert.Equal(t, ids[44999], notAttempted[34999])
	assert.Equal(t, notAttempted, res.FailedChannelIDs(), "never sent: failed, safe to send again")
	assert.Equal(t, ids[:10000], res.UncertainChannelIDs())
	assert.LessOrEqual(t, len(srv.RequestsTo("push/batch_device")), 1)
	assert.Equal(t, 0, srv.DeliveryCount(ids[20000]))
}

func TestFanoutValidation(t *testing.T) {
	t.Parallel()
	f := newFakeService(t, nil)
	c := f.channel()
	_, err := c.PushToDevices(context.Background(), nil, "m", nil)
	assert.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err))
	ids := makeIDs(20005, 1)
	ids[20001] = "x1"
	_, err = c.PushToDevices(context.Background(), ids, "m", &pushsdk.PushOptions{SendTime: time.Now().Add(time.Hour)})
	var ve *pushsdk.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, []string{"channel_ids[20001]", "SendTime"}, fieldsOf(ve))
	_, err = c.TagDevices(context.Background(), "default", makeIDs(3, 1))
	assert.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err))
	_, err = c.UntagDevices(context.Background(), "t", []string{"a"})
	assert.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err))
	assert.Empty(t, f.requests(), "nothing was sent")
	res, err := c.PushToDevices(context.Background(), makeIDs(3, 1), "m", nil, pushsdk.FanoutConcurrency(0))
	assert.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err))
	assert.Nil(t, res)
	_, err = c.TagDevices(context.Background(), "t", makeIDs(3, 1), nil)
	assert.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err), "a nil option")
	_, err = c.TagDevices(context.Background(), "t", makeIDs(3, 1), pushsdk.FanoutJournal(nil))
	assert.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err))
	assert.Empty(t, f.requests(), "nothing was sent")
}

func TestTagDevicesInInputOrder(t *testing.T) {
	t.Parallel()
	srv, c := newEmulator(t)
	bg := context.Background()
	_, err := c.CreateTag(bg, "big")
	require.NoError(t, err)
	_, err = c.AddDevicesToTag(bg, "big", []string{"7"})
	require.NoError(t, err)
	ids := makeIDs(34, 1)
	ids = append(ids, "7", ids[3]) // 7 is already in; ids[3] repeats
	res, err := c.TagDevices(bg, "big", ids)
	require.NoError(t, err)
	require.Len(t, res.Devices, 35)
	assert.NotZero(t, res.RequestID)
	for i, d := range res.Devices[:34] {
		assert.Equal(t, ids[i], d.ChannelID)
		assert.True(t, d.OK, d.ChannelID)
		assert.NoError(t, d.Err)
	}
	assert.Equal(t, pushsdk.DeviceResult{ChannelID: "7", OK: false}, res.Devices[34])
	members, _ := srv.DefaultApp().TagMembers("big")
	assert.Len(t, members, 35)
	assert.Len(t, srv.RequestsTo("tag/add_devices"), 1+4)

	assert.Equal(t, []string{"7"}, rejectedIDs(res), "result 1: the call succeeded, the id was not added")
	assert.Len(t, res.SucceededChannelIDs(), 35)

	removed, err := c.UntagDevices(bg, "big", append(ids[:20:20], "99"))
	require.NoError(t, err)
	assert.Equal(t, []string{"99"}, rejectedIDs(removed))
	assert.Empty(t, removed.FailedChannelIDs())
	members, _ = srv.DefaultApp().TagMembers("big")
	assert.Len(t, members, 15)

	// A tag that does not exist: every call fails (30611, not processed),
	// every id carries the error, none is OK, and the error says so.
	missing, err := c.TagDevices(bg, "nope", ids[:12])
	require.Error(t, err)
	assert.Equal(t, pushsdk.CodeTagNotFound, pushsdk.ErrorCode(err))
	for _, d := range missing.Devices {
		assert.False(t, d.OK)
		assert.Equal(t, pushsdk.CodeTagNotFound, pushsdk.ErrorCode(d.Err))
	}
	assert.Equal(t, ids[:12], missing.FailedChannelIDs())
	assert.Empty(t, missing.UncertainChannelIDs())
	assert.Empty(t, rejectedIDs(missing))
	assert.Contains(t, err.Error(), "pushsdk: 12 of 12 ids not done: 12 failed (safe to send again), 0 uncertain")

	// A refused call and a lost answer: the error counts each kind.
	srv.FailNext("tag/add_devices", 1, pushtest.Fault{Code: pushsdk.CodeInvalidParams})
	srv.FailNext("tag/add_devices", 1, pushtest.Fault{Status: 502, AfterProcessing: true})
	mixed, err := c.TagDevices(bg, "big", makeIDs(25, 100), pushsdk.FanoutConcurrency(1))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "pushsdk: 20 of 25 ids not done: 10 failed (safe to send again), 10 uncertain (may have been processed)")
	assert.Len(t, mixed.FailedChannelIDs(), 10)
	assert.Len(t, mixed.UncertainChannelIDs(), 10)
}

// TestFanoutUnderRateLimit runs fan-outs against an emulator that answers
// 30699 beyond 40 calls a second, with a Channel that starts at twice that:
// the Channel backs off, and every id ends up sent exactly once.
func TestFanoutUnderRateLimit(t *testing.T) {
	t.Parallel()
	srv := pushtest.NewServer(pushtest.WithRateLimit(40, 4), pushtest.WithDeliveryDelay(0, 0))
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel(pushsdk.WithRateLimit(80, 8), pushsdk.WithRetry(pushsdk.RetryPolicy{MaxRetries: 8, BaseDelay: 20 * time.Millisecond, MaxDelay: 200 * time.Millisecond}))
	require.NoError(t, err)
	bg := context.Background()
	_, err = c.CreateTag(bg, "limited")
	require.NoError(t, err)
	ids := makeIDs(400, 7000000000000000000)
	res, err := c.TagDevices(bg, "limited", ids)
	for round := 1; round <= 3 && len(res.FailedChannelIDs()) > 0; round++ { // the documented loop
		res, err = c.TagDevices(bg, "limited", res.FailedChannelIDs())
	}
	require.NoError(t, err)
	members, _ := srv.DefaultApp().TagMembers("limited")
	assert.Len(t, members, 400, "every id added")

	pushed, err := c.PushToDevices(bg, ids, "m", nil)
	for round := 1; round <= 3 && len(pushed.FailedChannelIDs()) > 0; round++ {
		pushed, err = c.PushToDevices(bg, pushed.FailedChannelIDs(), "m", nil)
	}
	require.NoError(t, err)
	for _, id := range ids {
		require.Equal(t, 1, srv.DeliveryCount(id), id)
	}
	refused := 0
	for _, r := range srv.Requests() {
		if r.Code == pushsdk.CodeTooFrequent {
			refused++
		}
	}
	assert.Positive(t, refused, "the emulator's limit was hit, and waited out")
	t.Logf("%d calls refused with 30699 on the way", refused)
}

func TestRateLimitThrottlesCalls(t *testing.T) {
	t.Parallel()
	f := newFakeService(t, nil)
	c := f.channel(pushsdk.WithRateLimit(50, 1))
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				_, err := c.CancelTimer(context.Background(), "1")
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	// 20 calls at 50/s with a burst of 1 take at least 19/50 s.
	assert.GreaterOrEqual(t, time.Since(start), 380*time.Millisecond)
	assert.Len(t, f.requests(), 20)

	// A ctx deadline shorter than the wait for a token ends the call at once.
	slow := f.channel(pushsdk.WithRateLimit(0.1, 1))
	_, err := slow.CancelTimer(context.Background(), "1")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = slow.CancelTimer(ctx, "1")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// TestJournalReportsProgress: a journal's outcome records make a progress
// report: the ids done only grow, to all of them.
func TestJournalReportsProgress(t *testing.T) {
	t.Parallel()
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel()
	require.NoError(t, err)
	var done []int
	sum := 0
	_, err = c.PushToDevices(context.Background(), makeIDs(25000, 1), "m", nil,
		pushsdk.FanoutJournal(func(_ int, b pushsdk.BatchResult) error {
			if b.State != pushsdk.BatchStarted {
				sum += len(b.ChannelIDs)
				done = append(done, sum)
			}
			return nil
		}))
	require.NoError(t, err)
	require.Len(t, done, 3)
	assert.True(t, slices.IsSorted(done))
	assert.Equal(t, 25000, done[2])
}

// TestFanoutResendsFollowTheRetryPolicy: a batch the service keeps refusing
// for rate (30699) is sent as often as the RetryPolicy allows, then fails —
// it was not processed, so it is on the retry list.
func TestFanoutResendsFollowTheRetryPolicy(t *testing.T) {
	t.Parallel()
	for _, retries := range []int{0, 3} {
		srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
		t.Cleanup(srv.Close)
		srv.FailNext("push/batch_device", 100, pushtest.Fault{Code: pushsdk.CodeTooFrequent})
		c, err := srv.NewChannel(pushsdk.WithRetry(pushsdk.RetryPolicy{MaxRetries: retries, BaseDelay: time.Millisecond}))
		require.NoError(t, err)
		ids := makeIDs(20, 8000000000000000000)
		res, err := c.PushToDevices(context.Background(), ids, "m", nil)
		assert.Equal(t, pushsdk.CodeTooFrequent, pushsdk.ErrorCode(err))
		assert.Equal(t, ids, res.FailedChannelIDs())
		assert.Len(t, srv.RequestsTo("push/batch_device"), 1+retries, "the RetryPolicy's attempts, no more")
	}
}
