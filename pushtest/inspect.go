package pushtest

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bdpush/pushsdk"
)

// What the inspector (the JSON API and the web pages) reads of the
// emulator's state: each view is made under the emulator's lock, after
// the clock has caught up, as a page of at most maxPage items.

const (
	defaultPage = 50
	maxPage     = 1000
)

// pageOf is one page of a list.
type pageOf[T any] struct {
	Total int `json:"total"`
	Start int `json:"start"`
	Limit int `json:"limit"`
	Items []T `json:"items"`
}

// window returns the bounds of a page of n items.
func window(n, start, limit int) (int, int) {
	start = min(max(start, 0), n)
	return start, min(start+limit, n)
}

// AppView is an app as the inspector shows it: never its secret key.
type AppView struct {
	APIKey        string `json:"api_key"`
	Platform      string `json:"platform"`
	Devices       int    `json:"devices"`
	Bound         int    `json:"bound"`
	Messages      int    `json:"messages"`
	Tags          int    `json:"tags"`
	Topics        int    `json:"topics"`
	PendingTimers int    `json:"pending_timers"`
}

// DeviceView is a device in a list.
type DeviceView struct {
	ChannelID  string   `json:"channel_id"`
	Bound      bool     `json:"bound"`
	Deliveries int      `json:"deliveries"`
	Tags       []string `json:"tags,omitempty"`
}

// DeliveryView is a message as a device received it.
type DeliveryView struct {
	MsgID   string `json:"msg_id"`
	MsgType string `json:"msg_type"` // notification or message
	Msg     string `json:"msg"`
	// JSON is the message parsed, when it is JSON (a notification always
	// is): what the inspector draws.
	JSON      any       `json:"json,omitempty"`
	RangeType string    `json:"range_type"`
	TopicID   string    `json:"topic_id,omitempty"`
	TimerID   string    `json:"timer_id,omitempty"`
	Time      time.Time `json:"time"`
}

// RequestView is one entry of the request log.
type RequestView struct {
	Time       time.Time         `json:"time"`
	Method     string            `json:"method"`
	Endpoint   string            `json:"endpoint"` // the path below /rest/3.0/, or the path
	Status     int               `json:"status"`
	Code       int               `json:"code"`
	RequestID  int64             `json:"request_id,omitempty"`
	Note       string            `json:"note,omitempty"` // why authentication failed: the 30603 diagnosis
	APIKey     string            `json:"apikey,omitempty"`
	Params     map[string]string `json:"params,omitempty"` // sign and secrets masked
	UserAgent  string            `json:"user_agent,omitempty"`
	RemoteAddr string            `json:"remote_addr,omitempty"`
}

// MessageView is an accepted message.
type MessageView struct {
	MsgID     string    `json:"msg_id"`
	MsgType   string    `json:"msg_type"`
	Msg       string    `json:"msg"`
	JSON      any       `json:"json,omitempty"`
	RangeType string    `json:"range_type"`
	Tag       string    `json:"tag,omitempty"`
	SmartTag  int       `json:"smart_tag,omitempty"`
	Selector  string    `json:"selector,omitempty"`
	TopicID   string    `json:"topic_id,omitempty"`
	TimerID   string    `json:"timer_id,omitempty"`
	Status    string    `json:"status"`
	SendTime  time.Time `json:"send_time"`
	Audience  int64     `json:"audience"`
	Success   int64     `json:"success"`
	Failed    int64     `json:"failed"`
	Targets   int       `json:"targets"`
	// TargetIDs are a page of the ids a unicast or batch push addressed
	// (GET /api/v1/messages/{msg_id} only).
	TargetIDs *pageOf[string] `json:"target_ids,omitempty"`
}

// TagView is a tag.
type TagView struct {
	Tag     string    `json:"tag"`
	TID     string    `json:"tid"`
	Created time.Time `json:"created"`
	Members int       `json:"members"`
}

// TimerView is a timer: pending, fired or cancelled.
type TimerView struct {
	TimerID   string    `json:"timer_id"`
	State     string    `json:"state"` // pending, fired, cancelled
	SendTime  time.Time `json:"send_time"`
	MsgID     string    `json:"msg_id"`
	Msg       string    `json:"msg"`
	MsgType   string    `json:"msg_type"`
	RangeType string    `json:"range_type"`
	Cancelled time.Time `json:"cancelled,omitzero"`
}

// TopicView is a topic of batch pushes.
type TopicView struct {
	TopicID   string    `json:"topic_id"`
	FirstSent time.Time `json:"first_sent"`
	LastSent  time.Time `json:"last_sent"`
	PushCount int64     `json:"push_count"`
	AckCount  int64     `json:"ack_count"`
	Messages  int       `json:"messages"`
}

// StatsView is an app's statistics over the last 30 days, oldest first.
type StatsView struct {
	Days []DayStat `json:"days"`
}

// DayStat is one day (00:00 Beijing time) of an app's statistics.
type DayStat struct {
	Day          time.Time        `json:"day"`
	Bound        int64            `json:"bound"` // new bindings that day
	Unbound      int64            `json:"unbound"`
	TotalDevices int64            `json:"total_devices"`
	Pushed       map[string]int64 `json:"pushed"`    // devices addressed, by range type
	Delivered    map[string]int64 `json:"delivered"` // devices reached, by range type
}

// appFor picks the app a view is about: the one of apiKey, else the
// default app; nil for an unknown key.
func (e *Emulator) appFor(apiKey string) *appState {
	if apiKey == "" {
		return e.def
	}
	if apps := e.apps[apiKey]; len(apps) > 0 {
		return apps[0]
	}
	return nil
}

// view runs f under the lock, the clock caught up.
func (e *Emulator) view(f func(now time.Time)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.now()
	e.catchUp(now)
	f(now)
}

func (e *Emulator) appViews() []AppView {
	var out []AppView
	e.view(func(time.Time) {
		for _, apps := range e.apps {
			for _, a := range apps {
				out = append(out, AppView{APIKey: a.key, Platform: a.platform.String(), Devices: len(a.devices), Bound: a.bound,
					Messages: len(a.messages), Tags: len(a.tags), Topics: len(a.topics), PendingTimers: len(a.pendingTimers())})
			}
		}
	})
	slices.SortFunc(out, func(x, y AppView) int {
		switch {
		case x.APIKey == e.def.key && y.APIKey != e.def.key:
			return -1
		case y.APIKey == e.def.key && x.APIKey != e.def.key:
			return 1
		}
		return strings.Compare(x.APIKey+x.Platform, y.APIKey+y.Platform)
	})
	return out
}

// deviceList is a page of an app's devices in the order first seen; q
// keeps those whose id contains it.
func (e *Emulator) deviceList(a *appState, q string, start, limit int) pageOf[DeviceView] {
	out := pageOf[DeviceView]{Start: start, Limit: limit, Items: []DeviceView{}}
	e.view(func(time.Time) {
		ids := a.deviceOrder
		if q != "" {
			ids = nil
			for _, id := range a.deviceOrder {
				if strings.Contains(id, q) {
					ids = append(ids, id)
				}
			}
		}
		out.Total = len(ids)
		from, to := window(len(ids), start, limit)
		for _, id := range ids[from:to] {
			out.Items = append(out.Items, a.deviceView(id, e.cfg.limits.Deliveries, false))
		}
	})
	return out
}

func (a *appState) deviceView(id string, limit int, withTags bool) DeviceView {
	d := a.devices[id]
	v := DeviceView{ChannelID: id, Bound: d != nil && d.isBound(), Deliveries: len(a.received(id, limit))}
	if withTags && d != nil {
		for _, t := range a.tagOrder {
			if t.has(id) {
				v.Tags = append(v.Tags, t.name)
			}
		}
	}
	return v
}

// device is one device, with its tags; ok is false for an id the app has
// never seen.
func (e *Emulator) device(a *appState, id string) (v DeviceView, ok bool) {
	e.view(func(time.Time) {
		if a.devices[id] != nil {
			v, ok = a.deviceView(id, e.cfg.limits.Deliveries, true), true
		}
	})
	return v, ok
}

// inbox is a page of what a device received, newest first.
func (e *Emulator) inbox(a *appState, id string, start, limit int) pageOf[DeliveryView] {
	out := pageOf[DeliveryView]{Start: start, Limit: limit, Items: []DeliveryView{}}
	e.view(func(time.Time) {
		got := a.received(id, e.cfg.limits.Deliveries)
		slices.Reverse(got)
		out.Total = len(got)
		from, to := window(len(got), start, limit)
		for _, r := range got[from:to] {
			m := r.msg
			v := DeliveryView{MsgID: m.id, MsgType: pushsdk.MsgType(m.msgType).String(), Msg: m.text, JSON: parsedJSON(m.text),
				RangeType: pushsdk.RangeType(m.rangeType).String(), Time: r.at}
			if m.topic != nil {
				v.TopicID = m.topic.id
			}
			if m.timer != nil {
				v.TimerID = m.timer.id
			}
			out.Items = append(out.Items, v)
		}
	})
	return out
}

// parsedJSON is text as JSON, or nil when it is not JSON.
func parsedJSON(text string) any {
	var v any
	if json.Unmarshal([]byte(text), &v) != nil {
		return nil
	}
	return v
}

// requestList is a page of the request log, newest first; endpoint and
// code, when set, keep the matching requests.
func (e *Emulator) requestList(endpoint string, code int, start, limit int) pageOf[RequestView] {
	out := pageOf[RequestView]{Start: start, Limit: limit, Items: []RequestView{}}
	e.mu.Lock()
	log := e.records[e.recHead:]
	var match []*Request
	for i := len(log) - 1; i >= 0; i-- {
		r := &log[i]
		if endpoint != "" && strings.TrimPrefix(r.Path, apiPrefix) != endpoint || code != 0 && r.Code != code {
			continue
		}
		match = append(match, r)
	}
	out.Total = len(match)
	from, to := window(len(match), start, limit)
	views := make([]RequestView, 0, to-from)
	for _, r := range match[from:to] {
		views = append(views, e.requestView(r))
	}
	e.mu.Unlock()
	out.Items = views
	return out
}

// requestView shows a request with the signature and any secret masked;
// e.mu is held.
func (e *Emulator) requestView(r *Request) RequestView {
	v := RequestView{Time: r.Time, Method: r.Method, Endpoint: strings.TrimPrefix(r.Path, apiPrefix), Status: r.Status, Code: r.Code,
		RequestID: r.RequestID, Note: r.Note, UserAgent: r.UserAgent, RemoteAddr: r.RemoteAddr}
	if r.Params != nil {
		v.APIKey = r.Params.Get("apikey")
		v.Params = shownValues(r.Params, e.secrets())
	}
	return v
}

// secrets are the apps' secret keys; e.mu is held.
func (e *Emulator) secrets() map[string]bool {
	out := map[string]bool{}
	for _, apps := range e.apps {
		out[apps[0].secret] = true
	}
	return out
}

// shownValues is params with the signature and anything secret masked.
func shownValues(p url.Values, secrets map[string]bool) map[string]string {
	out := make(map[string]string, len(p))
	for k, vs := range p {
		v := strings.Join(vs, ",")
		if k == "sign" || secrets[v] || strings.Contains(strings.ToLower(k), "secret") {
			v = "***"
		}
		out[k] = v
	}
	return out
}

// messageList is a page of an app's messages, newest first.
func (e *Emulator) messageList(a *appState, start, limit int) pageOf[MessageView] {
	out := pageOf[MessageView]{Start: start, Limit: limit, Items: []MessageView{}}
	e.view(func(now time.Time) {
		var msgs []*message
		for i := len(a.msgOrder) - 1; i >= 0; i-- {
			if m := a.msgOrder[i]; !m.cancelled {
				msgs = append(msgs, m)
			}
		}
		out.Total = len(msgs)
		from, to := window(len(msgs), start, limit)
		for _, m := range msgs[from:to] {
			out.Items = append(out.Items, e.messageView(m, now))
		}
	})
	return out
}

func (e *Emulator) messageView(m *message, now time.Time) MessageView {
	v := MessageView{MsgID: m.id, MsgType: pushsdk.MsgType(m.msgType).String(), Msg: m.text, JSON: parsedJSON(m.text),
		RangeType: pushsdk.RangeType(m.rangeType).String(), Tag: m.tag, SmartTag: m.smartType, Selector: m.selector,
		Status: pushsdk.MsgStatus(m.status(now, e.cfg.pendingFor)).String(), SendTime: m.dispatchAt,
		Audience: m.audience, Success: m.success, Failed: m.failed, Targets: m.ntargets}
	if m.topic != nil {
		v.TopicID = m.topic.id
	}
	if m.timer != nil {
		v.TimerID = m.timer.id
	}
	return v
}

// message is one message with a page of its targets; ok is false for one
// the app does not keep.
func (e *Emulator) message(a *appState, id string, start, limit int) (v MessageView, ok bool) {
	e.view(func(now time.Time) {
		m := a.messages[id]
		if m == nil || m.cancelled {
			return
		}
		v, ok = e.messageView(m, now), true
		ids := m.targetList()
		p := pageOf[string]{Total: len(ids), Start: start, Limit: limit}
		from, to := window(len(ids), start, limit)
		p.Items = append([]string{}, ids[from:to]...)
		v.TargetIDs = &p
	})
	return v, ok
}

func (e *Emulator) tagList(a *appState, start, limit int) pageOf[TagView] {
	out := pageOf[TagView]{Start: start, Limit: limit, Items: []TagView{}}
	e.view(func(time.Time) {
		all := append([]TagView{{Tag: defaultTag, TID: "1", Created: a.created, Members: a.bound}}, make([]TagView, 0, len(a.tagOrder))...)
		for _, t := range a.tagOrder {
			all = append(all, TagView{Tag: t.name, TID: strconv.FormatInt(t.tid, 10), Created: t.created, Members: t.size})
		}
		out.Total = len(all)
		from, to := window(len(all), start, limit)
		out.Items = append(out.Items, all[from:to]...)
	})
	return out
}

// tagMembers is a page of a tag's members in id order; ok is false for an
// unknown tag.
func (e *Emulator) tagMembers(a *appState, name string, start, limit int) (out pageOf[string], ok bool) {
	out = pageOf[string]{Start: start, Limit: limit, Items: []string{}}
	e.view(func(time.Time) {
		// In the order they joined: a page costs a pass over the tag's ids
		// (over the bits of the bound devices for the default tag), never a
		// sort of a million.
		var order []string
		var in func(string) bool
		switch t := a.tags[name]; {
		case name == defaultTag:
			ok, out.Total = true, a.bound
			out.Items = append(out.Items, a.boundPage(start, limit)...)
			return
		case t != nil:
			order, in = t.order, t.has
		default:
			return
		}
		ok = true
		for _, id := range order {
			if !in(id) {
				continue
			}
			if out.Total >= start && len(out.Items) < limit {
				out.Items = append(out.Items, id)
			}
			out.Total++
		}
	})
	return out, ok
}

// timerList is a page of an app's timers, newest first; state keeps
// pending, fired or cancelled ones.
func (e *Emulator) timerList(a *appState, state string, start, limit int) pageOf[TimerView] {
	out := pageOf[TimerView]{Start: start, Limit: limit, Items: []TimerView{}}
	e.view(func(time.Time) {
		var all []TimerView
		for i := len(a.timerOrder) - 1; i >= 0; i-- {
			t := a.timerOrder[i]
			v := TimerView{TimerID: t.id, State: "pending", SendTime: t.sendTime, MsgID: t.msg.id, Msg: t.msg.text,
				MsgType: pushsdk.MsgType(t.msg.msgType).String(), RangeType: pushsdk.RangeType(t.msg.rangeType).String(), Cancelled: t.cancelled}
			switch {
			case !t.cancelled.IsZero():
				v.State = "cancelled"
			case t.executed:
				v.State = "fired"
			}
			if state == "" || state == v.State {
				all = append(all, v)
			}
		}
		out.Total = len(all)
		from, to := window(len(all), start, limit)
		out.Items = append(out.Items, all[from:to]...)
	})
	return out
}

func (e *Emulator) topicList(a *appState, start, limit int) pageOf[TopicView] {
	out := pageOf[TopicView]{Start: start, Limit: limit, Items: []TopicView{}}
	e.view(func(time.Time) {
		out.Total = len(a.topicOrder)
		from, to := window(len(a.topicOrder), start, limit)
		for _, t := range a.topicOrder[from:to] {
			out.Items = append(out.Items, TopicView{TopicID: t.id, FirstSent: t.ctime, LastSent: t.mtime, PushCount: t.pushCnt, AckCount: t.ackCnt, Messages: len(t.msgs)})
		}
	})
	return out
}

// stats are an app's last 30 days, from its day counters.
func (e *Emulator) stats(a *appState) StatsView {
	var out StatsView
	e.view(func(now time.Time) {
		var total int64
		keys := make([]int64, 0, len(a.days))
		for k := range a.days {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		next := 0
		for _, d := range statDayKeys(now) {
			for ; next < len(keys) && keys[next] <= d.Unix(); next++ {
				c := a.days[keys[next]]
				total += c.binds - c.unbinds
			}
			st := DayStat{Day: d, TotalDevices: total, Pushed: map[string]int64{}, Delivered: map[string]int64{}}
			if c := a.days[d.Unix()]; c != nil {
				st.Bound, st.Unbound = c.binds, c.unbinds
				for rt := range c.push {
					if c.push[rt] != 0 || c.ack[rt] != 0 {
						name := pushsdk.RangeType(rt).String()
						st.Pushed[name], st.Delivered[name] = c.push[rt], c.ack[rt]
					}
				}
			}
			out.Days = append(out.Days, st)
		}
	})
	return out
}
