package pushtest

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The inspector's JSON API, under /api/v1/, for tests in any language (the
// web pages under /ui/ read the same views). Lists are pages: ?start= and
// ?limit= (default 50, at most 1000) give {"total", "start", "limit",
// "items"}. ?app=API_KEY picks an app (default: the emulator's default
// app). The secret keys are never shown; request parameters come with the
// signature masked.
//
//	GET  /api/v1/apps
//	GET  /api/v1/devices?q=&start=&limit=           devices in the order first seen; q: ids containing it
//	GET  /api/v1/devices/{channel_id}               a device and its tags
//	GET  /api/v1/devices/{channel_id}/messages      what it received, newest first
//	POST /api/v1/devices/bind    {"channel_ids": [...]}
//	POST /api/v1/devices/unbind  {"channel_ids": [...]}
//	GET  /api/v1/requests?endpoint=&code=           the request log, newest first
//	GET  /api/v1/messages                           accepted messages, newest first
//	GET  /api/v1/messages/{msg_id}                  one, with its status and a page of its targets
//	GET  /api/v1/tags, /api/v1/tags/{tag}/members
//	GET  /api/v1/timers?state=pending|fired|cancelled
//	GET  /api/v1/topics
//	GET  /api/v1/statistics                         the last 30 days
//	GET  /api/v1/clock
//	POST /api/v1/clock/advance   {"by": "90s"}      fires the timers and deliveries that fall due
//	POST /api/v1/reset                              forgets everything but the apps and their keys
//	GET  /api/v1/events                             Server-Sent Events: requests, deliveries, clock, reset
//
// An action (POST) is refused to a cross-site browser request (its Origin
// or Sec-Fetch-Site says so), and, on a connection that did not come
// through loopback, without the API token of [WithAPIToken] (as
// "Authorization: Bearer TOKEN").

// WithInspector turns the JSON API (/api/v1/) and the web inspector (/ui/)
// on or off (default on); off, they answer 404 as any unknown path.
func WithInspector(on bool) Option {
	return func(c *config) error { c.inspector = on; return nil }
}

// WithAPIToken sets the token that the inspector's actions need on a
// connection that did not come through loopback (bpush emulator
// --api-token): without one, such actions are refused.
func WithAPIToken(token string) Option {
	return func(c *config) error {
		if strings.TrimSpace(token) == "" {
			return fmt.Errorf("WithAPIToken: empty token")
		}
		c.apiToken = token
		return nil
	}
}

// WithLiveClients caps the inspector's live clients (Server-Sent Events)
// at once (default 100); more are answered 503.
func WithLiveClients(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("WithLiveClients: %d is not positive", n)
		}
		c.maxSSE = n
		return nil
	}
}

// Inspector returns the JSON API and the web inspector alone, to serve on
// an address of their own; the Emulator serves them too, under /api/v1/
// and /ui/, unless WithInspector(false).
func (e *Emulator) Inspector() http.Handler { return e.inspectorMux() }

// inspectorMux routes /api/v1/ and /ui/.
func (e *Emulator) inspectorMux() *http.ServeMux {
	e.muxOnce.Do(func() {
		m := http.NewServeMux()
		get := func(pattern string, h func(w http.ResponseWriter, r *http.Request) (any, error)) {
			m.HandleFunc("GET "+pattern, func(w http.ResponseWriter, r *http.Request) {
				v, err := h(w, r)
				writeAPI(w, v, err)
			})
		}
		post := func(pattern string, h func(w http.ResponseWriter, r *http.Request) (any, error)) {
			m.HandleFunc("POST "+pattern, func(w http.ResponseWriter, r *http.Request) {
				if err := e.allowAction(r); err != nil {
					writeAPI(w, nil, err)
					return
				}
				v, err := h(w, r)
				writeAPI(w, v, err)
			})
		}
		get("/api/v1/apps", func(w http.ResponseWriter, r *http.Request) (any, error) {
			apps := e.appViews()
			return pageOf[AppView]{Total: len(apps), Limit: len(apps), Items: apps}, nil
		})
		get("/api/v1/devices", e.apiDevices)
		get("/api/v1/devices/{channel_id}", e.apiDevice)
		get("/api/v1/devices/{channel_id}/messages", e.apiInbox)
		post("/api/v1/devices/bind", e.apiBind(true))
		post("/api/v1/devices/unbind", e.apiBind(false))
		get("/api/v1/requests", e.apiRequests)
		get("/api/v1/messages", e.apiMessages)
		get("/api/v1/messages/{msg_id}", e.apiMessage)
		get("/api/v1/tags", e.apiTags)
		get("/api/v1/tags/{tag}/members", e.apiTagMembers)
		get("/api/v1/timers", e.apiTimers)
		get("/api/v1/topics", e.apiTopics)
		get("/api/v1/statistics", e.apiStats)
		get("/api/v1/clock", func(w http.ResponseWriter, r *http.Request) (any, error) { return e.clockView(), nil })
		post("/api/v1/clock/advance", e.apiAdvance)
		post("/api/v1/reset", func(w http.ResponseWriter, r *http.Request) (any, error) {
			e.Reset()
			return map[string]bool{"reset": true}, nil
		})
		m.HandleFunc("GET /api/v1/events", e.serveEvents)
		// Browsers ask for an icon; it is not an API request to log.
		m.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
		m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
			writeAPI(w, nil, &apiErr{http.StatusNotFound, "no such API: " + r.Method + " " + short(r.URL.Path)})
		})
		e.uiRoutes(m)
		e.mux = m
	})
	return e.mux
}

// apiErr is an error of the inspector's API, with its HTTP status.
type apiErr struct {
	status int
	msg    string
}

func (e *apiErr) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &apiErr{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &apiErr{http.StatusNotFound, fmt.Sprintf(format, args...)}
}

// writeAPI answers with v as JSON, or err as {"error": …}.
func writeAPI(w http.ResponseWriter, v any, err error) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	status := http.StatusOK
	if err != nil {
		status = http.StatusInternalServerError
		var ae *apiErr
		if errors.As(err, &ae) {
			status = ae.status
		}
		v = map[string]string{"error": err.Error()}
	}
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// pageArgs reads ?start= and ?limit=.
func pageArgs(r *http.Request) (start, limit int, err error) {
	q := r.URL.Query()
	start, limit = 0, defaultPage
	if s := q.Get("start"); s != "" {
		if start, err = strconv.Atoi(s); err != nil || start < 0 {
			return 0, 0, badRequest("start: want a number ≥ 0, got %q", short(s))
		}
	}
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > maxPage {
			return 0, 0, badRequest("limit: want 1–%d, got %q", maxPage, short(s))
		}
	}
	return start, limit, nil
}

// appArg picks the app of ?app= (the default app without it).
func (e *Emulator) appArg(r *http.Request) (*appState, error) {
	key := r.URL.Query().Get("app")
	e.mu.Lock()
	a := e.appFor(key)
	e.mu.Unlock()
	if a == nil {
		return nil, notFound("no app with API key %q", short(key))
	}
	return a, nil
}

// pageAndApp reads the app and the page of a list request.
func (e *Emulator) pageAndApp(r *http.Request) (*appState, int, int, error) {
	a, err := e.appArg(r)
	if err != nil {
		return nil, 0, 0, err
	}
	start, limit, err := pageArgs(r)
	return a, start, limit, err
}

func (e *Emulator) apiDevices(_ http.ResponseWriter, r *http.Request) (any, error) {
	a, start, limit, err := e.pageAndApp(r)
	if err != nil {
		return nil, err
	}
	return e.deviceList(a, r.URL.Query().Get("q"), start, limit), nil
}

func (e *Emulator) apiDevice(_ http.ResponseWriter, r *http.Request) (any, error) {
	a, err := e.appArg(r)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("channel_id")
	v, ok := e.device(a, id)
	if !ok {
		return nil, notFound("no device %s", short(id))
	}
	return v, nil
}

func (e *Emulator) apiInbox(_ http.ResponseWriter, r *http.Request) (any, error) {
	a, start, limit, err := e.pageAndApp(r)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("channel_id")
	if !isChannelID(id) {
		return nil, badRequest("%q is not a channel id (1–64 digits)", short(id))
	}
	return e.inbox(a, id, start, limit), nil
}

// apiBind binds or unbinds the ids of the body.
func (e *Emulator) apiBind(bind bool) func(http.ResponseWriter, *http.Request) (any, error) {
	return func(_ http.ResponseWriter, r *http.Request) (any, error) {
		a, err := e.appArg(r)
		if err != nil {
			return nil, err
		}
		var body struct {
			ChannelIDs []string `json:"channel_ids"`
		}
		if err := readJSON(r, &body); err != nil {
			return nil, err
		}
		if len(body.ChannelIDs) == 0 || len(body.ChannelIDs) > maxBatchIDs {
			return nil, badRequest("channel_ids: want 1–%d ids", maxBatchIDs)
		}
		for _, id := range body.ChannelIDs {
			if !isChannelID(id) {
				return nil, badRequest("channel_ids: %q is not a channel id (1–64 digits)", short(id))
			}
		}
		app := e.handle(a)
		if bind {
			if err := app.Bind(body.ChannelIDs...); err != nil {
				return nil, &apiErr{http.StatusConflict, err.Error()}
			}
			return map[string]int{"bound": len(body.ChannelIDs)}, nil
		}
		app.Unbind(body.ChannelIDs...)
		return map[string]int{"unbound": len(body.ChannelIDs)}, nil
	}
}

// readJSON reads a request's JSON body, at most 1 MiB.
func readJSON(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
	if err != nil {
		return badRequest("reading the body: %v", err)
	}
	if len(data) > 1<<20 {
		return badRequest("the body is larger than 1 MiB")
	}
	if len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return badRequest("the body is not the JSON this action takes: %v", err)
	}
	return nil
}

func (e *Emulator) apiRequests(_ http.ResponseWriter, r *http.Request) (any, error) {
	start, limit, err := pageArgs(r)
	if err != nil {
		return nil, err
	}
	code := 0
	if s := r.URL.Query().Get("code"); s != "" {
		if code, err = strconv.Atoi(s); err != nil {
			return nil, badRequest("code: want a number, got %q", short(s))
		}
	}
	return e.requestList(r.URL.Query().Get("endpoint"), code, start, limit), nil
}

func (e *Emulator) apiMessages(_ http.ResponseWriter, r *http.Request) (any, error) {
	a, start, limit, err := e.pageAndApp(r)
	if err != nil {
		return nil, err
	}
	return e.messageList(a, start, limit), nil
}

func (e *Emulator) apiMessage(_ http.ResponseWriter, r *http.Request) (any, error) {
	a, start, limit, err := e.pageAndApp(r)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("msg_id")
	v, ok := e.message(a, id, start, limit)
	if !ok {
		return nil, notFound("no message %s (unknown, cancelled, or forgotten past the emulator's limit of messages)", short(id))
	}
	return v, nil
}

func (e *Emulator) apiTags(_ http.ResponseWriter, r *http.Request) (any, error) {
	a, start, limit, err := e.pageAndApp(r)
	if err != nil {
		return nil, err
	}
	return e.tagList(a, start, limit), nil
}

func (e *Emulator) apiTagMembers(_ http.ResponseWriter, r *http.Request) (any, error) {
	a, start, limit, err := e.pageAndApp(r)
	if err != nil {
		return nil, err
	}
	name := r.PathValue("tag")
	p, ok := e.tagMembers(a, name, start, limit)
	if !ok {
		return nil, notFound("no tag %q", short(name))
	}
	return p, nil
}

func (e *Emulator) apiTimers(_ http.ResponseWriter, r *http.Request) (any, error) {
	a, start, limit, err := e.pageAndApp(r)
	if err != nil {
		return nil, err
	}
	state := r.URL.Query().Get("state")
	switch state {
	case "", "pending", "fired", "cancelled":
	default:
		return nil, badRequest("state: want pending, fired or cancelled, got %q", short(state))
	}
	return e.timerList(a, state, start, limit), nil
}

func (e *Emulator) apiTopics(_ http.ResponseWriter, r *http.Request) (any, error) {
	a, start, limit, err := e.pageAndApp(r)
	if err != nil {
		return nil, err
	}
	return e.topicList(a, start, limit), nil
}

func (e *Emulator) apiStats(_ http.ResponseWriter, r *http.Request) (any, error) {
	a, err := e.appArg(r)
	if err != nil {
		return nil, err
	}
	return e.stats(a), nil
}

// clockView is the emulator's time.
type clockView struct {
	Now    time.Time `json:"now"`
	Frozen bool      `json:"frozen"`
}

func (e *Emulator) clockView() clockView {
	return clockView{Now: e.clock.now(), Frozen: e.clock.frozen.Load()}
}

func (e *Emulator) apiAdvance(_ http.ResponseWriter, r *http.Request) (any, error) {
	var body struct {
		By string `json:"by"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	if body.By == "" {
		body.By = r.URL.Query().Get("by")
	}
	d, err := time.ParseDuration(body.By)
	if err != nil || d <= 0 || d > 366*24*time.Hour {
		return nil, badRequest("by: want a duration such as \"90s\" or \"2h\", more than 0 and at most a year, got %q", short(body.By))
	}
	e.Advance(d)
	e.publish(liveEvent{Kind: "clock", Time: e.clock.now()})
	return e.clockView(), nil
}

// Reset forgets everything the emulator's apps did — devices, messages,
// tags, timers, topics, statistics — and the request log and faults; the
// apps and their keys stay, and so does the clock.
func (e *Emulator) Reset() {
	e.mu.Lock()
	now := e.clock.now()
	for _, apps := range e.apps {
		for _, a := range apps {
			// In place: App handles that tests hold stay valid.
			limiter := a.limiter
			*a = *newAppState(a.key, a.secret, a.platform, now)
			a.limiter = limiter
		}
	}
	e.events = nil
	e.faults = map[string][]*faultEntry{}
	e.records, e.recHead, e.recBytes = nil, 0, 0
	e.mu.Unlock()
	e.publish(liveEvent{Kind: "reset", Time: now})
}

// allowAction refuses an action (a POST) to a cross-site browser request,
// and, on a connection that did not come through loopback, to one without
// the API token.
func (e *Emulator) allowAction(r *http.Request) error {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return &apiErr{http.StatusForbidden, "a cross-site request (Sec-Fetch-Site: " + short(s) + ") may not change the emulator"}
	}
	if o := r.Header.Get("Origin"); o != "" {
		if u, err := url.Parse(o); err != nil || u.Host != r.Host {
			return &apiErr{http.StatusForbidden, "a request from another origin (" + short(o) + ") may not change the emulator"}
		}
	}
	if viaLoopback(r) {
		return nil
	}
	if e.cfg.apiToken == "" {
		return &apiErr{http.StatusForbidden, "this connection did not come through loopback: actions need the emulator's API token " +
			"(start it with --api-token, then send Authorization: Bearer TOKEN)"}
	}
	got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if subtle.ConstantTimeCompare([]byte(got), []byte(e.cfg.apiToken)) != 1 {
		return &apiErr{http.StatusUnauthorized, "actions need the emulator's API token: Authorization: Bearer TOKEN"}
	}
	return nil
}

// viaLoopback reports whether the request came in on a loopback address.
func viaLoopback(r *http.Request) bool {
	addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return false
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// liveKeepAlive is how often an idle live stream gets a comment, and
// liveWriteTimeout how long one write may take before the client is
// dropped as too slow.
const (
	liveKeepAlive    = 15 * time.Second
	liveWriteTimeout = 10 * time.Second
	liveTick         = 250 * time.Millisecond
)

// serveEvents streams live events (Server-Sent Events) until the client
// goes, is too slow, or falls behind. Events are gathered for a tenth of a
// second and written together. While someone watches, the clock catches
// up four times a second, so that deliveries fall due without another
// request.
func (e *Emulator) serveEvents(w http.ResponseWriter, r *http.Request) {
	cursor, err := e.live.join(e.cfg.maxSSE)
	if err != nil {
		w.Header().Set("Retry-After", "10")
		writeAPI(w, nil, &apiErr{http.StatusServiceUnavailable, fmt.Sprintf("%d live clients already (WithLiveClients, --max-live)", e.cfg.maxSSE)})
		return
	}
	defer e.live.leave()
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	write := func(s string) bool {
		if rc.SetWriteDeadline(time.Now().Add(liveWriteTimeout)) != nil {
			return false
		}
		if _, err := io.WriteString(w, s); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write(": pushtest live events\nretry: 2000\n\n") {
		return
	}
	tick := time.NewTicker(liveTick)
	defer tick.Stop()
	idle := time.Now()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-e.live.wait(cursor):
			// Gather what comes in the next tenth of a second, then write
			// it all at once.
			select {
			case <-r.Context().Done():
				return
			case <-time.After(liveBatch):
			}
			var events []sseEvent
			events, cursor = e.live.since(cursor)
			var b strings.Builder
			for _, ev := range events {
				b.Write(ev)
			}
			if b.Len() > 0 && !write(b.String()) {
				return
			}
			idle = time.Now()
		case <-tick.C:
			e.tick()
			if time.Since(idle) >= liveKeepAlive {
				if !write(": keep-alive\n\n") {
					return
				}
				idle = time.Now()
			}
		}
	}
}

// LiveClients is the number of the inspector's live clients (Server-Sent
// Events) connected now.
func (e *Emulator) LiveClients() int { return e.live.count() }

// tick makes what is due happen.
func (e *Emulator) tick() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.events) > 0 && !e.events[0].at.After(e.clock.now()) {
		e.catchUp(e.clock.now())
	}
}
