package pushtest

import (
	"container/heap"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bdpush/pushsdk"
	"golang.org/x/time/rate"
)

// beijing is the zone of the service's statistics days.
var beijing = time.FixedZone("CST", 8*3600)

// dayStart returns 00:00 Beijing time of t's day.
func dayStart(t time.Time) time.Time {
	y, m, d := t.In(beijing).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, beijing)
}

// statDays is how many days the statistics endpoints report.
const statDays = 30

// maxPendingTimers is the per-app limit on pending timers (41003).
const maxPendingTimers = 10

// clock is the emulator's time: the system clock plus an offset moved by
// Advance, or a frozen time moved only by Advance.
type clock struct {
	frozen atomic.Bool
	at     atomic.Int64 // frozen time, unix nanoseconds
	offset atomic.Int64 // added to the system clock
}

func (c *clock) now() time.Time {
	if c.frozen.Load() {
		return time.Unix(0, c.at.Load())
	}
	return time.Now().Add(time.Duration(c.offset.Load()))
}

func (c *clock) advance(d time.Duration) {
	if c.frozen.Load() {
		c.at.Add(int64(d))
	} else {
		c.offset.Add(int64(d))
	}
}

// appState is one app: its keys, platform and everything it has done.
type appState struct {
	key, secret string
	platform    pushsdk.DeviceType
	created     time.Time
	limiter     *rate.Limiter

	devices     map[string]*device
	deviceOrder []string             // every id in devices, in the order first seen
	notBound    bitset               // the positions in deviceOrder of devices not bound now
	bound       int                  // devices bound now
	days        map[int64]*dayCounts // by the start of a Beijing day, in unix seconds
	fanouts     []*message           // broadcasts and tag pushes that finished: one aggregate each
	tags        map[string]*tag
	tagOrder    []*tag
	messages    map[string]*message
	msgOrder    []*message // the messages kept, oldest first (Limits.Messages)
	timers      map[string]*timer
	timerOrder  []*timer // pending timers and the last ones that fired or were cancelled (Limits.Timers)
	topics      map[string]*topic
	topicOrder  []*topic
}

func newAppState(key, secret string, platform pushsdk.DeviceType, now time.Time) *appState {
	return &appState{
		key: key, secret: secret, platform: platform, created: now,
		devices: map[string]*device{}, days: map[int64]*dayCounts{}, tags: map[string]*tag{}, messages: map[string]*message{},
		timers: map[string]*timer{}, topics: map[string]*topic{},
	}
}

type timer struct {
	id        string
	msg       *message
	sendTime  time.Time
	executed  bool
	cancelled time.Time // when it was cancelled; zero if it was not
}

type topic struct {
	id           string
	ctime, mtime time.Time
	pushCnt      int64
	ackCnt       int64
	ackKnown     bool
	msgs         []*message
	ackByDay     map[int64]int64 // devices reached, by Beijing day
}

// message is one accepted push.
type message struct {
	id         string
	app        *appState
	text       string
	msgType    int
	rangeType  int
	tag        string // tag pushes: the tag
	tagState   *tag   // and the tag itself, resolved at dispatch (nil: default)
	smartType  int    // smart tag pushes: the type (2-6); they reach no device
	selector   string // and the selector
	topic      *topic
	timer      *timer
	targets    string // unicast and batch pushes: the ids addressed, one a line (compact)
	ntargets   int
	audience   int64 // the devices addressed, counted at dispatch
	accepted   time.Time
	dispatchAt time.Time // its send_time
	doneAt     time.Time
	dispatched bool
	final      bool
	cancelled  bool
	evicted    bool // forgotten past Limits.Messages
	success    int64
	failed     int64
}

// status is the message's state at now, after catch-up.
func (m *message) status(now time.Time, pending time.Duration) int {
	switch {
	case m.final && m.success == 0 && m.failed > 0:
		return int(pushsdk.StatusFailed)
	case m.final:
		return int(pushsdk.StatusSent)
	case now.Before(m.dispatchAt.Add(pending)):
		return int(pushsdk.StatusPending)
	}
	return int(pushsdk.StatusSending)
}

// event is something the clock makes happen: a message is dispatched
// (targets resolved; a timer fires) or finished (delivered).
type event struct {
	at   time.Time
	seq  uint64 // keeps events at the same time in order of creation
	msg  *message
	kind int
}

const (
	evDispatch = iota
	evFinish
)

type eventHeap []event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// schedule queues an event; e.mu is held.
func (e *Emulator) schedule(at time.Time, m *message, kind int) {
	e.eventSeq++
	heap.Push(&e.events, event{at: at, seq: e.eventSeq, msg: m, kind: kind})
}

// catchUp makes everything happen that is due by now; e.mu is held.
func (e *Emulator) catchUp(now time.Time) {
	for len(e.events) > 0 && !e.events[0].at.After(now) {
		ev := heap.Pop(&e.events).(event)
		m := ev.msg
		if m.cancelled {
			continue
		}
		switch ev.kind {
		case evDispatch:
			e.dispatch(m, ev.at)
		case evFinish:
			e.finish(m, ev.at)
		}
	}
}

// dispatch resolves a message's audience at its send time and schedules its
// delivery. A broadcast or a tag push is one aggregate: its audience is a
// count, not a list, whatever the number of devices.
func (e *Emulator) dispatch(m *message, at time.Time) {
	a := m.app
	switch {
	case m.fanout() && m.tag != "" && m.tag != defaultTag:
		if t := a.tags[m.tag]; t != nil {
			m.tagState, m.audience = t, int64(t.size)
		}
	case m.fanout():
		m.audience = int64(a.bound)
	default:
		m.audience = int64(m.ntargets)
	}
	m.dispatched = true
	if m.timer != nil {
		m.timer.executed = true
		e.evictTimers(a)
	}
	a.day(at).push[m.rangeType] += m.audience
	m.doneAt = at.Add(e.cfg.pendingFor + e.cfg.sendingFor)
	e.schedule(m.doneAt, m, evFinish)
}

// targetList returns the ids a unicast or batch push addressed; nil for
// others.
func (m *message) targetList() []string {
	if m.targets == "" {
		return nil
	}
	return strings.Split(m.targets, "\n")
}

// fanout reports whether m is a broadcast or a tag push (not a smart tag).
func (m *message) fanout() bool {
	return m.rangeType == int(pushsdk.RangeBroadcast) || m.rangeType == int(pushsdk.RangeTag)
}

// finish delivers a message: to each bound target of a unicast or batch
// push, one record per device; to the audience of a broadcast or tag push
// as it is at that moment, one aggregate for all of them (see
// appState.received).
func (e *Emulator) finish(m *message, at time.Time) {
	a := m.app
	switch {
	case m.fanout() && m.tagState != nil:
		m.success = int64(m.tagState.size)
		a.fanouts = append(a.fanouts, m)
	case m.fanout() && (m.tag == "" || m.tag == defaultTag):
		m.success = int64(a.bound)
		a.fanouts = append(a.fanouts, m)
	default:
		limit := e.cfg.limits.Deliveries
		for id := range strings.SplitSeq(m.targets, "\n") {
			d := a.devices[id]
			if d == nil || !d.isBound() {
				m.failed++
				continue
			}
			if len(d.direct) >= limit {
				n := copy(d.direct, d.direct[len(d.direct)-limit+1:])
				clear(d.direct[n:])
				d.direct = d.direct[:n]
			}
			d.direct = append(d.direct, delivery{msg: m, at: at})
			m.success++
		}
	}
	m.final = true
	e.publish(liveEvent{Kind: "delivery", App: a.key, MsgID: m.id, Devices: m.success, Time: at})
	a.day(at).ack[m.rangeType] += m.success
	if t := m.topic; t != nil {
		if !t.ackKnown {
			t.ackKnown, t.ackCnt = true, 0
		}
		t.ackCnt += m.success
		if t.ackByDay == nil {
			t.ackByDay = map[int64]int64{}
		}
		t.ackByDay[dayStart(at).Unix()] += m.success
	}
}

func (e *Emulator) newMsgID() string {
	e.nextMsg++
	return strconv.FormatUint(e.nextMsg, 10)
}

func (e *Emulator) newTimerID() string {
	e.nextTimer++
	return strconv.FormatUint(e.nextTimer, 10)
}

// accept records a push and schedules it: now, or at sendTime for a timer.
func (e *Emulator) accept(a *appState, m *message, now, sendTime time.Time) {
	m.id = e.newMsgID()
	m.app = a
	m.accepted = now
	a.messages[m.id] = m
	a.msgOrder = append(a.msgOrder, m)
	defer e.evictMessages(a)
	if !sendTime.IsZero() {
		m.dispatchAt = sendTime
		m.timer = &timer{id: e.newTimerID(), msg: m, sendTime: sendTime}
		a.timers[m.timer.id] = m.timer
		a.timerOrder = append(a.timerOrder, m.timer)
		e.evictTimers(a)
		e.schedule(sendTime, m, evDispatch)
		return
	}
	m.dispatchAt = now
	e.schedule(now, m, evDispatch)
	e.catchUp(now)
}

// evictMessages forgets the oldest messages beyond Limits.Messages that
// have been delivered (or cancelled): they leave the status queries, the
// broadcasts a device works out its inbox from, and their topic's
// records; a device keeps its own deliveries (Limits.Deliveries).
func (e *Emulator) evictMessages(a *appState) {
	limit := e.cfg.limits.Messages
	if len(a.msgOrder) <= limit {
		return
	}
	excess := len(a.msgOrder) - limit
	kept := a.msgOrder[:0]
	evictedFanout := false
	topics := map[*topic]bool{}
	for _, m := range a.msgOrder {
		if excess > 0 && (m.final || m.cancelled) {
			excess--
			m.evicted = true
			m.targets = ""
			delete(a.messages, m.id)
			evictedFanout = evictedFanout || m.fanout()
			if m.topic != nil {
				topics[m.topic] = true
			}
			continue
		}
		kept = append(kept, m)
	}
	clear(a.msgOrder[len(kept):])
	a.msgOrder = kept
	if evictedFanout {
		a.fanouts = slices.DeleteFunc(a.fanouts, func(m *message) bool { return m.evicted })
	}
	for t := range topics {
		t.msgs = slices.DeleteFunc(t.msgs, func(m *message) bool { return m.evicted })
	}
}

// evictTimers keeps the pending timers and the newest Limits.Timers of
// those that fired or were cancelled.
func (e *Emulator) evictTimers(a *appState) {
	done := 0
	for _, t := range a.timerOrder {
		if t.executed || !t.cancelled.IsZero() {
			done++
		}
	}
	excess := done - e.cfg.limits.Timers
	if excess <= 0 {
		return
	}
	a.timerOrder = slices.DeleteFunc(a.timerOrder, func(t *timer) bool {
		if excess > 0 && (t.executed || !t.cancelled.IsZero()) {
			excess--
			delete(a.timers, t.id)
			return true
		}
		return false
	})
}

func (a *appState) pendingTimers() []*timer {
	var out []*timer
	for _, t := range a.timerOrder {
		if !t.executed && t.cancelled.IsZero() {
			out = append(out, t)
		}
	}
	return out
}
