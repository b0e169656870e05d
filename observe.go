package pushsdk

import (
	"context"
	"log/slog"
	"time"
)

// Observer watches what a Channel does, at a few fixed points of its
// pipeline, as [net/http/httptrace.ClientTrace] watches an HTTP request:
// a call starts and ends, each HTTP attempt starts and ends, the rate
// limiter made an attempt wait, a retry is scheduled, and a fan-out starts,
// ends each batch, and ends. Every field is optional. A Start hook returns
// the ctx the rest of the call runs with (to carry a span, say); the hooks
// after it get that ctx.
//
// Install observers with [WithObserver]; [WithLogger] is one, and
// github.com/bdpush/pushsdk/pushotel is one for OpenTelemetry. A Channel
// without observers pays nothing for them. The hooks run on the calling
// goroutine, in the order above, and must not block; a Channel used by
// many goroutines calls them concurrently. What they are given never holds
// the secret key, the signature or the message text: only its size.
type Observer struct {
	// CallStart is called when a method starts, before its arguments are
	// checked.
	CallStart func(ctx context.Context, info CallStart) context.Context
	// CallEnd is called when it returns.
	CallEnd func(ctx context.Context, info CallEnd)
	// RateLimitWait is called after the rate limiter let an attempt start
	// (or refused to).
	RateLimitWait func(ctx context.Context, info RateLimitWait)
	// AttemptStart is called before each HTTP attempt.
	AttemptStart func(ctx context.Context, info AttemptStart) context.Context
	// AttemptEnd is called after it, with its outcome.
	AttemptEnd func(ctx context.Context, info AttemptEnd)
	// RetryScheduled is called when a failed attempt will be retried, before
	// the backoff.
	RetryScheduled func(ctx context.Context, info RetryScheduled)
	// FanoutStart is called when a fan-out (PushToDevices, TagDevices,
	// UntagDevices) has checked its arguments and starts sending; its calls
	// run under the ctx it returns.
	FanoutStart func(ctx context.Context, info FanoutStart) context.Context
	// BatchEnd is called when a batch of a fan-out has its outcome.
	BatchEnd func(ctx context.Context, info BatchEnd)
	// FanoutEnd is called when the fan-out returns.
	FanoutEnd func(ctx context.Context, info FanoutEnd)
}

// CallStart describes a call that starts.
type CallStart struct {
	Endpoint string // the REST path after /rest/3.0/, e.g. "push/single_device"
	Query    bool   // a query (retried on transport errors and 5xx), not a push or a change
	MsgBytes int    // the size of the message of a push; 0 for other calls
	IDs      int    // the channel ids of a batch push or a tag-device call; 0 for others
}

// CallEnd describes a call that returns.
type CallEnd struct {
	Endpoint  string
	Attempts  int           // HTTP attempts made (0 when the arguments were refused)
	RequestID int64         // the last answer's request id, 0 for none
	MsgID     string        // a push's message id, when it succeeded
	Duration  time.Duration // from CallStart, retries and waits included
	Err       error         // nil, or the call's *ChannelError
}

// Outcome classifies the call as [Outcome] does its error.
func (e CallEnd) Outcome() string { return Outcome(e.Err) }

// RateLimitWait describes the rate limiter's answer to an attempt.
type RateLimitWait struct {
	Endpoint string
	Attempt  int           // from 1
	Wait     time.Duration // how long the limiter held the attempt
	Err      error         // the limiter refused (ctx ended, its store failed): the attempt is not made
}

// AttemptStart describes an HTTP attempt about to be made.
type AttemptStart struct {
	Endpoint string
	Attempt  int    // from 1
	Method   string // "POST"
	URL      string // the URL posted to: scheme, host, port, path; no query, no credentials
}

// AttemptEnd describes an HTTP attempt that ended.
type AttemptEnd struct {
	Endpoint   string
	Attempt    int
	StatusCode int   // HTTP status, 0 when no answer came
	Code       int   // the service's error_code or an SDK code (1–5); 0 on success
	RequestID  int64 // 0 for none
	Duration   time.Duration
	Err        error // nil, or the attempt's *ChannelError
	// MaybeProcessed is [ChannelError.MaybeProcessed] of Err: the attempt
	// failed but may have taken effect.
	MaybeProcessed bool
}

// RetryScheduled describes a retry about to be waited for.
type RetryScheduled struct {
	Endpoint string
	Attempt  int           // the attempt that failed; the retry is Attempt+1
	Backoff  time.Duration // the wait before the retry
	Err      error         // why the attempt failed (a *ChannelError)
}

// FanoutStart describes a fan-out that starts sending.
type FanoutStart struct {
	Method   string // "PushToDevices", "TagDevices" or "UntagDevices"
	Endpoint string // the endpoint of its calls: "push/batch_device", …
	IDs      int    // distinct ids
	Batches  int
	MsgBytes int // PushToDevices: the size of the message
}

// BatchEnd describes a batch of a fan-out that has its outcome.
type BatchEnd struct {
	Method  string
	Batch   int // its index in the fan-out, from 0
	IDs     int
	Outcome string // "ok", "failed" or "uncertain", as [Outcome] names them
	Err     error
}

// FanoutEnd describes a fan-out that returns: its ids by outcome.
type FanoutEnd struct {
	Method                       string
	IDs                          int
	Succeeded, Failed, Uncertain int
	Duration                     time.Duration
	Err                          error
}

// joinObservers makes one Observer of several: nil for none, the one
// itself for one.
func joinObservers(obs []*Observer) *Observer {
	switch len(obs) {
	case 0:
		return nil
	case 1:
		return obs[0]
	}
	j := &Observer{}
	for _, o := range obs {
		j.CallStart = chainStart(j.CallStart, o.CallStart)
		j.AttemptStart = chainStart(j.AttemptStart, o.AttemptStart)
		j.FanoutStart = chainStart(j.FanoutStart, o.FanoutStart)
		j.CallEnd = chainEnd(j.CallEnd, o.CallEnd)
		j.RateLimitWait = chainEnd(j.RateLimitWait, o.RateLimitWait)
		j.AttemptEnd = chainEnd(j.AttemptEnd, o.AttemptEnd)
		j.RetryScheduled = chainEnd(j.RetryScheduled, o.RetryScheduled)
		j.BatchEnd = chainEnd(j.BatchEnd, o.BatchEnd)
		j.FanoutEnd = chainEnd(j.FanoutEnd, o.FanoutEnd)
	}
	return j
}

func chainStart[I any](a, b func(context.Context, I) context.Context) func(context.Context, I) context.Context {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(ctx context.Context, info I) context.Context { return b(a(ctx, info), info) }
}

func chainEnd[I any](a, b func(context.Context, I)) func(context.Context, I) {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(ctx context.Context, info I) { a(ctx, info); b(ctx, info) }
}

// loggerObserver is WithLogger: one debug line per HTTP attempt, logged
// with the attempt's ctx so that a trace-aware handler can add trace ids.
func loggerObserver(l *slog.Logger) *Observer {
	return &Observer{AttemptEnd: func(ctx context.Context, e AttemptEnd) {
		if !l.Enabled(ctx, slog.LevelDebug) {
			return
		}
		attrs := []slog.Attr{
			slog.String("endpoint", e.Endpoint),
			slog.Int("attempt", e.Attempt),
			slog.Int("status", e.StatusCode),
			slog.Int("code", e.Code),
			slog.Int64("request_id", e.RequestID),
		}
		if e.Err != nil {
			attrs = append(attrs, slog.String("error", e.Err.Error()))
		}
		attrs = append(attrs, slog.Duration("duration", e.Duration))
		l.LogAttrs(ctx, slog.LevelDebug, "pushsdk request", attrs...)
	}}
}
