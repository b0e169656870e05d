package pushsdk

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimiter paces the HTTP attempts of a Channel (retries included), and
// learns from the service's answers. The service limits each app's calls;
// services that run many instances of one app plug a shared limiter in
// (one backed by Redis, say) with [WithRateLimiter], so that together they
// stay within the app's one quota. [WithRateLimit] installs the SDK's own,
// for a single process.
type RateLimiter interface {
	// Wait blocks until an attempt may start, or returns an error (ctx's,
	// or its own) when it may not; the attempt is then not made. Otherwise
	// it returns done, which the Channel calls once with the attempt's
	// outcome: throttled is true when the service answered 30699 (Requests
	// Are Too Frequent), false for any other outcome.
	Wait(ctx context.Context) (done func(throttled bool), err error)
}

// WithRateLimiter paces every HTTP attempt of the Channel through l, which
// may be shared by several Channels, and by several processes.
func WithRateLimiter(l RateLimiter) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("WithRateLimiter: nil limiter")
		}
		o.rateLimit = l
		return nil
	}
}

// WithRateLimit throttles every HTTP attempt of the Channel (retries
// included) to perSecond on average with bursts of up to burst, shared by
// all goroutines that use the Channel (golang.org/x/time/rate). When the
// service still answers 30699, the Channel halves its rate, down to a tenth
// of perSecond, and climbs back by a tenth of perSecond with each answer
// that is not 30699, so a long fan-out settles just under the service's
// limit. For a limit shared between processes, see [WithRateLimiter].
func WithRateLimit(perSecond float64, burst int) Option {
	return func(o *options) error {
		if !(perSecond > 0) || burst < 1 {
			return fmt.Errorf("WithRateLimit: need perSecond > 0 and burst ≥ 1, got %v and %d", perSecond, burst)
		}
		o.rateLimit = &adaptiveLimit{lim: rate.NewLimiter(rate.Limit(perSecond), burst), max: perSecond, cur: perSecond}
		return nil
	}
}

// adaptiveLimit is an AIMD rate limiter: additive increase, multiplicative
// decrease.
type adaptiveLimit struct {
	lim *rate.Limiter
	mu  sync.Mutex
	max float64 // the configured rate
	cur float64 // the rate now
}

func (l *adaptiveLimit) Wait(ctx context.Context) (func(bool), error) {
	if err := l.lim.Wait(ctx); err != nil {
		if ctx.Err() == nil {
			// rate refuses at once when ctx would expire before a token.
			return nil, fmt.Errorf("%w: %v", context.DeadlineExceeded, err)
		}
		return nil, err
	}
	return l.observe, nil
}

func (l *adaptiveLimit) observe(throttled bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	next := min(l.cur+l.max/10, l.max)
	if throttled {
		next = max(l.cur/2, l.max/10)
	}
	if next != l.cur {
		l.cur = next
		l.lim.SetLimitAt(time.Now(), rate.Limit(l.cur))
	}
}
