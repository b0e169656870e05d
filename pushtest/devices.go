package pushtest

import (
	mathbits "math/bits"
	"slices"
	"time"
)

// device is one channel id the emulator knows: when it was bound, and what
// it received by unicast or batch push. Broadcasts and tag pushes are not
// recorded per device: a device's share of them is worked out when asked
// (appState.received), so that a broadcast to a million devices costs one
// record.
type device struct {
	spans  []span     // when it was bound, oldest first
	direct []delivery // unicast and batch deliveries, oldest first
	pos    int        // its index in appState.deviceOrder
}

// span is a time something held: [from, to), to zero while it holds.
type span struct{ from, to time.Time }

func (d *device) isBound() bool { return len(d.spans) > 0 && d.spans[len(d.spans)-1].to.IsZero() }

// covers reports whether one of spans holds at t.
func covers(spans []span, t time.Time) bool {
	for _, s := range spans {
		if !t.Before(s.from) && (s.to.IsZero() || t.Before(s.to)) {
			return true
		}
	}
	return false
}

type delivery struct {
	msg *message
	at  time.Time
}

// tag is a tag group and the history of its members.
type tag struct {
	tid     int64
	name    string
	created time.Time
	members map[string][]span // when each device was in the tag
	order   []string          // every id that was ever a member, in the order it first joined
	size    int               // members now
}

func (t *tag) has(id string) bool {
	s := t.members[id]
	return len(s) > 0 && s[len(s)-1].to.IsZero()
}

func (t *tag) add(id string, now time.Time) bool {
	if t.has(id) {
		return false
	}
	if _, seen := t.members[id]; !seen {
		t.order = append(t.order, id)
	}
	t.members[id] = append(t.members[id], span{from: now})
	t.size++
	return true
}

func (t *tag) remove(id string, now time.Time) bool {
	if !t.has(id) {
		return false
	}
	s := t.members[id]
	s[len(s)-1].to = now
	t.size--
	return true
}

// memberIDs lists the tag's members now, in id order.
func (t *tag) memberIDs() []string {
	out := make([]string, 0, t.size)
	for id := range t.members {
		if t.has(id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// dayCounts is what happened on one Beijing day: devices bound, unbound and
// bound for the first time ever; devices pushed to and reached, by range
// type. The statistics endpoints read these counters, not the history.
type dayCounts struct {
	binds, unbinds, fresh int64
	push, ack             [8]int64
}

// day returns the counters of t's day.
func (a *appState) day(t time.Time) *dayCounts {
	key := dayStart(t).Unix()
	d := a.days[key]
	if d == nil {
		d = &dayCounts{}
		a.days[key] = d
	}
	return d
}

// bind marks ids as bound devices, but no new id beyond limit devices (0:
// no limit): it returns how many ids were refused for it.
func (a *appState) bind(now time.Time, limit int, ids ...string) (refused int) {
	for _, id := range ids {
		d := a.devices[id]
		switch {
		case d == nil:
			if !a.addDevice(id, limit) {
				refused++
				continue
			}
			d = a.devices[id]
			a.day(now).fresh++
		case d.isBound():
			continue
		}
		d.spans = append(d.spans, span{from: now})
		a.bound++
		a.notBound.set(d.pos, false)
		a.day(now).binds++
	}
	return refused
}

// addDevice adds a device the emulator has not seen, unless the app holds
// limit devices already (0: no limit).
func (a *appState) addDevice(id string, limit int) bool {
	if limit > 0 && len(a.devices) >= limit {
		return false
	}
	a.devices[id] = &device{pos: len(a.deviceOrder)}
	a.deviceOrder = append(a.deviceOrder, id)
	a.notBound.set(len(a.deviceOrder)-1, true)
	return true
}

// unbind marks ids as unbound; they leave every tag and stay unbound until
// bound again.
func (a *appState) unbind(now time.Time, limit int, ids ...string) {
	for _, id := range ids {
		d := a.devices[id]
		if d == nil {
			a.addDevice(id, limit) // known as unbound, so that it is not bound on the spot later
			continue
		}
		if !d.isBound() {
			continue
		}
		d.spans[len(d.spans)-1].to = now
		a.bound--
		a.notBound.set(d.pos, true)
		a.day(now).unbinds++
		for _, t := range a.tags {
			t.remove(id, now)
		}
	}
}

// boundIDs lists the app's bound devices in id order.
func (a *appState) boundIDs() []string {
	out := make([]string, 0, a.bound)
	for id, d := range a.devices {
		if d.isBound() {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// received lists what a device received, oldest first: its unicast and
// batch deliveries, and each finished broadcast or tag push whose audience
// it was in when the push was delivered; the newest limit of them.
func (a *appState) received(id string, limit int) []delivery {
	d := a.devices[id]
	if d == nil {
		return nil
	}
	out := slices.Clone(d.direct)
	for _, m := range a.fanouts {
		if m.cancelled {
			continue
		}
		in := covers(d.spans, m.doneAt)
		if m.tagState != nil {
			in = covers(m.tagState.members[id], m.doneAt)
		}
		if in {
			out = append(out, delivery{msg: m, at: m.doneAt})
		}
	}
	slices.SortStableFunc(out, func(x, y delivery) int { return x.at.Compare(y.at) })
	if len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out
}

// known reports whether id may be addressed: a bound device, or (unless
// the emulator requires explicit binding) an id never seen, which is bound
// on the spot. An explicitly unbound id is not known.
func (e *Emulator) known(a *appState, id string, now time.Time) bool {
	if d := a.devices[id]; d != nil {
		return d.isBound()
	}
	if e.cfg.requireBinding {
		return false
	}
	return a.bind(now, e.cfg.limits.Devices, id) == 0
}

// bitset is a set of small numbers: the positions of deviceOrder whose
// device is not bound, so that a page of the bound ones is found by
// counting bits, not by looking a million devices up.
type bitset []uint64

func (b *bitset) set(i int, on bool) {
	for i/64 >= len(*b) {
		*b = append(*b, 0)
	}
	if on {
		(*b)[i/64] |= 1 << (i % 64)
	} else {
		(*b)[i/64] &^= 1 << (i % 64)
	}
}

// boundPage returns the bound devices' ids from the start-th, at most
// limit of them, in the order first seen, and how many are bound.
func (a *appState) boundPage(start, limit int) []string {
	var out []string
	skip := start
	for w, bits := range a.notBound {
		base := w * 64
		n := min(64, len(a.deviceOrder)-base)
		if n <= 0 {
			break
		}
		mask := uint64(1)<<n - 1 // n = 64 shifts to 0: all ones
		boundHere := n - mathbits.OnesCount64(bits&mask)
		if skip >= boundHere {
			skip -= boundHere
			continue
		}
		for i := range n {
			if bits&(1<<i) != 0 {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			out = append(out, a.deviceOrder[base+i])
			if len(out) == limit {
				return out
			}
		}
	}
	return out
}
