package pushtest

import (
	"errors"
	"sync"
	"time"
)

// liveEvent is what the inspector's live stream (/api/v1/events) sends: a
// request answered, a message delivered, the clock moved, the state reset.
type liveEvent struct {
	Kind     string    `json:"kind"` // request, delivery, clock, reset
	App      string    `json:"app,omitempty"`
	Endpoint string    `json:"endpoint,omitempty"`
	Status   int       `json:"status,omitempty"`
	Code     int       `json:"code,omitempty"`
	MsgID    string    `json:"msg_id,omitempty"`
	Devices  int64     `json:"devices,omitempty"`
	Time     time.Time `json:"time"`
}

// liveBuffer is how many events a subscriber may lag behind before it is
// dropped as too slow.
const liveBuffer = 256

// hub hands events to the live subscribers. Publishing never blocks: a
// subscriber whose buffer is full is dropped (its channel closed), so
// that a slow reader cannot slow the emulator.
type hub struct {
	mu   sync.Mutex
	subs map[chan liveEvent]struct{}
}

var errTooManyLive = errors.New("too many live clients")

// subscribe adds a subscriber, unless max are there already.
func (h *hub) subscribe(max int) (chan liveEvent, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) >= max {
		return nil, errTooManyLive
	}
	if h.subs == nil {
		h.subs = map[chan liveEvent]struct{}{}
	}
	ch := make(chan liveEvent, liveBuffer)
	h.subs[ch] = struct{}{}
	return ch, nil
}

// unsubscribe removes a subscriber (once; a dropped one is gone already).
func (h *hub) unsubscribe(ch chan liveEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
}

// count is the number of subscribers.
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// publish hands ev to every subscriber that has room for it, and drops
// those that have not.
func (h *hub) publish(ev liveEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- ev:
		default:
			delete(h.subs, ch)
			close(ch)
		}
	}
}

// publish sends ev to the inspector's live clients.
func (e *Emulator) publish(ev liveEvent) { e.live.publish(ev) }
