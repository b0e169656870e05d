package pushredis_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushredis"
	"github.com/bdpush/pushsdk/pushredis/redistest"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewLimiterRefusesBadArguments(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	for _, tc := range []struct {
		rdb       redis.UniversalClient
		key       string
		perSecond float64
		burst     int
		want      string
	}{
		{nil, "k", 1, 1, "nil Redis client"},
		{rdb, "", 1, 1, "empty key"},
		{rdb, "k", 0, 1, "perSecond must be in (0, 1e6]"},
		{rdb, "k", -1, 1, "perSecond"},
		{rdb, "k", 1, 0, "burst must be 1…1000000"},
	} {
		_, err := pushredis.NewLimiter(tc.rdb, tc.key, tc.perSecond, tc.burst)
		assert.ErrorContains(t, err, tc.want)
	}
	l, err := pushredis.NewLimiter(rdb, "k", 1e6, 1e6)
	require.NoError(t, err, "the exact limits are allowed")
	assert.Equal(t, 1e6, l.Rate())
}

// TestLimiterSharedByProcesses: limiters of one key share one rate: three
// of them (as three processes would), each waiting as fast as it can, start
// at most perSecond calls a second between them, and each gets its share.
func TestLimiterSharedByProcesses(t *testing.T) {
	srv := redistest.Start(t)
	const rate, burst = 40, 1
	var limiters []*pushredis.Limiter
	for range 3 {
		l, err := pushredis.NewLimiter(client(t, srv), "pushsdk:limit:app", rate, burst)
		require.NoError(t, err)
		limiters = append(limiters, l)
	}
	ctx := context.Background()
	var mu sync.Mutex
	var starts []time.Time
	per := make([]int, 3)
	deadline := time.Now().Add(1500 * time.Millisecond)
	var wg sync.WaitGroup
	for i, l := range limiters {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				done, err := l.Wait(ctx)
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				starts = append(starts, time.Now())
				per[i]++
				mu.Unlock()
				done(false)
			}
		})
	}
	wg.Wait()
	// GCRA spaces the starts by 1/rate of the Redis server's clock; in any
	// window of one second, at most rate + burst start.
	for i := range starts {
		n := 0
		for _, s := range starts[i:] {
			if s.Sub(starts[i]) < time.Second {
				n++
			}
		}
		require.LessOrEqual(t, n, rate+burst, "calls started within a second of %v", starts[i])
	}
	for i, n := range per {
		assert.Positive(t, n, "limiter %d got a share", i)
	}
}

// TestLimiterSharesThrottling: a 30699 seen through one limiter halves the
// rate for every limiter of the key, and answers that are not 30699 give
// it back.
func TestLimiterSharesThrottling(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	a, err := pushredis.NewLimiter(client(t, srv), "k", 100, 10)
	require.NoError(t, err)
	b, err := pushredis.NewLimiter(client(t, srv), "k", 100, 10)
	require.NoError(t, err)

	done, err := a.Wait(ctx)
	require.NoError(t, err)
	done(true) // a 30699
	assert.Equal(t, 50.0, a.Rate())
	done, err = b.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, 50.0, b.Rate(), "the other process sees the lowered rate")
	done(true)
	for range 10 {
		done, err = a.Wait(ctx)
		require.NoError(t, err)
		done(true)
	}
	assert.Equal(t, 10.0, a.Rate(), "never below a tenth of perSecond")

	// Recovery: each answer that is not 30699 gives back a tenth of
	// perSecond, credited with the next call.
	for range 12 {
		done, err = b.Wait(ctx)
		require.NoError(t, err)
		done(false)
	}
	done, err = a.Wait(ctx)
	require.NoError(t, err)
	done(false)
	assert.Equal(t, 100.0, a.Rate(), "back to perSecond, and never above")
}

// TestLimiterWithoutRedis: when Redis cannot be reached, Wait fails and
// the call is not made — never an unlimited burst.
func TestLimiterWithoutRedis(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1, DialerRetries: 1, DialTimeout: time.Second})
	t.Cleanup(func() { rdb.Close() })
	l, err := pushredis.NewLimiter(rdb, "k", 1000, 1000)
	require.NoError(t, err)
	emu := pushtest.NewServer()
	t.Cleanup(emu.Close)
	c, err := emu.NewChannel(pushsdk.WithRateLimiter(l))
	require.NoError(t, err)
	_, err = c.QueryDeviceNumInTag(context.Background(), "default")
	require.NoError(t, err)

	srv.Stop()
	var calls atomic.Int64
	for range 3 { // each call is retried (nothing was sent), as the RetryPolicy says
		_, err = c.PushMsgToAll(context.Background(), "hi", nil)
		var ce *pushsdk.ChannelError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, pushsdk.CodeSDKRunning, ce.Code)
		assert.Contains(t, err.Error(), "rate limiter k: Redis:")
		assert.False(t, ce.MaybeProcessed(), "nothing was sent")
		calls.Add(1)
	}
	assert.Len(t, emu.RequestsTo("push/all"), 0, "no call passed the limiter")

	require.NoError(t, srv.Restart())
	_, err = c.PushMsgToAll(context.Background(), "hi", nil)
	require.NoError(t, err, "it works again with Redis")
}

// TestLimiterHonoursCtx: a deadline the next turn cannot meet fails at
// once without reserving it; a cancelled wait returns ctx's error.
func TestLimiterHonoursCtx(t *testing.T) {
	srv := redistest.Start(t)
	l, err := pushredis.NewLimiter(client(t, srv), "slow", 0.5, 1) // a call every 2 s
	require.NoError(t, err)
	done, err := l.Wait(context.Background())
	require.NoError(t, err, "the burst")
	done(false)

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err = l.Wait(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "no turn before ctx's deadline")
	assert.NoError(t, ctx.Err(), "it did not wait for the deadline")

	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel2)
	_, err = l.Wait(ctx2)
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
}
