package pushtest

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/bdpush/pushsdk"
	"golang.org/x/time/rate"
)

// Option configures an [Emulator] or a [Server]. It has the shape of
// pushsdk.Option: a bad value is an error, and [New] and [NewServer] panic
// with it, as httptest.NewServer does when it cannot start: options are the
// test author's to get right.
type Option func(*config) error

type config struct {
	apiKey, secretKey string
	platform          pushsdk.DeviceType
	requireBinding    bool
	start             time.Time // zero: follow the system clock
	pendingFor        time.Duration
	sendingFor        time.Duration
	rate              rate.Limit
	burst             int
	maxIOS            int
	logger            *slog.Logger
	recordLimit       int   // entries
	recordBytes       int64 // bytes
	maxBody           int64
	limits            Limits
	inspector         bool   // serve /api/v1/ and /ui/
	apiToken          string // needed for actions beyond loopback
	maxSSE            int    // live clients of the inspector at once
}

// Limits caps what the emulator keeps for each app, so that a client with
// the keys cannot grow it without end. A zero field takes its default.
// Past a limit, the emulator either answers as the service would, or
// forgets the oldest, as each field says.
type Limits struct {
	// Devices is how many channel ids an app binds (default 1 000 000).
	// Past it a new id is not bound: a single-device push to one gets
	// 30609 (Bind Number Too Many), a batch push counts it failed,
	// App.Bind returns an error.
	Devices int
	// Messages is how many accepted messages an app keeps, with their
	// targets (default 200; a full batch push holds about 200 KB). The
	// oldest that have been delivered are forgotten: their status is no
	// longer known (QueryMsgStatus leaves them out); pending ones and
	// timers are kept.
	Messages int
	// Deliveries is how many messages a device keeps in its inbox, the
	// newest (default 100).
	Deliveries int
	// Tags is how many tags an app has (default 10 000); past it creating
	// one gets 30602.
	Tags int
	// Topics is how many topics an app keeps (default 1 000); the oldest
	// is forgotten for a new one.
	Topics int
	// Timers is how many timers that fired or were cancelled an app keeps
	// for the inspector, the newest (default 1 000); pending ones are at
	// most 10, as the service allows (41003).
	Timers int
}

// DefaultLimits are the limits an emulator has unless WithLimits changes
// them.
var DefaultLimits = Limits{Devices: 1_000_000, Messages: 200, Deliveries: 100, Tags: 10_000, Topics: 1_000, Timers: 1_000}

// withDefaults fills the zero fields in.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	for _, f := range []struct{ v, def *int }{{&l.Devices, &d.Devices}, {&l.Messages, &d.Messages}, {&l.Deliveries, &d.Deliveries},
		{&l.Tags, &d.Tags}, {&l.Topics, &d.Topics}, {&l.Timers, &d.Timers}} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return l
}

// WithLimits sets the caps on what the emulator keeps per app (see
// [Limits]); zero fields keep their defaults.
func WithLimits(l Limits) Option {
	return func(c *config) error {
		for name, v := range map[string]int{"Devices": l.Devices, "Messages": l.Messages, "Deliveries": l.Deliveries,
			"Tags": l.Tags, "Topics": l.Topics, "Timers": l.Timers} {
			if v < 0 {
				return fmt.Errorf("WithLimits: %s %d is negative", name, v)
			}
		}
		c.limits = l.withDefaults()
		return nil
	}
}

// WithKeys sets the default app's key pair instead of generated keys.
func WithKeys(apiKey, secretKey string) Option {
	return func(c *config) error {
		if apiKey == "" || secretKey == "" {
			return fmt.Errorf("WithKeys: empty key")
		}
		c.apiKey, c.secretKey = apiKey, secretKey
		return nil
	}
}

// WithPlatform sets the default app's platform (default Android).
func WithPlatform(t pushsdk.DeviceType) Option {
	return func(c *config) error {
		if t != pushsdk.DeviceAndroid && t != pushsdk.DeviceIOS {
			return fmt.Errorf("WithPlatform: %v is neither Android nor iOS", t)
		}
		c.platform = t
		return nil
	}
}

// WithRequireBinding makes only explicitly bound channel ids (see
// [App.Bind]) valid devices: a single-device push to any other id gets 30608,
// and batch pushes fail for them. Without it, any well-formed channel id
// the emulator has not seen counts as a bound device.
func WithRequireBinding() Option {
	return func(c *config) error { c.requireBinding = true; return nil }
}

// WithFrozenClock starts the emulator's clock frozen at start; only
// [Emulator.Advance] moves it. Without it the clock follows the system
// clock (plus whatever Advance added). Either way, clients must sign with
// the emulator's time, as the Channels of [Server.NewChannel] do; see the
// package documentation on time.
func WithFrozenClock(start time.Time) Option {
	return func(c *config) error {
		if start.IsZero() {
			return fmt.Errorf("WithFrozenClock: zero time")
		}
		c.start = start
		return nil
	}
}

// WithDeliveryDelay sets how long an accepted message stays pending (status
// 1) and then sending (status 2) before it is delivered and sent (status 0).
// The default is one second each; zero delivers at once.
func WithDeliveryDelay(pending, sending time.Duration) Option {
	return func(c *config) error {
		if pending < 0 || sending < 0 {
			return fmt.Errorf("WithDeliveryDelay: negative delay")
		}
		c.pendingFor, c.sendingFor = pending, sending
		return nil
	}
}

// WithRateLimit answers 30699 (Requests Are Too Frequent) to calls of an
// app beyond perSecond on average, with bursts of burst; in real time.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(c *config) error {
		if !(perSecond > 0) || burst < 1 {
			return fmt.Errorf("WithRateLimit: need perSecond > 0 and burst >= 1")
		}
		c.rate, c.burst = rate.Limit(perSecond), burst
		return nil
	}
}

// WithMaxIOSMessageBytes lowers the size limit of iOS messages below the
// service's 4096 bytes (e.g. 256, as old iOS devices need).
func WithMaxIOSMessageBytes(n int) Option {
	return func(c *config) error {
		if n < 1 || n > maxMsgBytes {
			return fmt.Errorf("WithMaxIOSMessageBytes: %d is outside 1-4096", n)
		}
		c.maxIOS = n
		return nil
	}
}

// WithLogger logs each request in one line at info level.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.logger = l; return nil }
}

// WithMaxBody caps a request body (default 2 MiB; a full batch of 10 000
// ids is about 300 KB); a larger one gets 30602.
func WithMaxBody(n int64) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("WithMaxBody: %d is not positive", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithRequestLog keeps the last requests for [Emulator.Requests]: at most
// maxEntries of them, holding at most about maxBytes (default 10 000 and
// 32 MiB). The oldest go first; 0 keeps none. A request that failed
// authentication is kept without its parameters.
func WithRequestLog(maxEntries int, maxBytes int64) Option {
	return func(c *config) error {
		if maxEntries < 0 || maxBytes < 0 {
			return fmt.Errorf("WithRequestLog: negative size")
		}
		c.recordLimit, c.recordBytes = maxEntries, maxBytes
		return nil
	}
}
