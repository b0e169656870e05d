package pushsdk

import (
	"net/http"
	"time"
)

// Hooks for the external tests' benchmarks of internal stages.

// ResultForTest is what every result type implements.
type ResultForTest = resultDecoder

// DecodeForTest decodes a 200 answer into a result, as the pipeline does.
func DecodeForTest[T any, PT resultPtr[T]](body []byte) (*T, error) {
	res := PT(new(T))
	ep := epPushAll // any endpoint whose answer must have response_params
	if _, ok := any(res).(*CancelResult); ok {
		ep = epTimerCancel
	}
	if _, ce := decodeEnvelope(200, body, ep, res); ce != nil {
		return nil, ce
	}
	return (*T)(res), nil
}

// EncodeForTest builds and signs the form body of a single-device push.
func EncodeForTest(c *Channel, channelID, msg string) []byte {
	r := newRequest(epPushSingleDevice)
	r.channelID("channel_id", channelID)
	r.set("channel_id", channelID)
	r.push(c, msg, nil)
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
