package pushtest

import (
	"fmt"
	"slices"
	"time"

	"github.com/bdpush/pushsdk"
)

// App is one app of the emulator: its key pair and platform, and a view of
// what happened to it. Its methods are safe for concurrent use.
type App struct {
	APIKey    string
	SecretKey string
	Platform  pushsdk.DeviceType

	e *Emulator
	s *appState
}

// DefaultApp returns the app the emulator was created with.
func (e *Emulator) DefaultApp() *App { return e.handle(e.def) }

func (e *Emulator) handle(s *appState) *App {
	return &App{APIKey: s.key, SecretKey: s.secret, Platform: s.platform, e: e, s: s}
}

// NewApp adds an app with generated keys on the given platform.
func (e *Emulator) NewApp(platform pushsdk.DeviceType) *App {
	a, err := e.AddApp(randomKey(24), randomKey(32), platform)
	if err != nil {
		panic(err) // generated keys do not collide
	}
	return a
}

// AddApp adds an app with the given keys. Adding a second app with an
// existing API key and the same secret but the other platform emulates an
// app migrated from API 2.0: calls then pick the app with device_type.
func (e *Emulator) AddApp(apiKey, secretKey string, platform pushsdk.DeviceType) (*App, error) {
	if apiKey == "" || secretKey == "" {
		return nil, fmt.Errorf("pushtest: empty key")
	}
	if platform != pushsdk.DeviceAndroid && platform != pushsdk.DeviceIOS {
		return nil, fmt.Errorf("pushtest: platform %v is neither Android nor iOS", platform)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, a := range e.apps[apiKey] {
		if a.secret != secretKey {
			return nil, fmt.Errorf("pushtest: API key %s exists with another secret key", apiKey)
		}
		if a.platform == platform {
			return nil, fmt.Errorf("pushtest: API key %s already has a %s app", apiKey, platform)
		}
	}
	return e.handle(e.addApp(apiKey, secretKey, platform)), nil
}

// Delivery is one message as a device received it.
type Delivery struct {
	MsgID     string
	Msg       string
	MsgType   pushsdk.MsgType
	RangeType pushsdk.RangeType
	TopicID   string // batch pushes filed under a topic
	TimerID   string // timed pushes
	Time      time.Time
}

// Message is one accepted push as the emulator holds it.
type Message struct {
	ID        string
	Msg       string
	MsgType   pushsdk.MsgType
	RangeType pushsdk.RangeType
	Tag       string
	// SmartTag and Selector are those of a smart tag push (push/tags with
	// type 2-6). The selector's grammar is not published: the emulator
	// records such a push and delivers it to no device.
	SmartTag pushsdk.SmartTagType
	Selector string
	TopicID  string
	TimerID  string
	// Targets are the ids a unicast or batch push addressed; nil for a
	// broadcast or a tag push, whose audience is counted, not listed.
	Targets  []string
	Audience int64 // devices addressed, counted when it was dispatched
	Status   pushsdk.MsgStatus
	SendTime time.Time
	Success  int64 // devices reached
	Failed   int64 // targets that were not bound devices
}

// lock catches the app up with the clock and returns the unlock function.
func (a *App) lock() func() {
	a.e.mu.Lock()
	a.e.catchUp(a.e.clock.now())
	return a.e.mu.Unlock
}

// Bind makes channel ids bound devices of the app (re-binding unbound ones).
// Each must be a well-formed channel id (1–64 digits).
func (a *App) Bind(channelIDs ...string) error {
	for _, id := range channelIDs {
		if !isChannelID(id) {
			return fmt.Errorf("pushtest: %q is not a channel id", id)
		}
	}
	defer a.lock()()
	if refused := a.s.bind(a.e.clock.now(), a.e.cfg.limits.Devices, channelIDs...); refused > 0 {
		return fmt.Errorf("pushtest: %d ids not bound: the app holds %d devices, its limit (WithLimits)", refused, a.e.cfg.limits.Devices)
	}
	return nil
}

// Unbind ends the bind relation of channel ids: they leave every tag, get
// nothing more, and a single-device push to one gets 30608 — also without
// [WithRequireBinding].
func (a *App) Unbind(channelIDs ...string) {
	defer a.lock()()
	a.s.unbind(a.e.clock.now(), a.e.cfg.limits.Devices, channelIDs...)
}

// Devices returns the bound devices, in id order.
func (a *App) Devices() []string {
	defer a.lock()()
	return a.s.boundIDs()
}

// Received returns what a device has received, oldest first: unicast and
// batch pushes, and the broadcasts and tag pushes it was in the audience of
// when they were delivered.
func (a *App) Received(channelID string) []Delivery {
	defer a.lock()()
	got := a.s.received(channelID, a.e.cfg.limits.Deliveries)
	if len(got) == 0 {
		return nil
	}
	out := make([]Delivery, len(got))
	for i, r := range got {
		m := r.msg
		out[i] = Delivery{MsgID: m.id, Msg: m.text, MsgType: pushsdk.MsgType(m.msgType), RangeType: pushsdk.RangeType(m.rangeType), Time: r.at}
		if m.topic != nil {
			out[i].TopicID = m.topic.id
		}
		if m.timer != nil {
			out[i].TimerID = m.timer.id
		}
	}
	return out
}

// DeliveryCount returns how many messages a device has received.
func (a *App) DeliveryCount(channelID string) int {
	defer a.lock()()
	return len(a.s.received(channelID, a.e.cfg.limits.Deliveries))
}

// Messages returns every accepted message that was not cancelled, oldest
// first.
func (a *App) Messages() []Message {
	defer a.lock()()
	now := a.e.clock.now()
	var out []Message
	for _, m := range a.s.messages {
		out = append(out, a.message(m, now))
	}
	slices.SortFunc(out, func(x, y Message) int {
		if len(x.ID) != len(y.ID) {
			return len(x.ID) - len(y.ID)
		}
		switch {
		case x.ID < y.ID:
			return -1
		case x.ID > y.ID:
			return 1
		}
		return 0
	})
	return out
}

// Message returns one message by id.
func (a *App) Message(msgID string) (Message, bool) {
	defer a.lock()()
	m := a.s.messages[msgID]
	if m == nil {
		return Message{}, false
	}
	return a.message(m, a.e.clock.now()), true
}

func (a *App) message(m *message, now time.Time) Message {
	out := Message{ID: m.id, Msg: m.text, MsgType: pushsdk.MsgType(m.msgType), RangeType: pushsdk.RangeType(m.rangeType), Tag: m.tag,
		SmartTag: pushsdk.SmartTagType(m.smartType), Selector: m.selector,
		Targets: m.targetList(), Status: pushsdk.MsgStatus(m.status(now, a.e.cfg.pendingFor)), SendTime: m.dispatchAt,
		Success: m.success, Failed: m.failed, Audience: m.audience}
	if m.topic != nil {
		out.TopicID = m.topic.id
	}
	if m.timer != nil {
		out.TimerID = m.timer.id
	}
	return out
}

// TagMembers returns the devices in a tag, in id order; ok is false for an
// unknown tag. The default tag holds every bound device.
func (a *App) TagMembers(tag string) (members []string, ok bool) {
	defer a.lock()()
	if tag == defaultTag {
		return a.s.boundIDs(), true
	}
	t := a.s.tags[tag]
	if t == nil {
		return nil, false
	}
	return t.memberIDs(), true
}

// PendingTimers returns the ids of the timers that have not run yet.
func (a *App) PendingTimers() []string {
	defer a.lock()()
	var out []string
	for _, t := range a.s.pendingTimers() {
		out = append(out, t.id)
	}
	return out
}

// Bind binds channel ids in the default app; see [App.Bind].
func (e *Emulator) Bind(channelIDs ...string) error { return e.DefaultApp().Bind(channelIDs...) }

// Unbind unbinds channel ids in the default app; see [App.Unbind].
func (e *Emulator) Unbind(channelIDs ...string) { e.DefaultApp().Unbind(channelIDs...) }

// Received returns what a device of the default app has received.
func (e *Emulator) Received(channelID string) []Delivery { return e.DefaultApp().Received(channelID) }

// DeliveryCount returns how many messages a device of the default app has
// received.
func (e *Emulator) DeliveryCount(channelID string) int {
	return e.DefaultApp().DeliveryCount(channelID)
}
