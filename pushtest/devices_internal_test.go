package pushtest

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBoundPage: a page of the bound devices found by counting bits is the
// page a plain pass over the devices gives, across word boundaries, with
// devices unbound, bound again and never bound.
func TestBoundPage(t *testing.T) {
	a := newAppState("k", "s", pushsdk.DeviceAndroid, time.Now())
	now := time.Now()
	var ids []string
	for i := range 300 {
		ids = append(ids, strconv.Itoa(1000+i))
	}
	a.bind(now, 0, ids...)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 120 {
		a.unbind(now, 0, ids[rng.IntN(len(ids))])
	}
	a.bind(now, 0, ids[5], ids[64], ids[127])
	a.unbind(now, 0, "99999") // known, never bound
	var want []string
	for _, id := range a.deviceOrder {
		if a.devices[id].isBound() {
			want = append(want, id)
		}
	}
	assert.Equal(t, len(want), a.bound)
	assert.LessOrEqual(t, len(a.notBound), (len(a.deviceOrder)+63)/64, "a bit per device, no more")
	for _, start := range []int{0, 1, 63, 64, 65, 100, 127, 128, len(want) - 1, len(want), len(want) + 5} {
		for _, limit := range []int{1, 7, 64, 1000} {
			from, to := window(len(want), start, limit)
			exp := want[from:to]
			if len(exp) == 0 {
				exp = nil
			}
			assert.Equal(t, exp, a.boundPage(start, limit), "start %d limit %d", start, limit)
		}
	}
}

// TestLiveRing: a client that reads late gets a "lost" event for what the
// ring no longer holds, then the latest events, in order; a client reads
// nothing twice; without clients nothing is kept.
func TestLiveRing(t *testing.T) {
	var h hub
	h.publish(liveEvent{Kind: "request"}) // nobody listens: dropped
	cursor, err := h.join(1)
	assert.NoError(t, err)
	assert.Zero(t, cursor)
	_, err = h.join(1)
	assert.ErrorIs(t, err, errTooManyLive)
	select {
	case <-h.wait(cursor):
		t.Fatal("woken without an event")
	default:
	}
	for i := range liveBacklog + 36 {
		h.publish(liveEvent{Kind: "request", Code: i})
	}
	select {
	case <-h.wait(cursor):
	default:
		t.Fatal("not woken by the events")
	}
	events, next := h.since(cursor)
	assert.Equal(t, int64(liveBacklog+36), next)
	assert.Len(t, events, liveBacklog+1)
	assert.Contains(t, string(events[0]), `"kind":"lost","lost":36`)
	assert.Contains(t, string(events[1]), `"code":36`)
	assert.Contains(t, string(events[len(events)-1]), `"code":99`)
	events, _ = h.since(next)
	assert.Empty(t, events, "nothing is read twice")

	// A client that waits is woken by the next event, not before.
	woken := h.wait(next)
	select {
	case <-woken:
		t.Fatal("woken without an event")
	default:
	}
	h.publish(liveEvent{Kind: "delivery"})
	select {
	case <-woken:
	default:
		t.Fatal("not woken by the event")
	}
	h.leave()
	assert.Zero(t, h.count())

	// Exactly a ring's worth behind is nothing lost; one more is one lost.
	var full hub
	start, _ := full.join(1)
	for i := range liveBacklog {
		full.publish(liveEvent{Kind: "request", Code: i + 1})
	}
	events, _ = full.since(start)
	require.Len(t, events, liveBacklog)
	assert.Contains(t, string(events[0]), `"code":1,`)
	full.publish(liveEvent{Kind: "request", Code: liveBacklog + 1})
	events, _ = full.since(start)
	require.Len(t, events, liveBacklog+1)
	assert.Contains(t, string(events[0]), `"kind":"lost","lost":1`)
}

// TestStateHeldAtTheCaps: what the emulator holds (not only what it shows)
// stays at the caps exactly: a device's deliveries and the app's finished
// messages.
func TestStateHeldAtTheCaps(t *testing.T) {
	srv := NewServer(WithDeliveryDelay(0, 0), WithLimits(Limits{Deliveries: 2, Messages: 3}))
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel()
	require.NoError(t, err)
	for i := range 6 {
		_, err := c.PushMsgToSingleDevice(context.Background(), "2", "m"+strconv.Itoa(i), nil)
		require.NoError(t, err)
		srv.Advance(time.Second)
		srv.mu.Lock()
		held := len(srv.def.devices["2"].direct)
		srv.mu.Unlock()
		assert.Equal(t, min(i+1, 2), held, "after push %d", i+1)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	assert.Len(t, srv.def.devices["2"].direct, 2)
	assert.Len(t, srv.def.msgOrder, 3)
	assert.Len(t, srv.def.messages, 3)
}
