package pushtest

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bdpush/pushsdk"
	"golang.org/x/time/rate"
)

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
	records   []Request // the request log: records[recHead:]
	recHead   int
	recBytes  int64

	live    hub // the inspector's live clients
	muxOnce sync.Once
	mux     *http.ServeMux // the inspector's routes
}

// New returns an Emulator with one app, its default app: generated keys
// (see [Emulator.DefaultApp]) unless [WithKeys] is given, Android unless
// [WithPlatform] says otherwise.
func New(opts ...Option) *Emulator {
	cfg := config{platform: pushsdk.DeviceAndroid, pendingFor: time.Second, sendingFor: time.Second, maxIOS: maxMsgBytes,
		recordLimit: 10000, recordBytes: 32 << 20, maxBody: 2 << 20, limits: DefaultLimits, inspector: true, maxSSE: 100}
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

// ServeHTTP answers one API request as the service would; with the
// inspector on (the default, see [WithInspector]), /api/v1/ and /ui/ are
// its JSON API and web pages.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if e.cfg.inspector && (strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/ui" || strings.HasPrefix(r.URL.Path, "/ui/") || r.URL.Path == "/favicon.ico") {
		e.inspectorMux().ServeHTTP(w, r)
		return
	}
	start := time.Now()
	rec := Request{Time: e.clock.now(), Method: r.Method, Path: short256(r.URL.Path), UserAgent: short256(r.Header.Get("User-Agent")), RemoteAddr: r.RemoteAddr}
	ans := e.serve(r, &rec)
	rec.Code, rec.Status, rec.RequestID = ans.code, ans.status, ans.requestID
	// Record before answering, so that a client that has its answer always
	// finds its request recorded.
	e.record(rec)
	e.publish(liveEvent{Kind: "request", Endpoint: rec.Path, Status: rec.Status, Code: rec.Code, Time: rec.Time})
	if l := e.cfg.logger; l != nil {
		attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", rec.Path)}
		if rec.Params != nil {
			attrs = append(attrs, slog.String("apikey", rec.Params.Get("apikey")))
		}
		attrs = append(attrs, slog.Int("status", ans.status), slog.Int("code", ans.code), slog.Int64("request_id", ans.requestID),
			slog.Duration("duration", time.Since(start)))
		if rec.Note != "" {
			attrs = append(attrs, slog.String("note", rec.Note))
		}
		if rec.Params != nil && l.Enabled(r.Context(), slog.LevelDebug) {
			attrs = append(attrs, slog.String("params", e.shownParams(rec.Params)))
		}
		l.LogAttrs(r.Context(), slog.LevelInfo, "pushtest", attrs...)
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

func (e *Emulator) serve(r *http.Request, rec *Request) answer {
	rid := e.newRequestID()
	ep, ok := endpointsByPath[strings.TrimPrefix(r.URL.Path, apiPrefix)]
	if !ok || !strings.HasPrefix(r.URL.Path, apiPrefix) {
		return errorAnswer(rid, errf(pushsdk.CodeNotFound, "unknown API path %s", short(r.URL.Path)))
	}
	raw, params, aerr := e.parseRequest(r, ep)
	var app *appState
	if aerr == nil {
		app, aerr = e.authenticate(r, raw, params)
	}
	if aerr == nil {
		// Only a request that proved its key has its parameters kept:
		// anyone can send a 2 MB body.
		rec.Params = maskSecrets(params)
	} else {
		rec.Note = aerr.detail
	}
	fault := e.takeFault(ep.path)
	if fault != nil && !fault.AfterProcessing {
		if ans, done := fault.apply(rid); done {
			return ans
		}
	}
	var result any
	if aerr == nil {
		result, aerr = e.run(ep, app, params)
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

// parseRequest checks method and User-Agent and reads the parameters; raw
// is the form or query string as sent.
func (e *Emulator) parseRequest(r *http.Request, ep *endpointDef) (raw string, params url.Values, aerr *apiError) {
	switch {
	case r.Method == http.MethodPost:
		ct := strings.ToLower(strings.TrimSpace(strings.SplitN(r.Header.Get("Content-Type"), ";", 2)[0]))
		if ct != "application/x-www-form-urlencoded" {
			return "", nil, errf(pushsdk.CodeInvalidParams, "Content-Type: must be application/x-www-form-urlencoded, got %q", r.Header.Get("Content-Type"))
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, e.cfg.maxBody+1))
		if err != nil {
			return "", nil, errf(pushsdk.CodeInvalidParams, "reading the body: %v", err)
		}
		if int64(len(body)) > e.cfg.maxBody {
			return "", nil, errf(pushsdk.CodeInvalidParams, "request body exceeds %d bytes", e.cfg.maxBody)
		}
		raw = string(body)
	case r.Method == http.MethodGet && ep.query:
		raw = r.URL.RawQuery
	default:
		return "", nil, errf(pushsdk.CodeMethodNotAllowed, "%s is not allowed on %s", r.Method, ep.path)
	}
	if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "BCCS_SDK/") {
		return "", nil, errf(pushsdk.CodeInvalidParams, "User-Agent: must start with BCCS_SDK/, got %q", ua)
	}
	params, err := url.ParseQuery(raw)
	if err != nil {
		return raw, params, errf(pushsdk.CodeInvalidParams, "malformed form body")
	}
	for k, v := range params {
		if len(v) > 1 {
			return raw, params, errf(pushsdk.CodeInvalidParams, "%s: given %d times", short(k), len(v))
		}
	}
	return raw, params, nil
}

// shownParams lays params out for a log line: sorted, the signature and
// anything that is an app's secret key masked, long values cut.
func (e *Emulator) shownParams(params url.Values) string {
	e.mu.Lock()
	secrets := map[string]bool{}
	for _, apps := range e.apps {
		secrets[apps[0].secret] = true
	}
	e.mu.Unlock()
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(params)) {
		for _, v := range params[k] {
			switch {
			case k == "sign" || secrets[v] || strings.Contains(strings.ToLower(k), "secret"):
				v = "***"
			case len(v) > 120:
				v = v[:120] + "…(" + strconv.Itoa(len(v)) + " bytes)"
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(k + "=" + strconv.Quote(v))
		}
	}
	return b.String()
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

// authenticate checks the common parameters — the key, the signature over
// the URL as addressed, the time window, the platform — and returns the
// app the request is for.
func (e *Emulator) authenticate(r *http.Request, raw string, p url.Values) (*appState, *apiError) {
	for _, k := range []string{"apikey", "timestamp", "sign"} {
		if p.Get(k) == "" {
			return nil, errf(pushsdk.CodeInvalidParams, "%s: is required", k)
		}
	}
	ts, err := strconv.ParseInt(p.Get("timestamp"), 10, 64)
	if err != nil {
		return nil, errf(pushsdk.CodeInvalidParams, "timestamp: must be unix seconds, got %q", short(p.Get("timestamp")))
	}
	var expires int64
	if s := p.Get("expires"); s != "" {
		if expires, err = strconv.ParseInt(s, 10, 64); err != nil {
			return nil, errf(pushsdk.CodeInvalidParams, "expires: must be unix seconds, got %q", short(s))
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
			return nil, errf(pushsdk.CodeInvalidParams, "device_type: must be 3 or 4, got %q", short(s))
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
		if cause := diagnose(r, raw, p.Get("sign"), apps[0].secret, e.otherSecrets(p.Get("apikey"))); cause != "" {
			return nil, errf(pushsdk.CodeAuthFailed, "signature mismatch: %s; bpush sign --explain shows what a correct client signs", cause)
		}
		return nil, errf(pushsdk.CodeAuthFailed, "signature mismatch: no usual signing mistake explains it, so the secret key most likely "+
			"does not belong to this API key (a typo, or another app's key): compare its md5 fingerprint, which bpush sign --explain prints, "+
			"with this app's: md5 %s", fingerprint(apps[0].secret))
	}
	now := e.clock.now()
	switch {
	case ts > 1e12:
		return nil, errf(pushsdk.CodeRequestExpired, "timestamp %d is in milliseconds; it is unix seconds", ts)
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
	return app, nil
}

// otherSecrets are the secret keys of the apps with another API key, by
// API key: a client may have mixed two apps up.
func (e *Emulator) otherSecrets(apikey string) map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]string{}
	for key, apps := range e.apps {
		if key != apikey {
			out[key] = apps[0].secret
		}
	}
	return out
}

// run runs an authenticated request: the app's rate limit, the
// endpoint's checks (outside the lock), the endpoint (under it).
func (e *Emulator) run(ep *endpointDef, app *appState, p url.Values) (any, *apiError) {
	if app.limiter != nil && !app.limiter.Allow() {
		return nil, errf(pushsdk.CodeTooFrequent, "")
	}
	now := e.clock.now()
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
