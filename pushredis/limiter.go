package pushredis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/redis/go-redis/v9"
)

// Limiter is a [pushsdk.RateLimiter] shared through Redis by every process
// that uses the same Redis and key: together they start at most perSecond
// calls a second, in bursts of at most burst. It is GCRA (the generic cell
// rate algorithm, as in github.com/go-redis/redis_rate) in one Lua script,
// timed by the Redis server's clock, so each call costs one round trip
// and the processes' clocks do not matter. The starts are spaced on that
// clock; the service sees them through the network's jitter, so a second of
// its own may hold one call more than perSecond — where it counts strictly,
// give a rate a little below its quota.
//
// The rate adapts as [pushsdk.WithRateLimit]'s does, for all processes at
// once: a 30699 (Requests Are Too Frequent) seen by any of them halves the
// shared rate, down to a tenth of perSecond, and every answer that is not
// 30699 gives a tenth of perSecond back (credited with the process's next
// call, so that the common case stays one round trip).
//
// When Redis cannot be reached, Wait returns the error and the attempt is
// not made: the limiter never lets calls through unlimited. Install it with
// [pushsdk.WithRateLimiter]. A Limiter is safe for concurrent use.
type Limiter struct {
	rdb       redis.UniversalClient
	key       string
	perSecond float64
	burst     int

	mu      sync.Mutex
	credit  int     // answers that were not 30699, not yet credited
	lastSee float64 // the shared rate at the last call
}

// NewLimiter returns a Limiter of perSecond calls a second with bursts of at
// most burst, shared by every process that uses the same Redis and key. All
// of them should give the same perSecond and burst; the app's API key makes
// a good key (bpush uses "pushsdk:limit:" + API key), since the service
// limits each app. The key holds a small hash that expires when unused.
func NewLimiter(rdb redis.UniversalClient, key string, perSecond float64, burst int) (*Limiter, error) {
	switch {
	case rdb == nil:
		return nil, errors.New("pushredis: NewLimiter: nil Redis client")
	case key == "":
		return nil, errors.New("pushredis: NewLimiter: empty key")
	case !(perSecond > 0) || math.IsInf(perSecond, 0) || perSecond > 1e6:
		return nil, fmt.Errorf("pushredis: NewLimiter: perSecond must be in (0, 1e6], got %v", perSecond)
	case burst < 1 || burst > 1e6:
		return nil, fmt.Errorf("pushredis: NewLimiter: burst must be 1…1000000, got %d", burst)
	}
	return &Limiter{rdb: rdb, key: key, perSecond: perSecond, burst: burst, lastSee: perSecond}, nil
}

// limitScript reserves the next start of a call (GCRA) and returns how
// long to wait for it, in microseconds, and the shared rate. With mode
// "throttled" it halves the rate instead. ARGV: perSecond, burst, the
// longest wait the caller can afford (µs; -1 for any), answers to credit,
// mode.
var limitScript = redis.NewScript(`
local key = KEYS[1]
local max_rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local credit = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local v = redis.call('HMGET', key, 'tat', 'rate')
local tat = tonumber(v[1]) or now
local rate = tonumber(v[2]) or max_rate
local floor = max_rate / 10
if rate > max_rate then rate = max_rate end
if rate < floor then rate = floor end
if credit > 0 then rate = math.min(rate + credit * max_rate / 10, max_rate) end
local interval = 1000000 / rate
if ARGV[5] == 'throttled' then
  rate = math.max(rate / 2, floor)
  redis.call('HSET', key, 'rate', string.format('%.17g', rate))
  redis.call('PEXPIRE', key, math.max(60000, math.ceil((tat - now) / 1000) + 60000))
  return {0, string.format('%.17g', rate)}
end
if tat < now then tat = now end
local new_tat = tat + interval
local wait = new_tat - burst * interval - now
if wait < 0 then wait = 0 end
if max_wait >= 0 and wait > max_wait then
  redis.call('HSET', key, 'rate', string.format('%.17g', rate))
  return {-1, string.format('%.17g', rate), math.floor(wait)}
end
redis.call('HSET', key, 'tat', string.format('%.17g', new_tat), 'rate', string.format('%.17g', rate))
redis.call('PEXPIRE', key, math.ceil((new_tat - now) / 1000) + 60000)
return {math.floor(wait), string.format('%.17g', rate)}
`)

// Wait blocks until an attempt may start under the shared rate, or returns
// an error: ctx's, one that says ctx would expire before the turn comes
// (nothing is then reserved), or Redis's. done reports the attempt's
// outcome; a throttled one (30699) halves the shared rate at once.
func (l *Limiter) Wait(ctx context.Context) (func(throttled bool), error) {
	maxWait := int64(-1)
	if d, ok := ctx.Deadline(); ok {
		maxWait = max(0, time.Until(d).Microseconds())
	}
	l.mu.Lock()
	credit := l.credit
	l.credit = 0
	l.mu.Unlock()
	res, err := limitScript.Run(ctx, l.rdb, []string{l.key}, l.perSecond, l.burst, maxWait, credit, "wait").Slice()
	if err != nil {
		l.mu.Lock()
		l.credit += credit // not credited: keep it for the next call
		l.mu.Unlock()
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		return nil, fmt.Errorf("pushredis: rate limiter %s: Redis: %w", l.key, err)
	}
	wait, rate, err := parseLimit(res)
	if err != nil {
		return nil, fmt.Errorf("pushredis: rate limiter %s: %w", l.key, err)
	}
	l.mu.Lock()
	l.lastSee = rate
	l.mu.Unlock()
	if wait < 0 {
		return nil, fmt.Errorf("%w: the shared rate limit (%.3g calls/s now) has no turn before ctx's deadline", context.DeadlineExceeded, rate)
	}
	if wait > 0 {
		t := time.NewTimer(time.Duration(wait) * time.Microsecond)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	return l.observe, nil
}

// observe takes an attempt's outcome: a 30699 halves the shared rate now;
// another answer is credited with the next call when the rate is below
// perSecond.
func (l *Limiter) observe(throttled bool) {
	if !throttled {
		l.mu.Lock()
		if l.lastSee < l.perSecond {
			l.credit++
		}
		l.mu.Unlock()
		return
	}
	// Best effort, without the caller's ctx (which may have ended): the
	// next Wait reports a Redis that cannot be reached.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if res, err := limitScript.Run(ctx, l.rdb, []string{l.key}, l.perSecond, l.burst, -1, 0, "throttled").Slice(); err == nil {
		if _, rate, err := parseLimit(res); err == nil {
			l.mu.Lock()
			l.lastSee = rate
			l.mu.Unlock()
		}
	}
}

// Rate returns the shared rate as this process last saw it, in calls per
// second: perSecond, or less after 30699 answers.
func (l *Limiter) Rate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastSee
}

func parseLimit(res []any) (wait int64, rate float64, err error) {
	if len(res) < 2 {
		return 0, 0, fmt.Errorf("unexpected answer %v", res)
	}
	w, ok := res[0].(int64)
	s, ok2 := res[1].(string)
	if !ok || !ok2 {
		return 0, 0, fmt.Errorf("unexpected answer %v", res)
	}
	rate, err = strconv.ParseFloat(s, 64)
	return w, rate, err
}

var _ pushsdk.RateLimiter = (*Limiter)(nil)
