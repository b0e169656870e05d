package pushsdk_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests below pin the rules that mutation testing found unguarded: each
// would let a plausible one-token bug through without them.

// TestMessageSizeIsCountedInBytes: the limits are bytes of UTF-8, not runes.
func TestMessageSizeIsCountedInBytes(t *testing.T) {
	t.Parallel()
	f := newFakeService(t, func(s *seen) reply {
		if strings.HasPrefix(s.Path, "push/") {
			return ok(`{"msg_id":"1","send_time":1}`)
		}
		return ok(replyFor(s.Path))
	})
	c := f.channel()
	cjk := strings.Repeat("推", 1366) // 1366 runes, 4098 bytes
	_, err := c.PushMsgToAll(bg, cjk, nil)
	require.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err), "4098 bytes are over the 4096-byte limit")
	assert.Contains(t, err.Error(), "is 4098 bytes")
	_, err = c.PushMsgToAll(bg, cjk[:4095]+"x", nil) // 1365 runes, 4096 bytes
	require.NoError(t, err, "4096 bytes are at the limit")

	ios := f.channel(pushsdk.WithDeviceType(pushsdk.DeviceIOS))
	body := `{"aps":{"alert":"` + strings.Repeat("é", 118) + `"}}` // 138 runes, 256 bytes
	_, err = ios.PushMsgToAll(bg, body, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
	require.NoError(t, err, "256 bytes are at the iOS limit")
	body = `{"aps":{"alert":"` + strings.Repeat("é", 119) + `"}}` // 139 runes, 258 bytes
	_, err = ios.PushMsgToAll(bg, body, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
	require.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err))
	assert.Contains(t, err.Error(), "is 258 bytes")

	_, err = c.CreateTag(bg, strings.Repeat("标", 43)) // 43 runes, 129 bytes
	require.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err), "a tag is at most 128 bytes")
	_, err = c.CreateTag(bg, strings.Repeat("标", 42)+"ab") // 128 bytes
	require.NoError(t, err)
}

// TestSendTimeWindowIsExact checks the send_time window on a frozen clock:
// more than 60 s ahead, at most one year ahead.
func TestSendTimeWindowIsExact(t *testing.T) {
	t.Parallel()
	f := newFakeService(t, func(*seen) reply { return ok(`{"msg_id":"1","send_time":1,"timer_id":"2"}`) })
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	c := f.channel(pushsdk.WithClockForTest(func() time.Time { return now }))
	for _, tc := range []struct {
		ahead time.Duration
		ok    bool
	}{
		{-time.Second, false},
		{0, false},
		{59 * time.Second, false},
		{60 * time.Second, false},
		{60*time.Second + 999*time.Millisecond, false}, // still 60 whole seconds
		{61 * time.Second, true},
		{365 * 24 * time.Hour, true},
		{365*24*time.Hour + time.Second, false},
	} {
		_, err := c.PushMsgToAll(bg, "m", &pushsdk.PushOptions{SendTime: now.Add(tc.ahead)})
		if tc.ok {
			assert.NoError(t, err, "%v ahead", tc.ahead)
		} else {
			assert.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err), "%v ahead", tc.ahead)
		}
	}
}

// TestMaybeProcessedForEveryKindOfFailure: the judgement that decides
// whether a push may be sent again.
func TestMaybeProcessedForEveryKindOfFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		body   string
		maybe  bool
		code   int
	}{
		{"30600 internal error", 500, `{"request_id":1,"error_code":30600,"error_msg":"Internal Server Error"}`, true, 30600},
		{"30602 in a 500", 500, `{"request_id":1,"error_code":30602,"error_msg":"x"}`, false, 30602},
		{"30699 too frequent", 402, `{"request_id":1,"error_code":30699,"error_msg":"x"}`, false, 30699},
		{"30603 auth", 403, `{"request_id":1,"error_code":30603,"error_msg":"x"}`, false, 30603},
		{"41003 timers", 400, `{"request_id":1,"error_code":41003,"error_msg":"x"}`, false, 41003},
		{"HTML 502", 502, `<html>bad gateway</html>`, true, pushsdk.CodeBadError},
		{"2xx not JSON", 200, `OK`, true, pushsdk.CodeBadResult},
		{"2xx without response_params", 200, `{"request_id":1}`, true, pushsdk.CodeBadResult},
	} {
		f := newFakeService(t, func(*seen) reply { return reply{tc.status, tc.body} })
		_, err := f.channel().PushMsgToAll(bg, "m", nil)
		var ce *pushsdk.ChannelError
		require.ErrorAs(t, err, &ce, tc.name)
		assert.Equal(t, tc.code, ce.Code, tc.name)
		assert.Equal(t, tc.maybe, ce.MaybeProcessed(), tc.name)
	}
	assert.True(t, pushsdk.TransportErrorForTest(true).MaybeProcessed(), "code 2 after a byte was sent")
	assert.False(t, pushsdk.TransportErrorForTest(false).MaybeProcessed(), "code 2 before any byte was sent")
	_, err := pushsdk.NewChannel("", "s")
	var ce *pushsdk.ChannelError
	require.ErrorAs(t, err, &ce)
	assert.False(t, ce.MaybeProcessed(), "code 1")
}

// TestBackoffGrowsJittersAndIsCapped pins RetryPolicy's arithmetic.
func TestBackoffGrowsJittersAndIsCapped(t *testing.T) {
	t.Parallel()
	p := pushsdk.RetryPolicy{MaxRetries: 10, BaseDelay: 100 * time.Millisecond, MaxDelay: 700 * time.Millisecond}
	for k, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond,
		4: 700 * time.Millisecond, 5: 700 * time.Millisecond, 60: 700 * time.Millisecond, 1000: 700 * time.Millisecond} {
		assert.Equal(t, want, pushsdk.BackoffForTest(p, k), "backoff before retry %d", k)
		for range 200 {
			d := pushsdk.DelayForTest(p, k)
			require.GreaterOrEqual(t, d, want/2, "jitter keeps at least half")
			require.LessOrEqual(t, d, want, "jitter never adds")
		}
	}
	uncapped := pushsdk.RetryPolicy{BaseDelay: time.Second}
	assert.Equal(t, 8*time.Second, pushsdk.BackoffForTest(uncapped, 4))
	assert.Positive(t, pushsdk.BackoffForTest(uncapped, 200), "no overflow")
	assert.Zero(t, pushsdk.DelayForTest(pushsdk.RetryPolicy{}, 3))
	assert.Equal(t, time.Duration(1), pushsdk.DelayForTest(pushsdk.RetryPolicy{BaseDelay: 1}, 1))
	// The cap also holds when BaseDelay alone exceeds it.
	assert.Equal(t, time.Second, pushsdk.BackoffForTest(pushsdk.RetryPolicy{BaseDelay: time.Minute, MaxDelay: time.Second}, 1))
	// A jittered wait varies.
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[pushsdk.DelayForTest(p, 3)] = true
	}
	assert.Greater(t, len(seen), 5)
}

// TestRangeBoundsMayMeet: a range of send times may start and end at the
// same second; only a start after the end is refused.
func TestRangeBoundsMayMeet(t *testing.T) {
	t.Parallel()
	f := newFakeService(t, func(*seen) reply { return ok(`{"result":[]}`) })
	c := f.channel()
	at := time.Unix(1764000000, 0)
	_, err := c.QueryTimerRecords(bg, "1", &pushsdk.RecordsOptions{RangeStart: at, RangeEnd: at})
	require.NoError(t, err)
	_, err = c.QueryTopicRecords(bg, "t", &pushsdk.RecordsOptions{RangeStart: at.Add(time.Second), RangeEnd: at})
	require.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err))
	assert.Len(t, f.requests(), 1)
}

// TestAdaptiveRateLimit: each 30699 halves the rate, down to a tenth of
// the configured one; each other answer adds a tenth back, up to it.
func TestAdaptiveRateLimit(t *testing.T) {
	t.Parallel()
	l, rate := pushsdk.AdaptiveLimitForTest(1000, 1000)
	observe := func(throttled bool) {
		done, err := l.Wait(bg)
		require.NoError(t, err)
		done(throttled)
	}
	assert.Equal(t, 1000.0, rate())
	observe(true)
	assert.Equal(t, 500.0, rate())
	observe(true)
	assert.Equal(t, 250.0, rate())
	for range 5 {
		observe(true)
	}
	assert.Equal(t, 100.0, rate(), "never below a tenth")
	observe(false)
	assert.Equal(t, 200.0, rate())
	for range 20 {
		observe(false)
	}
	assert.Equal(t, 1000.0, rate(), "never above the configured rate")

	ctx, cancel := context.WithCancel(bg)
	cancel()
	_, err := l.Wait(ctx)
	assert.ErrorIs(t, err, context.Canceled)
}

// TestTagMustBeUTF8: a tag is text; invalid UTF-8 is refused before
// sending, whatever its length.
func TestTagMustBeUTF8(t *testing.T) {
	t.Parallel()
	f := newFakeService(t, func(*seen) reply { return ok(`{"tag":"x","result":0}`) })
	c := f.channel()
	_, err := c.CreateTag(bg, "vip\xff")
	require.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err))
	assert.Contains(t, err.Error(), "tag: must be valid UTF-8")
	_, err = c.PushMsgToTag(bg, "\xc3", "m", nil)
	require.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err))
	assert.Empty(t, f.requests(), "nothing was sent")
}

// TestStatisticsLeftOutAreMinusOne: a figure the service leaves out of a
// day is -1 ("not supported / no data yet"), never a made-up 0.
func TestStatisticsLeftOutAreMinusOne(t *testing.T) {
	t.Parallel()
	f := newFakeService(t, func(s *seen) reply {
		switch s.Path {
		case "report/statistic_device":
			return ok(`{"total_num":1,"result":{"1430064000":{"new_term":0}}}`)
		case "report/statistic_topic":
			return ok(`{"total_num":1,"result":{"1430064000":{}}}`)
		default:
			return ok(`{"total_num":1,"result":[{"range_type":1,"total_num":1,"result":{"1430064000":{"push":3}}}]}`)
		}
	})
	c := f.channel()
	dev, err := c.QueryStatisticDevice(bg)
	require.NoError(t, err)
	require.Len(t, dev.Days, 1)
	d := dev.Days[0]
	assert.Equal(t, []int64{0, -1, -1, -1, -1}, []int64{d.New, d.Deleted, d.Online, d.Cumulative, d.Total}, "0 sent stays 0; the rest is -1")

	topic, err := c.QueryStatisticTopic(bg, "t")
	require.NoError(t, err)
	require.Len(t, topic.Days, 1)
	assert.Equal(t, int64(-1), topic.Days[0].Ack)

	msg, err := c.QueryStatisticMsg(bg, pushsdk.RangeBroadcast)
	require.NoError(t, err)
	require.Len(t, msg.Ranges, 1)
	m := msg.Ranges[0].Days[0]
	assert.Equal(t, []int64{3, -1, -1, -1}, []int64{m.Push, m.Ack, m.Del, m.Click})
}
