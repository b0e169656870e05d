package pushsdk

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// WithRateLimit throttles every HTTP attempt of the Channel (retries
// included) to perSecond on average with bursts of up to burst, shared by
// all goroutines that use the Channel. When the service still answers 30699
// (too frequent), the Channel halves its rate, down to a tenth of perSecond,
// and climbs back by a tenth of perSecond for each success, so a long fan-out
// settles just under the service's limit.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(o *options) error {
		if !(perSecond > 0) || burst < 1 {
			return fmt.Errorf("WithRateLimit: need perSecond > 0 and burst ≥ 1, got %v and %d", perSecond, burst)
		}
		o.rateLimit = &rateLimit{lim: rate.NewLimiter(rate.Limit(perSecond), burst), max: perSecond, cur: perSecond}
		return nil
	}
}

// rateLimit is an AIMD rate limiter; a nil *rateLimit lets everything pass.
type rateLimit struct {
	lim *rate.Limiter
	mu  sync.Mutex
	max float64 // the configured rate
	cur float64 // the rate now
}

func (l *rateLimit) wait(ctx context.Context) error {
	if l == nil {
		return nil
	}
	return l.lim.Wait(ctx)
}

// throttled is called after a 30699: multiplicative decrease.
func (l *rateLimit) throttled() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cur = max(l.cur/2, l.max/10)
	l.lim.SetLimitAt(time.Now(), rate.Limit(l.cur))
}

// succeeded is called after a success: additive increase.
func (l *rateLimit) succeeded() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur < l.max {
		l.cur = min(l.cur+l.max/10, l.max)
		l.lim.SetLimitAt(time.Now(), rate.Limit(l.cur))
	}
}
