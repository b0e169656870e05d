package pushsdk

import (
	"math/rand/v2"
	"time"
)

// RetryPolicy sets how often and how patiently a failed call is retried.
// MaxRetries is the number of retries after the first attempt (0 = never
// retry); the wait before retry k is BaseDelay·2^(k-1), capped at MaxDelay
// (0 = no cap), jittered down to between half and all of it, and never
// outlives ctx: when ctx would expire during the wait, the call returns the
// last error at once.
//
// Which failures are retried is fixed by the SDK, not by the policy:
//   - query endpoints (report/*, app/query_tags, tag/device_num,
//     timer/query_list, topic/query_list) on transport errors, HTTP 5xx,
//     30600 and 30699;
//   - pushes and mutations only when the request cannot have been
//     processed: the connection could not be established (nothing was
//     written), or the service answered 30699. So a retry never delivers a
//     push twice.
//
// Each retry is a new request with a fresh timestamp and signature.
type RetryPolicy struct {
	MaxRetries int
	BaseDelay  time.Duration
	MaxDelay   time.Duration
}

// DefaultRetryPolicy is what a Channel uses without [WithRetry].
var DefaultRetryPolicy = RetryPolicy{MaxRetries: 2, BaseDelay: 200 * time.Millisecond, MaxDelay: 5 * time.Second}

// delay is the jittered wait before retry k (k ≥ 1).
func (p RetryPolicy) delay(k int) time.Duration {
	d := p.backoff(k)
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// backoff is BaseDelay·2^(k-1) capped at MaxDelay, without jitter.
func (p RetryPolicy) backoff(k int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < k && d > 0; i++ {
		if d > (1<<62)/2 {
			break
		}
		d *= 2
		if p.MaxDelay > 0 && d >= p.MaxDelay {
			break
		}
	}
	if p.MaxDelay > 0 && d > p.MaxDelay {
		d = p.MaxDelay
	}
	return d
}
