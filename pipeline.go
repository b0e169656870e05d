package pushsdk

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// maxBodyBytes caps how much of a response is read.
const maxBodyBytes = 1 << 20

// do runs a request through the pipeline: validation, then attempts with
// fresh signatures until one succeeds, fails for good, or the retry policy
// or ctx ends it.
func do[T any, PT result[T]](ctx context.Context, c *Channel, r *request) (*T, error) {
	if !c.ready() {
		return nil, notReady()
	}
	o := c.obs
	if o == nil || ctx == nil {
		res, _, _, err := run[T, PT](ctx, c, r)
		return res, err
	}
	// Observed: the same, between CallStart and CallEnd.
	start := time.Now()
	ep := endpoints[r.ep].path
	if o.CallStart != nil {
		ctx = o.CallStart(ctx, CallStart{Endpoint: ep, Query: endpoints[r.ep].query, MsgBytes: r.msgBytes, IDs: r.ids})
	}
	res, attempts, rid, err := run[T, PT](ctx, c, r)
	if o.CallEnd != nil {
		end := CallEnd{Endpoint: ep, Attempts: attempts, RequestID: rid, Duration: time.Since(start), Err: err}
		if pr, ok := any(res).(*PushResult); ok && pr != nil {
			end.MsgID = pr.MsgID
		}
		o.CallEnd(ctx, end)
	}
	return res, err
}

// run checks the request and makes its attempts. It returns the result or
// the error, with the attempts made and the last request id.
func run[T any, PT result[T]](ctx context.Context, c *Channel, r *request) (*T, int, int64, error) {
	if ctx == nil {
		r.add("ctx", "must not be nil")
	}
	if err := r.err(); err != nil {
		return nil, 0, 0, err
	}
	ep := &endpoints[r.ep]
	for attempt := 1; ; attempt++ {
		res := PT(new(T))
		rid, ce := c.attempt(ctx, r, attempt, res.decode)
		if ce == nil {
			return (*T)(res), attempt, rid, nil
		}
		if attempt > c.retry.MaxRetries || !retryable(ep, ce) {
			return nil, attempt, ce.RequestID, ce
		}
		if ctx.Err() != nil {
			return nil, attempt, ce.RequestID, ctxEnded(ctx, ce) // it would have been retried
		}
		wait := c.retry.delay(attempt)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return nil, attempt, ce.RequestID, ce // the retry could not finish before ctx expires
		}
		if o := c.obs; o != nil && o.RetryScheduled != nil {
			o.RetryScheduled(ctx, RetryScheduled{Endpoint: ep.path, Attempt: attempt, Backoff: wait, Err: ce})
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, attempt, ce.RequestID, ctxEnded(ctx, ce)
			case <-t.C:
			}
		}
	}
}

// ctxEnded is the error of a call that ctx ended before a retry: code 2,
// matching ctx.Err(), with the last attempt's failure (and request id).
func ctxEnded(ctx context.Context, last *ChannelError) *ChannelError {
	if errors.Is(last, ctx.Err()) {
		return last
	}
	return &ChannelError{Code: CodeSDKRunning, Msg: sdkCodeText[CodeSDKRunning], RequestID: last.RequestID,
		Err: &ctxError{ctx: ctx.Err(), last: last}, sent: last.MaybeProcessed()}
}

// retryable decides which failures are retried. Query endpoints are
// retried on transport failures, HTTP 5xx, 30600 and 30699. Pushes and
// mutations are retried only when the service provably did not process the
// request: no byte of it can have reached the service (the connection, its
// TLS handshake or its proxy tunnel could not be set up), or the service
// answered 30699 (refused for rate). A certificate the SDK does not trust
// is not retried: it will not change.
func retryable(ep *endpoint, ce *ChannelError) bool {
	switch {
	case ce.Code == CodeTooFrequent:
		return true
	case ce.Code == CodeSDKRunning && isCertError(ce.Err):
		return false
	case !ep.query:
		return ce.Code == CodeSDKRunning && !ce.sent
	case ce.Code == CodeSDKRunning, ce.Code == CodeInternalError:
		return true
	case ce.HTTPStatus >= 500:
		return true
	}
	return false
}

// attempt makes one signed HTTP exchange and decodes it into res. The
// exchange as a whole — connecting, sending, waiting for and reading the
// answer — is bounded by the Channel's timeout, whatever client it goes
// through and whatever the answer is.
func (c *Channel) attempt(ctx context.Context, r *request, n int, decode func(params []byte, requestID int64) error) (rid int64, ce *ChannelError) {
	status := 0 // the answer's HTTP status, for the observers
	if c.limit != nil {
		var waited time.Time
		if c.obs != nil {
			waited = time.Now()
		}
		done, err := c.limit.Wait(ctx)
		if o := c.obs; o != nil && o.RateLimitWait != nil {
			o.RateLimitWait(ctx, RateLimitWait{Endpoint: endpoints[r.ep].path, Attempt: n, Wait: time.Since(waited), Err: err})
		}
		if err != nil {
			if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
				err = &ctxError{ctx: cerr, last: err}
			}
			return 0, &ChannelError{Code: CodeSDKRunning, Msg: sdkCodeText[CodeSDKRunning] + ": rate limiter", Err: err}
		}
		if done != nil {
			defer func() { done(ce != nil && ce.Code == CodeTooFrequent) }()
		}
	}
	if o := c.obs; o != nil {
		if o.AttemptStart != nil {
			ctx = o.AttemptStart(ctx, AttemptStart{Endpoint: endpoints[r.ep].path, Attempt: n, Method: http.MethodPost, URL: c.urls[r.ep]})
		}
		if o.AttemptEnd != nil {
			defer c.attemptEnd(ctx, r.ep, n, time.Now(), &status, &rid, &ce)
		}
	}
	creds := c.creds.Load()
	body, signed := c.encode(r, creds, c.now().Unix())

	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// gotConn records whether a connection was handed to the request: before
	// that, not one byte of the request can have reached the service.
	var gotConn atomic.Bool
	if c.traced {
		actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { gotConn.Store(true) }})
	}
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.urls[r.ep], bytes.NewReader(body))
	if err != nil {
		return 0, &ChannelError{Code: CodeSDKInit, Msg: sdkCodeText[CodeSDKInit], Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
	req.Header.Set("User-Agent", c.userAgent)

	resp, err := c.client.Do(req)
	if err != nil {
		ce = c.transportError(ctx, actx, err, 0)
		ce.sent = !(notSent(err) || c.traced && !gotConn.Load())
		return 0, ce
	}
	status = resp.StatusCode
	// A body whose reading outlives the attempt is closed under it.
	stop := context.AfterFunc(actx, func() { resp.Body.Close() })
	defer stop()
	if resp.StatusCode < 200 {
		// 101 Switching Protocols (other 1xx are skipped by net/http): the
		// connection is no longer HTTP; nothing more will come that the SDK
		// could read.
		resp.Body.Close()
		return 0, &ChannelError{Code: CodeBadError, Msg: sdkCodeText[CodeBadError], HTTPStatus: resp.StatusCode,
			Err: fmt.Errorf("unexpected HTTP %d %s", resp.StatusCode, sanitize(http.StatusText(resp.StatusCode)))}
	}
	data, readErr := readBody(resp)
	resp.Body.Close()
	switch {
	case readErr != nil && errors.Is(readErr, errBodyTooLarge):
		ce = badBody(resp.StatusCode, readErr, nil)
	case readErr != nil:
		ce = c.transportError(ctx, actx, readErr, resp.StatusCode)
		ce.sent = true
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		// Redirects are never followed: a signed request goes to the
		// service it was signed for, or nowhere.
		ce = badBody(resp.StatusCode, redirectError(resp), data)
	default:
		rid, ce = decodeEnvelope(resp.StatusCode, data, r.ep, decode)
		if ce != nil && ce.Code == CodeAuthFailed {
			e := explain(http.MethodPost, c.urls[r.ep], signed, creds.secretKey)
			ce.Err = e
			ce.Msg += "; pushsdk signs correctly, so check that the secret key (" + e.SecretMask[1:len(e.SecretMask)-1] +
				") is the one of API key " + maskKey(creds.apiKey) + ": another app's key or a typo is the usual cause"
		}
	}
	return rid, ce
}

// attemptEnd reports an attempt's outcome to the observers.
func (c *Channel) attemptEnd(ctx context.Context, ep endpointID, n int, start time.Time, status *int, rid *int64, ce **ChannelError) {
	e := AttemptEnd{Endpoint: endpoints[ep].path, Attempt: n, StatusCode: *status, RequestID: *rid, Duration: time.Since(start)}
	if err := *ce; err != nil {
		e.Code, e.Err, e.MaybeProcessed = err.Code, err, err.MaybeProcessed()
		if e.RequestID == 0 {
			e.RequestID = err.RequestID
		}
	}
	c.obs.AttemptEnd(ctx, e)
}

// redirectError describes a 3xx answer that was not followed.
func redirectError(resp *http.Response) error {
	if loc := resp.Header.Get("Location"); loc != "" {
		return fmt.Errorf("redirect to %s not followed", sanitize(loc))
	}
	return errors.New("redirect not followed")
}

// encode builds the form body of one attempt: the endpoint's parameters
// plus the common ones, sorted by key and signed with the current key pair.
// It returns the sorted parameters too, for a 30603's explanation.
func (c *Channel) encode(r *request, creds *credentials, ts int64) ([]byte, []param) {
	ps := make([]param, 0, len(r.params)+5)
	ps = append(ps, r.params...)
	ps = append(ps, param{"apikey", creds.apiKey}, param{"timestamp", strconv.FormatInt(ts, 10)})
	if c.sigTTL > 0 {
		ps = append(ps, param{"expires", strconv.FormatInt(ts+c.sigTTL, 10)})
	}
	if dt := c.deviceTypeFor(r.deviceType); dt != 0 {
		ps = append(ps, param{"device_type", strconv.Itoa(int(dt))})
	}
	slices.SortStableFunc(ps, byKey)
	sign := signature(http.MethodPost, c.urls[r.ep], ps, creds.secretKey)
	// PHP's urlencode is also a valid form encoding.
	var body []byte
	for _, p := range ps {
		body = appendPHPEncode(body, p.key)
		body = append(body, '=')
		body = appendPHPEncode(body, p.val)
		body = append(body, '&')
	}
	return append(append(body, "sign="...), sign...), ps
}

var errBodyTooLarge = errors.New("response body exceeds 1 MiB")

// readBody reads an answer through the 1 MiB cap.
func readBody(resp *http.Response) ([]byte, error) {
	if resp.ContentLength > maxBodyBytes {
		return nil, errBodyTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err == nil && len(data) > maxBodyBytes {
		err = errBodyTooLarge
	}
	return data, err
}

// decodeEnvelope turns a complete HTTP answer into nil (decode has filled
// the result in), the service's error, or a code 4/5 error for a body that
// is not a valid envelope.
func decodeEnvelope(status int, body []byte, ep endpointID, decode func([]byte, int64) error) (int64, *ChannelError) {
	var env envelope
	err := json.Unmarshal(body, &env)
	if kind := jsonKind(body); err != nil && kind != "object" && kind != "" {
		err = errors.New("expected a JSON object, got " + kind)
	}
	rid, code := env.RequestID.v, env.ErrorCode.v
	var params []byte
	if len(env.Params) > 0 && string(env.Params) != "null" {
		params = env.Params
	}
	switch {
	case err != nil:
		return 0, badBody(status, notEnvelope(status, body, err), body)
	case code != 0 && !isServiceCode(code):
		// A code the service does not use (such as 3) must not pass for one
		// of the SDK's own codes 1–5, which say what the SDK knows.
		ce := badBody(status, fmt.Errorf("error_code %d is not a code of the service", code), body)
		ce.RequestID = rid
		return 0, ce
	case code != 0:
		text := ""
		if env.ErrorMsg != nil {
			text = sanitize(*env.ErrorMsg)
		}
		if text == "" {
			text = "service error " + strconv.FormatInt(code, 10)
		}
		return 0, &ChannelError{Code: int(code), Msg: text, RequestID: rid, HTTPStatus: status}
	case status < 200 || status >= 300:
		return 0, badBody(status, errors.New("no error_code in the body"), body)
	case !env.RequestID.set:
		return 0, badBody(status, errors.New("no request_id in the body"), body)
	case params == nil && ep != epTimerCancel:
		return 0, &ChannelError{Code: CodeBadResult, Msg: sdkCodeText[CodeBadResult], RequestID: rid, HTTPStatus: status,
			Err: errors.New("response_params is missing")}
	}
	if err := decode(params, rid); err != nil {
		return 0, &ChannelError{Code: CodeBadResult, Msg: sdkCodeText[CodeBadResult], RequestID: rid, HTTPStatus: status,
			Err: fmt.Errorf("response_params: %w", err)}
	}
	return rid, nil
}

// notEnvelope explains an answer that is not the service's JSON at all:
// what came, and what most likely sent it.
func notEnvelope(status int, body []byte, err error) error {
	what := "malformed JSON (" + err.Error() + ")"
	switch t := bytes.TrimSpace(body); {
	case len(t) == 0:
		what = "an empty body"
	case t[0] == '<':
		what = "an HTML page"
	case jsonKind(t) == "":
		what = "plain text"
	case jsonKind(t) != "object":
		what = "a JSON value that is not an object (" + jsonKind(t) + ")"
	}
	head := "HTTP " + strconv.Itoa(status)
	if text := http.StatusText(status); text != "" {
		head += " " + text
	}
	if status >= 200 && status < 300 {
		return fmt.Errorf("%s with %s instead of the service's JSON: something other than the push service answered "+
			"(a proxy, a captive portal, or a host that is not the service: check WithHost); the call may have been processed", head, what)
	}
	return fmt.Errorf("%s with %s instead of the service's JSON: a proxy or gateway between the SDK and the service "+
		"answered for it (try again later); the call may have been processed", head, what)
}

// jsonKind names the kind of JSON value b starts with, or "" when it
// starts with nothing JSON could.
func jsonKind(b []byte) string {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return ""
	}
	switch c := b[0]; {
	case c == '{':
		return "object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == '-' || c >= '0' && c <= '9':
		return "a number"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	}
	return ""
}

// badBody is the code 4 (2xx) or 5 (other) error for a body that is not a
// valid envelope; a printable excerpt of the body goes into the cause.
func badBody(status int, cause error, body []byte) *ChannelError {
	code := CodeBadError
	if status >= 200 && status < 300 {
		code = CodeBadResult
	}
	if ex := excerpt(body); ex != "" {
		cause = &bodyError{cause: cause, excerpt: ex}
	}
	return &ChannelError{Code: code, Msg: sdkCodeText[code], HTTPStatus: status, Err: cause}
}

// bodyError is a decode failure with the start of the offending body.
type bodyError struct {
	cause   error
	excerpt string
}

func (e *bodyError) Error() string { return e.cause.Error() + "; body: " + e.excerpt }
func (e *bodyError) Unwrap() error { return e.cause }

func excerpt(b []byte) string {
	const max = 120
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return ""
	}
	cut := len(b) > max
	if cut {
		b = b[:max]
	}
	s := sanitize(string(b))
	if cut {
		s += "…"
	}
	return strconv.Quote(s)
}

// transportError wraps a failure to get a complete HTTP answer (code 2).
// When ctx is done, the error also matches ctx.Err() with errors.Is; when
// only the attempt's own timeout (actx) struck, it says so.
func (c *Channel) transportError(ctx, actx context.Context, err error, status int) *ChannelError {
	switch {
	case ctx.Err() != nil:
		if cerr := ctx.Err(); !errors.Is(err, cerr) {
			err = &ctxError{ctx: cerr, last: err}
		}
	case actx.Err() != nil:
		err = &attemptTimeout{d: c.timeout, err: err}
	}
	return &ChannelError{Code: CodeSDKRunning, Msg: sdkCodeText[CodeSDKRunning], HTTPStatus: status, Err: err}
}

// attemptTimeout is an attempt cut off by the Channel's timeout.
type attemptTimeout struct {
	d   time.Duration
	err error
}

func (e *attemptTimeout) Error() string {
	return "no complete answer within " + e.d.String() + " (WithTimeout): " + e.err.Error()
}

// Unwrap returns context.DeadlineExceeded beside the transport's error:
// whichever of the two noticed the deadline first (the transport, or the
// closing of the body under a read), the attempt ended because its time was
// up.
func (e *attemptTimeout) Unwrap() []error { return []error{context.DeadlineExceeded, e.err} }
func (e *attemptTimeout) Timeout() bool   { return true }

// notSent reports whether err can only have happened before any byte of
// the request was written: while resolving, dialling, tunnelling through a
// proxy, or verifying the server's certificate. It serves clients whose
// transport does not report connections through net/http/httptrace.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect") {
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	if isCertError(err) {
		return true
	}
	var to interface{ Timeout() bool }
	return errors.As(err, &to) && to.Timeout() && strings.Contains(err.Error(), "TLS handshake timeout")
}

// isCertError reports whether err is a failed verification of the server's
// certificate, which happens during the TLS handshake only.
func isCertError(err error) bool {
	var (
		verr *tls.CertificateVerificationError
		ua   x509.UnknownAuthorityError
		he   x509.HostnameError
		ci   x509.CertificateInvalidError
	)
	return errors.As(err, &verr) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci)
}

// ctxError is a context's end, with the failure that preceded it.
type ctxError struct {
	ctx  error
	last error
}

func (e *ctxError) Error() string {
	if e.last == nil {
		return e.ctx.Error()
	}
	return e.ctx.Error() + " (after: " + e.last.Error() + ")"
}

func (e *ctxError) Unwrap() []error {
	if e.last == nil {
		return []error{e.ctx}
	}
	return []error{e.ctx, e.last}
}
