package pushsdk

import (
	"net/http"
	"net/url"
	"time"

	"github.com/bdpush/pushsdk/internal/hooks"
)

// Hooks for the external tests' benchmarks of internal stages.

// ResultForTest is what every result type implements.
type ResultForTest interface {
	decode(params []byte, requestID int64) error
}

// DecodeForTest decodes a 200 answer into a result, as the pipeline does.
func DecodeForTest[T any, PT result[T]](body []byte) (*T, error) {
	res := PT(new(T))
	ep := epPushAll // any endpoint whose answer must have response_params
	if _, ok := any(res).(*CancelResult); ok {
		ep = epTimerCancel
	}
	if _, ce := decodeEnvelope(200, body, ep, res.decode); ce != nil {
		return nil, ce
	}
	return (*T)(res), nil
}

// PHPURLEncodeForTest is the encoding of step 5 of Sign.
func PHPURLEncodeForTest(s string) string { return string(appendPHPEncode(nil, s)) }

// ValidChannelIDForTest reports whether the SDK takes id as a channel id.
func ValidChannelIDForTest(id string) bool { return validChannelID(id) }

// EncodeForTest builds and signs the form body of a single-device push.
func EncodeForTest(c *Channel, channelID, msg string) []byte {
	r := newRequest(epPushSingleDevice)
	r.channelID("channel_id", channelID)
	r.push(c, r.ep, msg, nil)
	r.set("channel_id", channelID)
	r.setPush(msg, nil)
	body, _ := c.encode(r, c.creds.Load(), 1700000000)
	return body
}

// IdleConnTimeoutForTest returns how long the Channel's own transport keeps
// idle connections, and the Channel's attempt timeout.
func IdleConnTimeoutForTest(c *Channel) (idle, attempt time.Duration) {
	t, ok := c.client.Transport.(*http.Transport)
	if !ok {
		return -1, c.timeout
	}
	return t.IdleConnTimeout, c.timeout
}

// DelayForTest is the jittered wait before retry k; BackoffForTest the
// wait before jitter.
func DelayForTest(p RetryPolicy, k int) time.Duration   { return p.delay(k) }
func BackoffForTest(p RetryPolicy, k int) time.Duration { return p.backoff(k) }

// TransportErrorForTest is a code-2 error; sent says whether a byte of the
// request may have reached the service.
func TransportErrorForTest(sent bool) *ChannelError {
	return &ChannelError{Code: CodeSDKRunning, Msg: sdkCodeText[CodeSDKRunning], sent: sent}
}

// WithClockForTest makes a Channel read the time from now (pushtest's
// hook).
func WithClockForTest(now func() time.Time) Option { return hooks.WithClock(now).(Option) }

// BaseURLForTest returns the address a Channel sends to.
func BaseURLForTest(c *Channel) string { return c.baseURL }

// APIKeyForTest returns the API key a Channel signs with.
func APIKeyForTest(c *Channel) string { return c.creds.Load().apiKey }

// CloseIdleConnectionsForTest closes the Channel's idle connections.
func CloseIdleConnectionsForTest(c *Channel) { c.client.CloseIdleConnections() }

// ExplainForTest explains the signature of any request, as Sign computes
// it.
func ExplainForTest(method, rawURL string, params url.Values, secretKey string) *SignatureExplanation {
	return explain(method, rawURL, sortedParams(params), secretKey)
}

// AdaptiveLimitForTest returns the SDK's own rate limiter and a probe of
// its current rate.
func AdaptiveLimitForTest(perSecond float64, burst int) (RateLimiter, func() float64) {
	var o options
	if err := WithRateLimit(perSecond, burst)(&o); err != nil {
		panic(err)
	}
	l := o.rateLimit.(*adaptiveLimit)
	return l, func() float64 { l.mu.Lock(); defer l.mu.Unlock(); return float64(l.lim.Limit()) }
}

// EndpointsForTest maps every endpoint's path to whether it is a query.
func EndpointsForTest() map[string]bool {
	out := map[string]bool{}
	for _, ep := range endpoints {
		out[ep.path] = ep.query
	}
	return out
}

// AttemptTimeoutForTest is the error of an attempt that WithTimeout cut,
// with the transport's own error.
func AttemptTimeoutForTest(d time.Duration, err error) error { return &attemptTimeout{d: d, err: err} }
