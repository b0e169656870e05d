package pushtest

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bdpush/pushsdk"
	"golang.org/x/time/rate"
)

// Option configures an [Emulator] or a [Server]. It has the shape of
// pushsdk.Option: a bad value is an error, and [New] and [NewServer] panic
// with it, as httptest.NewServer does when it cannot start: options are the
// test author's to get right.
type Option func(*config) error

type config struct {
	apiKey, secretKey string
	platform          pushsdk.DeviceType
	requireBinding    bool
	start             time.Time // zero: follow the system clock
	pendingFor        time.Duration
	sendingFor        time.Duration
	rate              rate.Limit
	burst             int
	maxIOS            int
	logger            *slog.Logger
	recordLimit       int
}

// WithKeys sets the default app's key pair instead of generated keys.
func WithKeys(apiKey, secretKey string) Option {
	return func(c *config) error {
		if apiKey == "" || secretKey == "" {
			return fmt.Errorf("WithKeys: empty key")
		}
		c.apiKey, c.secretKey = apiKey, secretKey
		return nil
	}
}

// WithPlatform sets the default app's platform (default Android).
func WithPlatform(t pushsdk.DeviceType) Option {
	return func(c *config) error {
		if t != pushsdk.DeviceAndroid && t != pushsdk.DeviceIOS {
			return fmt.Errorf("WithPlatform: %v is neither Android nor iOS", t)
		}
		c.platform = t
		return nil
	}
}

// WithRequireBinding makes only explicitly bound channel ids (see
// [App.Bind]) valid devices: a single-device push to any other id gets 30608,
// and batch pushes fail for them. Without it, any well-formed channel id
// the emulator has not seen counts as a bound device.
func WithRequireBinding() Option {
	return func(c *config) error { c.requireBinding = true; return nil }
}

// WithFrozenClock starts the emulator's clock frozen at start; only
// [Emulator.Advance] moves it. Without it the clock follows the system
// clock (plus whatever Advance added). Either way, clients must sign with
// the emulator's time, as the Channels of [Server.NewChannel] do; see the
// package documentation on time.
func WithFrozenClock(start time.Time) Option {
	return func(c *config) error {
		if start.IsZero() {
			return fmt.Errorf("WithFrozenClock: zero time")
		}
		c.start = start
		return nil
	}
}

// WithDeliveryDelay sets how long an accepted message stays pending (status
// 1) and then sending (status 2) before it is delivered and sent (status 0).
// The default is one second each; zero delivers at once.
func WithDeliveryDelay(pending, sending time.Duration) Option {
	return func(c *config) error {
		if pending < 0 || sending < 0 {
			return fmt.Errorf("WithDeliveryDelay: negative delay")
		}
		c.pendingFor, c.sendingFor = pending, sending
		return nil
	}
}

// WithRateLimit answers 30699 (Requests Are Too Frequent) to calls of an
// app beyond perSecond on average, with bursts of burst; in real time.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(c *config) error {
		if !(perSecond > 0) || burst < 1 {
			return fmt.Errorf("WithRateLimit: need perSecond > 0 and burst >= 1")
		}
		c.rate, c.burst = rate.Limit(perSecond), burst
		return nil
	}
}

// WithMaxIOSMessageBytes lowers the size limit of iOS messages below the
// service's 4096 bytes (e.g. 256, as old iOS devices need).
func WithMaxIOSMessageBytes(n int) Option {
	return func(c *config) error {
		if n < 1 || n > maxMsgBytes {
			return fmt.Errorf("WithMaxIOSMessageBytes: %d is outside 1-4096", n)
		}
		c.maxIOS = n
		return nil
	}
}

// WithLogger logs each request in one line at info level.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.logger = l; return nil }
}

// WithRequestLog keeps the last n requests for [Emulator.Requests] (default
// 10 000; 0 keeps none).
func WithRequestLog(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("WithRequestLog: negative size")
		}
		c.recordLimit = n
		return nil
	}
}

// Emulator is a stateful, in-memory emulation of the Baidu Cloud Push REST
// API 3.0, served as an [http.Handler]. It checks
// every request as the service does (method, path, User-Agent, apikey,
// signature, timestamp, every parameter) and keeps apps, devices, tags,
// messages, timers, topics and statistics. It is safe for concurrent use.
//
// Use [NewServer] for a loopback server in tests; use New to mount the
// handler yourself (bpush emulator does).
type Emulator struct {
	cfg   config
	clock clock

	mu        sync.Mutex
	apps      map[string][]*appState // by apikey; a migrated 2.0 key has two
	def       *appState
	events    eventHeap
	eventSeq  uint64
	nextReq   int64
	nextMsg   uint64
	nextTimer uint64
	nextTID   int64
	faults    map[string][]*faultEntry
	records   []Request
	recStart  int // ring start when full
}

// New returns an Emulator with one app, its default app: generated keys
// (see [Emulator.DefaultApp]) unless [WithKeys] is given, Android unless
// [WithPlatform] says otherwise.
func New(opts ...Option) *Emulator {
	cfg := config{platform: pushsdk.DeviceAndroid, pendingFor: time.Second, sendingFor: time.Second, maxIOS: maxMsgBytes, recordLimit: 10000}
	for _, o := range opts {
		if o == nil {
			panic("pushtest: nil Option")
		}
		if err := o(&cfg); err != nil {
			panic("pushtest: " + err.Error())
		}
	}
	if cfg.apiKey == "" {
		cfg.apiKey = randomKey(24)
	}
	if cfg.secretKey == "" {
		cfg.secretKey = randomKey(32)
	}
	e := &Emulator{
		cfg:       cfg,
		apps:      map[string][]*appState{},
		faults:    map[string][]*faultEntry{},
		nextReq:   3141592653,
		nextMsg:   7205759403792793000, // beyond 2^53: clients must keep ids lossless
		nextTimer: 9007199254740993000,
		nextTID:   1000,
	}
	if !cfg.start.IsZero() {
		e.clock.frozen.Store(true)
		e.clock.at.Store(cfg.start.UnixNano())
	}
	e.def = e.addApp(cfg.apiKey, cfg.secretKey, cfg.platform)
	return e
}

func randomKey(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func (e *Emulator) addApp(key, secret string, platform pushsdk.DeviceType) *appState {
	a := newAppState(key, secret, platform, e.clock.now())
	if e.cfg.rate > 0 {
		a.limiter = rate.NewLimiter(e.cfg.rate, e.cfg.burst)
	}
	e.apps[key] = append(e.apps[key], a)
	return a
}

// Now returns the emulator's current time: use it, not time.Now, for the
// times the emulator checks (a SendTime) once its clock has been moved with
// [Emulator.Advance].
func (e *Emulator) Now() time.Time { return e.clock.now() }

// Advance moves the emulator's clock forward by d, firing the timers and
// moving the messages that become due.
func (e *Emulator) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	e.clock.advance(d)
	e.mu.Lock()
	e.catchUp(e.clock.now())
	e.mu.Unlock()
}

// ServeHTTP answers one API request as the service would.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := Request{Time: e.clock.now(), Method: r.Method, Path: r.URL.Path, UserAgent: r.Header.Get("User-Agent"), RemoteAddr: r.RemoteAddr}
	ans := e.serve(r, &rec)
	rec.Code, rec.Status, rec.RequestID = ans.code, ans.status, ans.requestID
	// Record before answering, so that a client that has its answer always
	// finds its request recorded.
	e.record(rec)
	if e.cfg.logger != nil {
		e.cfg.logger.LogAttrs(r.Context(), slog.LevelInfo, "pushtest",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("apikey", rec.Params.Get("apikey")),
			slog.Int("status", ans.status), slog.Int("code", ans.code), slog.Int64("request_id", ans.requestID),
			slog.Duration("duration", time.Since(start)))
	}
	ans.write(w)
}

// answer is what is sent back.
type answer struct {
	status    int
	code      int   // service error code, 0 on success
	requestID int64 // 0 for a fault's raw answer
	body      []byte
	html      bool // Content-Type text/html
	drop      bool // close the connection without an answer
}

func (a *answer) write(w http.ResponseWriter) {
	if a.drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // a reset, not a clean close
				}
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // HTTP/2 or a recorder: abort the stream
	}
	h := w.Header()
	if a.html {
		h["Content-Type"] = []string{"text/html"}
	} else {
		h["Content-Type"] = []string{"application/json;charset=utf-8"}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(a.body))}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// apiError is a service error with its detail.
type apiError struct {
	code   int
	detail string
}

func errf(code int, format string, args ...any) *apiError {
	return &apiError{code: code, detail: fmt.Sprintf(format, args...)}
}

func (e *Emulator) newRequestID() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.nextReq += 7
	return e.nextReq
}

// maxRequestBytes caps a request body; a full batch of 10 000 ids is about
// 300 KB.
const maxRequestBytes = 2 << 20

func (e *Emulator) serve(r *http.Request, rec *Request) answer {
	rid := e.newRequestID()
	ep, ok := endpointsByPath[strings.TrimPrefix(r.URL.Path, apiPrefix)]
	if !ok || !strings.HasPrefix(r.URL.Path, apiPrefix) {
		return errorAnswer(rid, errf(pushsdk.CodeNotFound, "unknown API path %s", r.URL.Path))
	}
	params, aerr := e.parseRequest(r, ep)
	rec.Params = maskSecrets(params)
	fault := e.takeFault(ep.path)
	if fault != nil && !fault.AfterProcessing {
		if ans, done := fault.apply(rid); done {
			return ans
		}
	}
	var result any
	if aerr == nil {
		result, aerr = e.authAndHandle(r, ep, params)
	}
	if fault != nil && fault.AfterProcessing {
		if ans, done := fault.apply(rid); done {
			return ans
		}
	}
	if aerr != nil {
		return errorAnswer(rid, aerr)
	}
	return answer{status: http.StatusOK, requestID: rid, body: asciiJSON(successEnvelope{RequestID: rid, Params: result})}
}

// parseRequest checks method and User-Agent and reads the parameters.
func (e *Emulator) parseRequest(r *http.Request, ep *endpointDef) (url.Values, *apiError) {
	var raw string
	switch {
	case r.Method == http.MethodPost:
		ct := strings.ToLower(strings.TrimSpace(strings.SplitN(r.Header.Get("Content-Type"), ";", 2)[0]))
		if ct != "application/x-www-form-urlencoded" {
			return nil, errf(pushsdk.CodeInvalidParams, "Content-Type: must be application/x-www-form-urlencoded, got %q", r.Header.Get("Content-Type"))
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
		if err != nil {
			return nil, errf(pushsdk.CodeInvalidParams, "reading the body: %v", err)
		}
		if len(body) > maxRequestBytes {
			return nil, errf(pushsdk.CodeInvalidParams, "request body exceeds %d bytes", maxRequestBytes)
		}
		raw = string(body)
	case r.Method == http.MethodGet && ep.query:
		raw = r.URL.RawQuery
	default:
		return nil, errf(pushsdk.CodeMethodNotAllowed, "%s is not allowed on %s", r.Method, ep.path)
	}
	if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "BCCS_SDK/") {
		return nil, errf(pushsdk.CodeInvalidParams, "User-Agent: must start with BCCS_SDK/, got %q", ua)
	}
	params, err := url.ParseQuery(raw)
	if err != nil {
		return params, errf(pushsdk.CodeInvalidParams, "malformed form body: %v", err)
	}
	for k, v := range params {
		if len(v) > 1 {
			return params, errf(pushsdk.CodeInvalidParams, "%s: given %d times", k, len(v))
		}
	}
	return params, nil
}

// maskSecrets returns params with the values that must never be shown —
// a secretKey parameter, as the official Python SDK sends — masked; params
// itself is left as it is, for the signature.
func maskSecrets(params url.Values) url.Values {
	if _, ok := params["secretKey"]; !ok {
		return params
	}
	out := make(url.Values, len(params))
	for k, v := range params {
		out[k] = v
	}
	out["secretKey"] = []string{"***"}
	return out
}

// signedURL is the URL as the client addressed it: the absolute URL of a
// proxy-form request, else scheme, Host header and path.
func signedURL(r *http.Request) string {
	if r.URL.IsAbs() {
		return r.URL.Scheme + "://" + r.URL.Host + r.URL.EscapedPath()
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.EscapedPath()
}

// authAndHandle checks the common parameters, then runs the endpoint.
func (e *Emulator) authAndHandle(r *http.Request, ep *endpointDef, p url.Values) (any, *apiError) {
	for _, k := range []string{"apikey", "timestamp", "sign"} {
		if p.Get(k) == "" {
			return nil, errf(pushsdk.CodeInvalidParams, "%s: is required", k)
		}
	}
	ts, err := strconv.ParseInt(p.Get("timestamp"), 10, 64)
	if err != nil {
		return nil, errf(pushsdk.CodeInvalidParams, "timestamp: must be unix seconds, got %q", p.Get("timestamp"))
	}
	var expires int64
	if s := p.Get("expires"); s != "" {
		if expires, err = strconv.ParseInt(s, 10, 64); err != nil {
			return nil, errf(pushsdk.CodeInvalidParams, "expires: must be unix seconds, got %q", s)
		}
	}
	dt := pushsdk.DeviceType(0)
	if s := p.Get("device_type"); s != "" {
		switch s {
		case "3":
			dt = pushsdk.DeviceAndroid
		case "4":
			dt = pushsdk.DeviceIOS
		default:
			return nil, errf(pushsdk.CodeInvalidParams, "device_type: must be 3 or 4, got %q", s)
		}
	}

	e.mu.Lock()
	apps := e.apps[p.Get("apikey")]
	e.mu.Unlock()
	if len(apps) == 0 {
		return nil, errf(pushsdk.CodeAuthFailed, "unknown apikey")
	}
	// Every app of one apikey shares its secret.
	want := pushsdk.Sign(r.Method, signedURL(r), p, apps[0].secret)
	if subtle.ConstantTimeCompare([]byte(want), []byte(p.Get("sign"))) != 1 {
		return nil, errf(pushsdk.CodeAuthFailed, "signature mismatch")
	}
	now := e.clock.now()
	switch {
	case ts < now.Unix()-600:
		return nil, errf(pushsdk.CodeRequestExpired, "timestamp %d is more than 600 s in the past", ts)
	case ts > now.Unix()+600:
		return nil, errf(pushsdk.CodeRequestExpired, "timestamp %d is more than 600 s in the future", ts)
	case expires > ts && now.Unix() > expires:
		return nil, errf(pushsdk.CodeRequestExpired, "the signature expired at %d", expires)
	}
	app := apps[0]
	if dt != 0 {
		app = nil
		for _, a := range apps {
			if a.platform == dt {
				app = a
			}
		}
		if app == nil {
			return nil, errf(pushsdk.CodeOnePlatformOnly, "this app is %s, not %s", apps[0].platform, dt)
		}
	}
	if app.limiter != nil && !app.limiter.Allow() {
		return nil, errf(pushsdk.CodeTooFrequent, "")
	}
	in := &input{p: p, app: app, now: now, e: e}
	ep.validate(in)
	if len(in.problems) > 0 {
		return nil, errf(pushsdk.CodeInvalidParams, "%s", strings.Join(in.problems, "; "))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.catchUp(now)
	return ep.handle(in)
}

func errorAnswer(rid int64, aerr *apiError) answer {
	ci := lookupCode(aerr.code)
	msg := ci.phrase
	if aerr.detail != "" {
		msg += ", " + aerr.detail
	}
	return answer{status: ci.status, code: aerr.code, requestID: rid,
		body: asciiJSON(errorEnvelope{RequestID: rid, ErrorCode: aerr.code, ErrorMsg: msg})}
}

// Request is one request as the emulator received and answered it.
type Request struct {
	Time       time.Time  // emulator time of arrival
	Method     string     // "POST" or "GET"
	Path       string     // URL path, e.g. "/rest/3.0/push/all"
	Params     url.Values // every parameter, sign included
	UserAgent  string
	RemoteAddr string
	Status     int   // HTTP status answered
	Code       int   // service error code answered; 0 on success
	RequestID  int64 // request_id answered (0 for a dropped connection)
}

func (e *Emulator) record(r Request) {
	if e.cfg.recordLimit == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.records) < e.cfg.recordLimit {
		e.records = append(e.records, r)
		return
	}
	e.records[e.recStart] = r
	e.recStart = (e.recStart + 1) % len(e.records)
}

// Requests returns the requests received so far, oldest first (at most the
// last [WithRequestLog] of them).
func (e *Emulator) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Request, 0, len(e.records))
	out = append(out, e.records[e.recStart:]...)
	return append(out, e.records[:e.recStart]...)
}

// RequestsTo returns the recorded requests to one endpoint, named by its
// path below /rest/3.0/ ("push/all").
func (e *Emulator) RequestsTo(path string) []Request {
	var out []Request
	for _, r := range e.Requests() {
		if r.Path == apiPrefix+path {
			out = append(out, r)
		}
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (e *Emulator) ResetRequests() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.records, e.recStart = nil, 0
}
