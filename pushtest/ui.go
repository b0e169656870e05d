package pushtest

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bdpush/pushsdk"
)

// The web inspector, under /ui/: pages rendered on the server from the
// same views as the JSON API, usable without JavaScript; a small script
// (static/live.js) keeps the part of a page marked data-live up to date
// through /api/v1/events. Everything is embedded: no CDN, no build step.

//go:embed ui/pages.html ui/static
var uiFiles embed.FS

// uiPages are the pages, each the layout around one content template.
var uiPages = func() map[string]*template.Template {
	funcs := template.FuncMap{
		"fmtTime": func(t time.Time) string {
			if t.IsZero() {
				return "-"
			}
			return t.UTC().Format("2006-01-02 15:04:05 UTC")
		},
		"fmtClock": func(t time.Time) string { return t.UTC().Format("15:04:05.000") },
		"params":   shownParamsLine,
		"shorten":  func(s string) string { return shortText(s, 80) },
		"pretty":   prettyText,
		"counts": func(m map[string]int64) string {
			var parts []string
			for _, k := range slices.Sorted(maps.Keys(m)) {
				parts = append(parts, k+" "+strconv.FormatInt(m[k], 10))
			}
			if len(parts) == 0 {
				return "-"
			}
			return strings.Join(parts, ", ")
		},
	}
	base := template.Must(template.New("").Funcs(funcs).ParseFS(uiFiles, "ui/pages.html"))
	out := map[string]*template.Template{}
	for _, name := range []string{"home", "requests", "devices", "device", "messages", "message", "tags", "tag", "timers", "topics", "stats", "notfound"} {
		t := template.Must(base.Clone())
		template.Must(t.New("content").Parse(`{{template "` + name + `" .}}`))
		out[name] = t
	}
	return out
}()

// navItem is a link of the header.
type navItem struct {
	Name, Href string
	On         bool
}

// pager links the pages of a list.
type pager struct {
	Total, From, To int
	Prev, Next      string
}

// uiPage is what a page shows: the layout's fields and the page's own.
type uiPage struct {
	Title    string
	Nav      []navItem
	App      string // the app's API key
	Platform string
	Now      time.Time
	AppKey   string // ?app= as given
	AppQuery string // "?app=KEY" or ""
	AppAmp   string // "&app=KEY" or ""
	Pager    pager

	Apps      []AppView
	Requests  pageOf[RequestView]
	Devices   pageOf[DeviceView]
	Query     string
	ChannelID string
	Known     bool
	Device    DeviceView
	Inbox     []inboxItem
	Messages  pageOf[MessageView]
	Message   MessageView
	Tags      pageOf[TagView]
	Tag       string
	Members   pageOf[string]
	Timers    pageOf[TimerView]
	States    []string
	State     string
	Topics    pageOf[TopicView]
	Stats     StatsView
	Detail    string
}

// inboxItem is a delivery drawn as a phone shows it.
type inboxItem struct {
	Kind                string // android, ios, passthrough
	Title, Body, Pretty string
	Badge               string
	Sound               string
	MsgID, RangeType    string
	Time                time.Time
}

func (e *Emulator) uiRoutes(m *http.ServeMux) {
	static, _ := fs.Sub(uiFiles, "ui/static")
	files := http.FileServerFS(static)
	m.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})))
	m.HandleFunc("GET /ui", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ui/", http.StatusFound) })
	page := func(pattern, tmpl string, fill func(p *uiPage, a *appState, r *http.Request) (int, error)) {
		m.HandleFunc("GET "+pattern, func(w http.ResponseWriter, r *http.Request) { e.renderPage(w, r, tmpl, fill) })
	}
	page("/ui/{$}", "home", func(p *uiPage, a *appState, r *http.Request) (int, error) {
		p.Title, p.Apps, p.Requests = "Overview", e.appViews(), e.requestList("", 0, 0, 20)
		return 0, nil
	})
	page("/ui/requests", "requests", func(p *uiPage, a *appState, r *http.Request) (int, error) {
		start, limit, err := pageArgs(r)
		if err != nil {
			return 0, err
		}
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		p.Title, p.Requests = "Requests", e.requestList(r.URL.Query().Get("endpoint"), code, start, limit)
		return p.Requests.Total, nil
	})
	page("/ui/devices", "devices", func(p *uiPage, a *appState, r *http.Request) (int, error) {
		start, limit, err := pageArgs(r)
		if err != nil {
			return 0, err
		}
		p.Title, p.Query = "Devices", r.URL.Query().Get("q")
		p.Devices = e.deviceList(a, p.Query, start, limit)
		return p.Devices.Total, nil
	})
	page("/ui/devices/{channel_id}", "device", func(p *uiPage, a *appState, r *http.Request) (int, error) {
		start, limit, err := pageArgs(r)
		if err != nil {
			return 0, err
		}
		id := r.PathValue("channel_id")
		if !isChannelID(id) {
			return 0, badRequest("%q is not a channel id (1–64 digits)", short(id))
		}
		p.Title, p.ChannelID = "Device "+id, id
		p.Device, p.Known = e.device(a, id)
		inbox := e.inbox(a, id, start, limit)
		for _, d := range inbox.Items {
			p.Inbox = append(p.Inbox, drawn(d, a.platform))
		}
		return inbox.Total, nil
	})
	page("/ui/messages", "messages", func(p *uiPage, a *appState, r *http.Request) (int, error) {
		start, limit, err := pageArgs(r)
		if err != nil {
			return 0, err
		}
		p.Title, p.Messages = "Messages", e.messageList(a, start, limit)
		return p.Messages.Total, nil
	})
	page("/ui/messages/{msg_id}", "message", func(p *uiPage, a *appState, r *http.Request) (int, error) {
		start, limit, err := pageArgs(r)
		if err != nil {
			return 0, err
		}
		id := r.PathValue("msg_id")
		v, ok := e.message(a, id, start, limit)
		if !ok {
			return 0, notFound("no message %s: unknown, cancelled, or forgotten past the emulator's limit of messages", short(id))
		}
		p.Title, p.Message = "Message "+id, v
		return v.TargetIDs.Total, nil
	})
	page("/ui/tags", "tags", func(p *uiPage, a *appState, r *http.Request) (int, error) {
		start, limit, err := pageArgs(r)
		if err != nil {
			return 0, err
		}
		p.Title, p.Tags = "Tags", e.tagList(a, start, limit)
		return p.Tags.Total, nil
	})
	page("/ui/tags/{tag}", "tag", func(p *uiPage, a *appState, r *http.Request) (int, error) {
		start, limit, err := pageArgs(r)
		if err != nil {
			return 0, err
		}
		name := r.PathValue("tag")
		members, ok := e.tagMembers(a, name, start, limit)
		if !ok {
			return 0, notFound("no tag %q", short(name))
		}
		p.Title, p.Tag, p.Members = "Tag "+name, name, members
		return members.Total, nil
	})
	page("/ui/timers", "timers", func(p *uiPage, a *appState, r *http.Request) (int, error) {
		start, limit, err := pageArgs(r)
		if err != nil {
			return 0, err
		}
		p.State = r.URL.Query().Get("state")
		if p.State != "" && p.State != "pending" && p.State != "fired" && p.State != "cancelled" {
			return 0, badRequest("state: want pending, fired or cancelled")
		}
		p.Title, p.States, p.Timers = "Timers", []string{"pending", "fired", "cancelled"}, e.timerList(a, p.State, start, limit)
		return p.Timers.Total, nil
	})
	page("/ui/topics", "topics", func(p *uiPage, a *appState, r *http.Request) (int, error) {
		start, limit, err := pageArgs(r)
		if err != nil {
			return 0, err
		}
		p.Title, p.Topics = "Topics", e.topicList(a, start, limit)
		return p.Topics.Total, nil
	})
	page("/ui/stats", "stats", func(p *uiPage, a *appState, r *http.Request) (int, error) {
		p.Title, p.Stats = "Statistics", e.stats(a)
		return 0, nil
	})
	m.HandleFunc("/ui/", func(w http.ResponseWriter, r *http.Request) {
		e.renderError(w, r, &apiErr{http.StatusNotFound, "no such page: " + short(r.URL.Path)})
	})
}

// renderPage renders one page; fill sets its fields and returns the size
// of its list, for the pager.
func (e *Emulator) renderPage(w http.ResponseWriter, r *http.Request, tmpl string, fill func(*uiPage, *appState, *http.Request) (int, error)) {
	a, err := e.appArg(r)
	if err != nil {
		e.renderError(w, r, err)
		return
	}
	p := e.newPage(a, r)
	total, err := fill(p, a, r)
	if err != nil {
		e.renderError(w, r, err)
		return
	}
	start, limit, _ := pageArgs(r)
	p.Pager = makePager(r.URL, total, start, limit)
	render(w, http.StatusOK, tmpl, p)
}

func (e *Emulator) newPage(a *appState, r *http.Request) *uiPage {
	p := &uiPage{App: a.key, Platform: a.platform.String(), Now: e.clock.now(), AppKey: r.URL.Query().Get("app")}
	if p.AppKey != "" {
		p.AppQuery, p.AppAmp = "?app="+url.QueryEscape(p.AppKey), "&app="+url.QueryEscape(p.AppKey)
	}
	for _, n := range []struct{ name, path string }{{"Overview", "/ui/"}, {"Requests", "/ui/requests"}, {"Devices", "/ui/devices"},
		{"Messages", "/ui/messages"}, {"Tags", "/ui/tags"}, {"Timers", "/ui/timers"}, {"Topics", "/ui/topics"}, {"Statistics", "/ui/stats"}} {
		on := r.URL.Path == n.path || n.path != "/ui/" && strings.HasPrefix(r.URL.Path, n.path+"/")
		p.Nav = append(p.Nav, navItem{Name: n.name, Href: n.path + p.AppQuery, On: on})
	}
	return p
}

func (e *Emulator) renderError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	if ae, ok := err.(*apiErr); ok {
		status = ae.status
	}
	e.mu.Lock()
	a := e.def
	e.mu.Unlock()
	p := e.newPage(a, r)
	p.Title, p.Detail = http.StatusText(status), err.Error()
	render(w, status, "notfound", p)
}

// render writes a page, or a plain error if the template fails.
func render(w http.ResponseWriter, status int, tmpl string, p *uiPage) {
	var buf bytes.Buffer
	if err := uiPages[tmpl].ExecuteTemplate(&buf, "layout", p); err != nil {
		http.Error(w, "rendering "+tmpl+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// makePager links the previous and next pages of a list of total items.
func makePager(u *url.URL, total, start, limit int) pager {
	from, to := window(total, start, limit)
	p := pager{Total: total, From: min(from+1, to), To: to}
	link := func(s int) string {
		q := u.Query()
		q.Set("start", strconv.Itoa(s))
		return u.Path + "?" + q.Encode()
	}
	if from > 0 {
		p.Prev = link(max(0, from-limit))
	}
	if to < total {
		p.Next = link(to)
	}
	return p
}

// drawn turns a delivery into what a phone of the app's platform shows: a
// notification's title and text (Android), alert, badge and sound (iOS);
// a pass-through message as formatted JSON or text.
func drawn(d DeliveryView, platform pushsdk.DeviceType) inboxItem {
	it := inboxItem{Kind: "passthrough", MsgID: d.MsgID, RangeType: d.RangeType, Time: d.Time, Pretty: prettyText(d.Msg)}
	obj, _ := d.JSON.(map[string]any)
	if d.MsgType != pushsdk.MsgTypeNotification.String() || obj == nil {
		return it
	}
	if platform == pushsdk.DeviceIOS {
		it.Kind = "ios"
		aps, _ := obj["aps"].(map[string]any)
		switch alert := aps["alert"].(type) {
		case string:
			it.Body = alert
		case map[string]any:
			it.Title, _ = alert["title"].(string)
			it.Body, _ = alert["body"].(string)
		}
		if b, ok := aps["badge"].(float64); ok {
			it.Badge = strconv.FormatFloat(b, 'f', -1, 64)
		}
		it.Sound, _ = aps["sound"].(string)
		return it
	}
	it.Kind = "android"
	it.Title, _ = obj["title"].(string)
	it.Body, _ = obj["description"].(string)
	return it
}

// prettyText indents JSON; other text comes back as it is.
func prettyText(s string) string {
	var buf bytes.Buffer
	if json.Indent(&buf, []byte(s), "", "  ") == nil {
		return buf.String()
	}
	return s
}

// shortText cuts s to n runes.
func shortText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// shownParamsLine lays a request's parameters out on one line (the
// signature and secrets already masked), long values cut.
func shownParamsLine(p map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(p)) {
		parts = append(parts, k+"="+shortText(p[k], 60))
	}
	return fmt.Sprint(strings.Join(parts, " "))
}
