package pushsdk

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxBodyBytes caps how much of a response is read.
const maxBodyBytes = 1 << 20

var (
	contentTypeForm = []string{"application/x-www-form-urlencoded;charset=utf-8"}
	bodyPool        = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// do runs a request through the pipeline: validation, then attempts with
// fresh signatures until one succeeds, fails for good, or the retry policy
// or ctx ends it.
func do[T any, PT resultPtr[T]](ctx context.Context, c *Channel, r *request) (*T, error) {
	if ctx == nil {
		r.add("ctx", "must not be nil")
	}
	if len(r.problems) > 0 {
		return nil, paramsError(r.problems)
	}
	ep := &endpoints[r.ep]
	for attempt := 1; ; attempt++ {
		res := PT(new(T))
		ce := c.attempt(ctx, r, attempt, res)
		if ce == nil {
			c.limit.succeeded()
			return (*T)(res), nil
		}
		if ce.Code == CodeTooFrequent {
			c.limit.throttled()
		}
		if attempt > c.retry.MaxRetries || !retryable(ep, ce) || ctx.Err() != nil {
			return nil, ce
		}
		wait := c.retry.delay(attempt)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return nil, ce // the retry could not finish before ctx expires
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, &ChannelError{Code: CodeSDKRunning, Msg: sdkCodeText[CodeSDKRunning], RequestID: ce.RequestID,
					Err: &ctxError{ctx: ctx.Err(), last: ce}, sent: ce.MaybeProcessed()}
			case <-t.C:
			}
		}
	}
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
func (c *Channel) attempt(ctx context.Context, r *request, n int, res resultDecoder) *ChannelError {
	if err := c.limit.wait(ctx); err != nil {
		// The limiter refuses at once when ctx would expire before a token.
		cerr := ctx.Err()
		if cerr == nil {
			cerr = context.DeadlineExceeded
		}
		return &ChannelError{Code: CodeSDKRunning, Msg: sdkCodeText[CodeSDKRunning], Err: &ctxError{ctx: cerr, last: err}}
	}
	start := time.Now()
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
	req, err := http.NewRequestWithContext(actx, http.MethodPost, "", bytes.NewReader(body))
	if err != nil {
		ce := &ChannelError{Code: CodeSDKInit, Msg: sdkCodeText[CodeSDKInit], Err: err}
		c.logAttempt(ctx, r.ep, n, start, ce, 0, 0)
		return ce
	}
	// The endpoint's URL was parsed once, at construction; each request
	// gets its own copy of it.
	u := *c.parsedURLs[r.ep]
	req.URL, req.Host = &u, u.Host
	req.Header["Content-Type"] = contentTypeForm
	req.Header["User-Agent"] = c.uaHeader

	resp, err := c.client.Do(req)
	if err != nil {
		ce := c.transportError(ctx, actx, err, 0)
		ce.sent = !(notSent(err) || c.traced && !gotConn.Load())
		c.logAttempt(ctx, r.ep, n, start, ce, 0, 0)
		return ce
	}
	// A body whose reading outlives the attempt is closed under it.
	stop := context.AfterFunc(actx, func() { resp.Body.Close() })
	defer stop()
	if resp.StatusCode < 200 {
		// 101 Switching Protocols (other 1xx are skipped by net/http): the
		// connection is no longer HTTP; nothing more will come that the SDK
		// could read.
		resp.Body.Close()
		ce := &ChannelError{Code: CodeBadError, Msg: sdkCodeText[CodeBadError], HTTPStatus: resp.StatusCode,
			Err: fmt.Errorf("unexpected HTTP %d %s", resp.StatusCode, sanitize(http.StatusText(resp.StatusCode)))}
		c.logAttempt(ctx, r.ep, n, start, ce, resp.StatusCode, 0)
		return ce
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 64<<10 {
			bodyPool.Put(buf)
		}
	}()
	readErr := readCapped(resp, buf)
	resp.Body.Close()
	var ce *ChannelError
	var rid int64
	switch {
	case readErr != nil && errors.Is(readErr, errBodyTooLarge):
		ce = badBody(resp.StatusCode, readErr, nil)
	case readErr != nil:
		ce = c.transportError(ctx, actx, readErr, resp.StatusCode)
		ce.sent = true
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		// Redirects are never followed: a signed request goes to the
		// service it was signed for, or nowhere.
		ce = badBody(resp.StatusCode, redirectError(resp), buf.Bytes())
	default:
		rid, ce = decodeEnvelope(resp.StatusCode, buf.Bytes(), r.ep, res)
		if ce != nil && ce.Code == CodeAuthFailed {
			ce.Err = explain(http.MethodPost, c.urls[r.ep], signed, creds.secretKey)
		}
	}
	c.logAttempt(ctx, r.ep, n, start, ce, resp.StatusCode, rid)
	return ce
}

// redirectError describes a 3xx answer that was not followed.
func redirectError(resp *http.Response) error {
	if loc := resp.Header.Get("Location"); loc != "" {
		return fmt.Errorf("redirect to %s not followed", sanitize(loc))
	}
	return errors.New("redirect not followed")
}

// resultDecoder is the non-generic view of resultPtr.
type resultDecoder interface {
	decode(params []byte) error
	setRequestID(id int64)
}

// encode builds the form body of one attempt: the endpoint's parameters
// plus the common ones, sorted, signed with the current key pair. Each key
// and value is PHP-urlencoded once: the body takes the encodings joined by
// = and &, the signature (§3) the same encodings joined by %3D, between the
// encoded method and URL and the encoded secret key.
func (c *Channel) encode(r *request, creds *credentials, ts int64) ([]byte, []param) {
	var commonBuf [4]param
	common := commonBuf[:0]
	common = append(common, param{"apikey", creds.apiKey}, param{"timestamp", strconv.FormatInt(ts, 10)})
	if c.sigTTL > 0 {
		common = append(common, param{"expires", strconv.FormatInt(ts+c.sigTTL, 10)})
	}
	if dt := c.deviceTypeFor(r.deviceType); dt != 0 {
		common = append(common, param{"device_type", strconv.Itoa(int(dt))})
	}
	all := make([]param, 0, len(r.params)+len(common))
	all = append(all, r.params...)
	all = append(all, common...)
	sortParams(all)

	n := len("sign=") + 32
	for _, p := range all {
		n += len(p.key) + len(p.val) + 2
	}
	body := make([]byte, 0, n+n/2)
	h := getSignHasher()
	h.write(c.signPrefix[r.ep])
	for _, p := range all {
		start := len(body)
		body = appendPHPEncode(body, p.key)
		h.write(body[start:])
		h.write(encodedEquals)
		body = append(body, '=')
		start = len(body)
		body = appendPHPEncode(body, p.val)
		h.write(body[start:])
		body = append(body, '&')
	}
	h.write(creds.encSecret)
	sum := h.sum()
	body = append(body, "sign="...)
	return hex.AppendEncode(body, sum[:]), all
}

var encodedEquals = []byte("%3D")

// signHasher feeds the signature's MD5 through a fixed buffer, so that
// signing a 10 000-id batch needs no buffer the size of the batch.
type signHasher struct {
	h       hash.Hash
	buf     []byte
	scratch []byte // for enc
	digest  [md5.Size]byte
}

var signHasherPool = sync.Pool{New: func() any { return &signHasher{h: md5.New(), buf: make([]byte, 0, 4096)} }}

func getSignHasher() *signHasher {
	s := signHasherPool.Get().(*signHasher)
	s.h.Reset()
	return s
}

func (s *signHasher) write(p []byte) {
	if len(s.buf)+len(p) > cap(s.buf) {
		s.h.Write(s.buf)
		clear(s.buf)
		s.buf = s.buf[:0]
		if len(p) > cap(s.buf) {
			s.h.Write(p)
			return
		}
	}
	s.buf = append(s.buf, p...)
}

// sum returns the digest and puts the hasher back, its buffer (which held
// the secret key) cleared.
func (s *signHasher) sum() [md5.Size]byte {
	s.h.Write(s.buf)
	clear(s.buf)
	s.buf = s.buf[:0]
	clear(s.scratch)
	if cap(s.scratch) > 4096 {
		s.scratch = nil
	}
	s.h.Sum(s.digest[:0])
	out := s.digest
	s.h.Reset()
	signHasherPool.Put(s)
	return out
}

// enc feeds PHP's urlencode of str.
func (s *signHasher) enc(str string) {
	s.scratch = appendPHPEncode(s.scratch[:0], str)
	s.write(s.scratch)
}

// sortParams sorts by key in byte order; the lists are short.
func sortParams(ps []param) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].key < ps[j-1].key; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

var errBodyTooLarge = errors.New("response body exceeds 1 MiB")

func readCapped(resp *http.Response, buf *bytes.Buffer) error {
	if resp.ContentLength > maxBodyBytes {
		return errBodyTooLarge
	}
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	lr := io.LimitedReader{R: resp.Body, N: maxBodyBytes + 1}
	if _, err := buf.ReadFrom(&lr); err != nil {
		return err
	}
	if buf.Len() > maxBodyBytes {
		return errBodyTooLarge
	}
	return nil
}

type jsonString struct {
	v   string
	set bool
}

func (s *jsonString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	v, err := unquote(b)
	if err != nil {
		return errors.New("error_msg is not a string")
	}
	s.v, s.set = v, true
	return nil
}

// decodeEnvelope turns a complete HTTP answer into nil (res is filled in),
// the service's error, or a code 4/5 error for a body that is not a valid
// envelope.
func decodeEnvelope(status int, body []byte, ep endpointID, res resultDecoder) (int64, *ChannelError) {
	ok := status >= 200 && status < 300
	var (
		rid, code jsonInt
		msg       jsonString
		params    []byte
	)
	// One pass validates the whole body and picks the envelope's members.
	err := eachMemberValid(body, func(k, v []byte) error {
		switch string(k) {
		case "request_id":
			return rid.UnmarshalJSON(v)
		case "error_code":
			return code.UnmarshalJSON(v)
		case "error_msg":
			return msg.UnmarshalJSON(v)
		case "response_params":
			if string(v) != "null" {
				params = v
			}
		}
		return nil
	})
	switch {
	case err == nil && code.set && code.v != 0 && !isServiceCode(code.v):
		// A code the service does not use (such as 3) must not pass for one
		// of the SDK's own codes 1–5, which say what the SDK knows.
		ce := badBody(status, fmt.Errorf("error_code %d is not a code of the service", code.v), body)
		ce.RequestID = rid.v
		return 0, ce
	case err == nil && code.set && code.v != 0:
		text := sanitize(msg.v)
		if text == "" {
			text = "service error " + strconv.FormatInt(code.v, 10)
		}
		return 0, &ChannelError{Code: int(code.v), Msg: text, RequestID: rid.v, HTTPStatus: status}
	case err == errScan:
		return 0, badBody(status, checkJSON(body), body)
	case err != nil:
		return 0, badBody(status, err, body)
	case !ok:
		return 0, badBody(status, errors.New("no error_code in the body"), body)
	case !rid.set:
		return 0, badBody(status, errors.New("no request_id in the body"), body)
	case params == nil && ep != epTimerCancel:
		return 0, &ChannelError{Code: CodeBadResult, Msg: sdkCodeText[CodeBadResult], RequestID: rid.v, HTTPStatus: status,
			Err: errors.New("response_params is missing")}
	case params != nil:
		if err := res.decode(params); err != nil {
			return 0, &ChannelError{Code: CodeBadResult, Msg: sdkCodeText[CodeBadResult], RequestID: rid.v, HTTPStatus: status, Err: err}
		}
	}
	res.setRequestID(rid.v)
	return rid.v, nil
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
func (e *attemptTimeout) Unwrap() error { return e.err }
func (e *attemptTimeout) Timeout() bool { return true }

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

func (c *Channel) logAttempt(ctx context.Context, ep endpointID, n int, start time.Time, ce *ChannelError, status int, rid int64) {
	if c.logger == nil || !c.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("endpoint", endpoints[ep].path),
		slog.Int("attempt", n),
		slog.Int("status", status),
	}
	if ce != nil {
		attrs = append(attrs, slog.Int("code", ce.Code), slog.Int64("request_id", ce.RequestID), slog.String("error", ce.Error()))
	} else {
		attrs = append(attrs, slog.Int("code", 0), slog.Int64("request_id", rid))
	}
	attrs = append(attrs, slog.Duration("duration", time.Since(start)))
	c.logger.LogAttrs(ctx, slog.LevelDebug, "pushsdk request", attrs...)
}
