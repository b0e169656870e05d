package pushtest

import (
	"encoding/json"
	"errors"
	"sync"
	"time"
)

// liveEvent is what the inspector's live stream (/api/v1/events) sends: a
// request answered, a message delivered, the clock moved, the state reset.
type liveEvent struct {
	Kind     string    `json:"kind"` // request, delivery, clock, reset, lost
	App      string    `json:"app,omitempty"`
	Endpoint string    `json:"endpoint,omitempty"`
	Status   int       `json:"status,omitempty"`
	Code     int       `json:"code,omitempty"`
	MsgID    string    `json:"msg_id,omitempty"`
	Devices  int64     `json:"devices,omitempty"`
	Lost     int64     `json:"lost,omitempty"` // kind lost: events left out because too many came at once
	Time     time.Time `json:"time"`
}

// liveBacklog is how many of the latest events the hub keeps: a client
// that has not read them all when it wakes gets a "lost" event instead of
// the older ones (a busy emulator makes events faster than a page needs
// them). liveBatch is how long a client gathers events before it writes
// them out in one write: a busy emulator costs each live client at most
// ten writes a second. A client that does not read what is written is
// dropped (liveWriteTimeout).
const (
	liveBacklog = 64
	liveBatch   = 100 * time.Millisecond
)

// sseEvent is an event as the stream writes it: "event: kind" and its
// JSON, encoded once for every client, by the first that reads it.
type sseEvent []byte

// slot is an event of the ring, and its encoding once a client read it.
type slot struct {
	ev  liveEvent
	enc sseEvent
}

func encode(ev liveEvent) sseEvent {
	data, _ := json.Marshal(ev)
	return sseEvent("event: " + ev.Kind + "\ndata: " + string(data) + "\n\n")
}

// hub keeps the latest events in a ring, numbered, and wakes the clients
// that wait for the next one. Publishing costs the same whatever the
// number of clients — it copies the event into the ring; it never encodes,
// writes or blocks — and without clients it does nothing.
type hub struct {
	mu      sync.Mutex
	clients int
	ring    [liveBacklog]slot
	seq     int64         // events published so far; the latest is ring[(seq-1)%liveBacklog]
	changed chan struct{} // closed at the next event, when someone waits for it
}

var errTooManyLive = errors.New("too many live clients")

// join adds a client, unless max are there already; it returns the
// client's cursor: the events it has seen.
func (h *hub) join(max int) (int64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.clients >= max {
		return 0, errTooManyLive
	}
	h.clients++
	return h.seq, nil
}

// leave removes a client.
func (h *hub) leave() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clients--
}

// count is the number of clients.
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.clients
}

// publish adds ev to the ring and wakes the clients waiting for it.
func (h *hub) publish(ev liveEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.clients == 0 {
		return
	}
	h.ring[h.seq%liveBacklog] = slot{ev: ev}
	h.seq++
	if h.changed != nil {
		close(h.changed)
		h.changed = nil
	}
}

// wait returns a channel that is closed when an event after cursor exists
// (at once when one does).
func (h *hub) wait(cursor int64) <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seq > cursor {
		done := make(chan struct{})
		close(done)
		return done
	}
	if h.changed == nil {
		h.changed = make(chan struct{})
	}
	return h.changed
}

// since returns the events after cursor, after a "lost" event when the
// ring no longer holds the oldest of them, and the new cursor.
func (h *hub) since(cursor int64) ([]sseEvent, int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []sseEvent
	if lost := h.seq - liveBacklog - cursor; lost > 0 {
		out = append(out, encode(liveEvent{Kind: "lost", Lost: lost, Time: time.Now()}))
		cursor += lost
	}
	for ; cursor < h.seq; cursor++ {
		s := &h.ring[cursor%liveBacklog]
		if s.enc == nil {
			s.enc = encode(s.ev)
		}
		out = append(out, s.enc)
	}
	return out, cursor
}

// publish sends ev to the inspector's live clients.
func (e *Emulator) publish(ev liveEvent) { e.live.publish(ev) }
