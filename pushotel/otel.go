// Package pushotel traces and measures pushsdk with OpenTelemetry: a span
// per API call with a child span per HTTP attempt, a span per fan-out (and
// so per campaign batch), rate-limit waits and retries as span events, and
// metrics of calls, retries, throttling, rate-limit waits and fan-out ids.
// It is an observer of the Channel ([pushsdk.Observer]): install it with
//
//	c, err := pushsdk.NewChannel(apiKey, secretKey, pushotel.Instrument())
//
// The global tracer and meter providers are used unless
// [WithTracerProvider] or [WithMeterProvider] say otherwise.
//
// # Spans
//
// A call is a span of kind client named after its endpoint
// ("push/single_device"), child of the span in the call's ctx, with the
// attributes baidupush.endpoint, baidupush.request_id, baidupush.attempts,
// baidupush.msg_id (a push that succeeded), baidupush.msg_bytes (a push:
// the size of its message, never the message), baidupush.ids (a batch or
// tag-device call), rpc.system.name ("baidupush"), rpc.method (the
// endpoint) and rpc.response.status_code (the service's error code, "0"
// when it succeeded); on failure also baidupush.error_code,
// baidupush.maybe_processed, error.type and status Error. Its events are
// baidupush.rate_limit.wait (baidupush.wait_seconds; baidupush.throttled,
// true when the limiter held the attempt back 1 ms or more) and
// baidupush.retry (baidupush.attempt, baidupush.backoff_seconds,
// error.type).
//
// Each HTTP attempt is a child span "POST <endpoint>" with the HTTP client
// attributes http.request.method, url.full, server.address, server.port,
// http.response.status_code, http.request.resend_count (a retry), and on
// failure error.type and status Error.
//
// A fan-out (PushToDevices, TagDevices, UntagDevices — also each batch of
// a pushredis campaign) is a span named after the method, parent of its
// calls, with baidupush.fanout.ids, baidupush.fanout.batches and, when it
// ends, baidupush.fanout.succeeded, baidupush.fanout.failed and
// baidupush.fanout.uncertain.
//
// # Metrics
//
//	baidupush.client.call.duration   histogram, s: baidupush.endpoint, baidupush.outcome (ok | failed | uncertain), error.type
//	baidupush.client.retries         counter: baidupush.endpoint, error.type
//	baidupush.client.throttled       counter of 30699 answers: baidupush.endpoint
//	baidupush.client.rate_limit.wait histogram, s: baidupush.endpoint
//	baidupush.fanout.ids             counter: baidupush.method, baidupush.outcome (succeeded | failed | uncertain)
//
// No span, event, attribute or metric holds the secret key, the signature
// or the message text: the observer is never given them.
package pushotel

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/bdpush/pushsdk"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of pushotel's tracer and meter.
const ScopeName = "github.com/bdpush/pushsdk/pushotel"

// Option configures [Instrument].
type Option func(*config)

type config struct {
	tp trace.TracerProvider
	mp metric.MeterProvider
}

// WithTracerProvider sets the TracerProvider (default: otel's global).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// WithMeterProvider sets the MeterProvider (default: otel's global).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.mp = mp }
}

// The attribute keys of pushotel's own; the rest are OpenTelemetry's
// semantic conventions.
const (
	AttrEndpoint       = attribute.Key("baidupush.endpoint")
	AttrRequestID      = attribute.Key("baidupush.request_id")
	AttrAttempts       = attribute.Key("baidupush.attempts")
	AttrMsgID          = attribute.Key("baidupush.msg_id")
	AttrMsgBytes       = attribute.Key("baidupush.msg_bytes")
	AttrIDs            = attribute.Key("baidupush.ids")
	AttrErrorCode      = attribute.Key("baidupush.error_code")
	AttrMaybeProcessed = attribute.Key("baidupush.maybe_processed")
	AttrOutcome        = attribute.Key("baidupush.outcome")
	AttrMethod         = attribute.Key("baidupush.method")
	AttrWaitSeconds    = attribute.Key("baidupush.wait_seconds")
	AttrThrottled      = attribute.Key("baidupush.throttled")
	AttrAttempt        = attribute.Key("baidupush.attempt")
	AttrBackoffSeconds = attribute.Key("baidupush.backoff_seconds")
	AttrFanoutIDs      = attribute.Key("baidupush.fanout.ids")
	AttrFanoutBatches  = attribute.Key("baidupush.fanout.batches")
	AttrFanoutOK       = attribute.Key("baidupush.fanout.succeeded")
	AttrFanoutFailed   = attribute.Key("baidupush.fanout.failed")
	AttrFanoutUnsure   = attribute.Key("baidupush.fanout.uncertain")

	errorType       = attribute.Key("error.type")
	rpcSystemName   = attribute.Key("rpc.system.name")
	rpcMethod       = attribute.Key("rpc.method")
	rpcStatusCode   = attribute.Key("rpc.response.status_code")
	httpMethod      = attribute.Key("http.request.method")
	httpStatusCode  = attribute.Key("http.response.status_code")
	httpResendCount = attribute.Key("http.request.resend_count")
	urlFull         = attribute.Key("url.full")
	serverAddress   = attribute.Key("server.address")
	serverPort      = attribute.Key("server.port")
)

// The metric names (a stable contract, see CHANGELOG).
const (
	MetricCallDuration  = "baidupush.client.call.duration"
	MetricRetries       = "baidupush.client.retries"
	MetricThrottled     = "baidupush.client.throttled"
	MetricRateLimitWait = "baidupush.client.rate_limit.wait"
	MetricFanoutIDs     = "baidupush.fanout.ids"
)

// instruments are the meter's instruments.
type instruments struct {
	callDuration metric.Float64Histogram
	retries      metric.Int64Counter
	throttled    metric.Int64Counter
	limitWait    metric.Float64Histogram
	fanoutIDs    metric.Int64Counter
}

// Instrument returns the pushsdk.Option that traces and measures a
// Channel. Instruments that the meter cannot create are left out (the
// meter reports why through otel's error handler); tracing goes on.
func Instrument(opts ...Option) pushsdk.Option {
	cfg := config{}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.tp == nil {
		cfg.tp = otel.GetTracerProvider()
	}
	if cfg.mp == nil {
		cfg.mp = otel.GetMeterProvider()
	}
	o := &observer{tracer: cfg.tp.Tracer(ScopeName, trace.WithInstrumentationVersion(pushsdk.Version))}
	meter := cfg.mp.Meter(ScopeName, metric.WithInstrumentationVersion(pushsdk.Version))
	o.m = newInstruments(meter)
	return pushsdk.WithObserver(o.hooks())
}

// secondsBuckets suit calls that take milliseconds to a minute.
var secondsBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60}

func newInstruments(meter metric.Meter) instruments {
	var m instruments
	m.callDuration, _ = meter.Float64Histogram(MetricCallDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of pushsdk API calls, retries and rate-limit waits included."),
		metric.WithExplicitBucketBoundaries(secondsBuckets...))
	m.retries, _ = meter.Int64Counter(MetricRetries, metric.WithUnit("{retry}"),
		metric.WithDescription("Retries scheduled after a failed attempt."))
	m.throttled, _ = meter.Int64Counter(MetricThrottled, metric.WithUnit("{answer}"),
		metric.WithDescription("Attempts the service answered 30699 (Requests Are Too Frequent)."))
	m.limitWait, _ = meter.Float64Histogram(MetricRateLimitWait, metric.WithUnit("s"),
		metric.WithDescription("Time an attempt waited for the rate limiter."),
		metric.WithExplicitBucketBoundaries(append([]float64{0, 0.001}, secondsBuckets...)...))
	m.fanoutIDs, _ = meter.Int64Counter(MetricFanoutIDs, metric.WithUnit("{id}"),
		metric.WithDescription("Channel ids of fan-outs, by outcome."))
	return m
}

type observer struct {
	tracer trace.Tracer
	m      instruments
}

func (o *observer) hooks() *pushsdk.Observer {
	return &pushsdk.Observer{
		CallStart:      o.callStart,
		CallEnd:        o.callEnd,
		RateLimitWait:  o.rateLimitWait,
		AttemptStart:   o.attemptStart,
		AttemptEnd:     o.attemptEnd,
		RetryScheduled: o.retryScheduled,
		FanoutStart:    o.fanoutStart,
		FanoutEnd:      o.fanoutEnd,
	}
}

func (o *observer) callStart(ctx context.Context, s pushsdk.CallStart) context.Context {
	attrs := []attribute.KeyValue{AttrEndpoint.String(s.Endpoint), rpcSystemName.String("baidupush"), rpcMethod.String(s.Endpoint)}
	if s.MsgBytes > 0 {
		attrs = append(attrs, AttrMsgBytes.Int(s.MsgBytes))
	}
	if s.IDs > 0 {
		attrs = append(attrs, AttrIDs.Int(s.IDs))
	}
	ctx, _ = o.tracer.Start(ctx, s.Endpoint, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx
}

func (o *observer) callEnd(ctx context.Context, e pushsdk.CallEnd) {
	span := trace.SpanFromContext(ctx)
	outcome := e.Outcome()
	span.SetAttributes(AttrAttempts.Int(e.Attempts))
	if e.RequestID != 0 {
		span.SetAttributes(AttrRequestID.Int64(e.RequestID))
	}
	if e.MsgID != "" {
		span.SetAttributes(AttrMsgID.String(e.MsgID))
	}
	mattrs := []attribute.KeyValue{AttrEndpoint.String(e.Endpoint), AttrOutcome.String(outcome)}
	if e.Err != nil {
		code, et := pushsdk.ErrorCode(e.Err), pushsdk.ErrorType(e.Err)
		var ce *pushsdk.ChannelError
		maybe := false
		msg := et
		if errors.As(e.Err, &ce) && ce != nil {
			maybe, msg = ce.MaybeProcessed(), ce.Msg
		}
		span.SetAttributes(AttrErrorCode.Int(code), AttrMaybeProcessed.Bool(maybe), errorType.String(et), rpcStatusCode.String(strconv.Itoa(code)))
		span.SetStatus(codes.Error, "code "+strconv.Itoa(code)+": "+msg)
		mattrs = append(mattrs, errorType.String(et))
	} else {
		span.SetAttributes(rpcStatusCode.String("0"))
	}
	span.End()
	if o.m.callDuration != nil {
		o.m.callDuration.Record(ctx, e.Duration.Seconds(), metric.WithAttributes(mattrs...))
	}
}

func (o *observer) rateLimitWait(ctx context.Context, w pushsdk.RateLimitWait) {
	throttled := w.Wait >= time.Millisecond
	trace.SpanFromContext(ctx).AddEvent("baidupush.rate_limit.wait", trace.WithAttributes(
		AttrWaitSeconds.Float64(w.Wait.Seconds()), AttrThrottled.Bool(throttled), AttrAttempt.Int(w.Attempt)))
	if o.m.limitWait != nil {
		o.m.limitWait.Record(ctx, w.Wait.Seconds(), metric.WithAttributes(AttrEndpoint.String(w.Endpoint)))
	}
}

func (o *observer) attemptStart(ctx context.Context, a pushsdk.AttemptStart) context.Context {
	attrs := []attribute.KeyValue{httpMethod.String(a.Method), AttrAttempt.Int(a.Attempt)}
	if u, err := url.Parse(a.URL); err == nil {
		u.User = nil
		attrs = append(attrs, urlFull.String(u.String()), serverAddress.String(u.Hostname()))
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
		}
		if p, err := strconv.Atoi(port); err == nil {
			attrs = append(attrs, serverPort.Int(p))
		}
	}
	if a.Attempt > 1 {
		attrs = append(attrs, httpResendCount.Int(a.Attempt-1))
	}
	ctx, _ = o.tracer.Start(ctx, a.Method+" "+a.Endpoint, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx
}

func (o *observer) attemptEnd(ctx context.Context, a pushsdk.AttemptEnd) {
	span := trace.SpanFromContext(ctx)
	if a.StatusCode != 0 {
		span.SetAttributes(httpStatusCode.Int(a.StatusCode))
	}
	if a.Err != nil {
		span.SetAttributes(errorType.String(pushsdk.ErrorType(a.Err)), AttrMaybeProcessed.Bool(a.MaybeProcessed))
		span.SetStatus(codes.Error, "code "+strconv.Itoa(a.Code))
	}
	span.End()
	if a.Code == pushsdk.CodeTooFrequent && o.m.throttled != nil {
		o.m.throttled.Add(ctx, 1, metric.WithAttributes(AttrEndpoint.String(a.Endpoint)))
	}
}

func (o *observer) retryScheduled(ctx context.Context, r pushsdk.RetryScheduled) {
	et := pushsdk.ErrorType(r.Err)
	trace.SpanFromContext(ctx).AddEvent("baidupush.retry", trace.WithAttributes(
		AttrAttempt.Int(r.Attempt), AttrBackoffSeconds.Float64(r.Backoff.Seconds()), errorType.String(et)))
	if o.m.retries != nil {
		o.m.retries.Add(ctx, 1, metric.WithAttributes(AttrEndpoint.String(r.Endpoint), errorType.String(et)))
	}
}

func (o *observer) fanoutStart(ctx context.Context, f pushsdk.FanoutStart) context.Context {
	attrs := []attribute.KeyValue{AttrMethod.String(f.Method), AttrEndpoint.String(f.Endpoint),
		AttrFanoutIDs.Int(f.IDs), AttrFanoutBatches.Int(f.Batches)}
	if f.MsgBytes > 0 {
		attrs = append(attrs, AttrMsgBytes.Int(f.MsgBytes))
	}
	ctx, _ = o.tracer.Start(ctx, f.Method, trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
	return ctx
}

func (o *observer) fanoutEnd(ctx context.Context, f pushsdk.FanoutEnd) {
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(AttrFanoutOK.Int(f.Succeeded), AttrFanoutFailed.Int(f.Failed), AttrFanoutUnsure.Int(f.Uncertain))
	if f.Err != nil {
		span.SetAttributes(errorType.String(pushsdk.ErrorType(f.Err)))
		span.SetStatus(codes.Error, strconv.Itoa(f.Failed)+" ids failed, "+strconv.Itoa(f.Uncertain)+" uncertain")
	}
	span.End()
	if o.m.fanoutIDs != nil {
		for _, c := range []struct {
			outcome string
			n       int
		}{{"succeeded", f.Succeeded}, {"failed", f.Failed}, {"uncertain", f.Uncertain}} {
			if c.n > 0 {
				o.m.fanoutIDs.Add(ctx, int64(c.n), metric.WithAttributes(AttrMethod.String(f.Method), AttrOutcome.String(c.outcome)))
			}
		}
	}
}
