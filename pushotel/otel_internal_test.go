package pushotel

import (
	"context"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestThrottledFromOneMillisecond pins where a limiter's wait starts to
// count as throttling: at exactly 1 ms (a wait measured by the pipeline
// cannot be set to the nanosecond, so the hook is called directly).
func TestThrottledFromOneMillisecond(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	o := &observer{tracer: tp.Tracer("test")}
	for _, c := range []struct {
		wait time.Duration
		want bool
	}{{0, false}, {time.Millisecond - 1, false}, {time.Millisecond, true}, {time.Second, true}} {
		ctx, span := tp.Tracer("test").Start(context.Background(), "call")
		o.rateLimitWait(ctx, pushsdk.RateLimitWait{Endpoint: "push/all", Attempt: 1, Wait: c.wait})
		span.End()
		got := spans.GetSpans().Snapshots()
		require.NotEmpty(t, got)
		events := got[len(got)-1].Events()
		require.Len(t, events, 1)
		var throttled any
		for _, kv := range events[0].Attributes {
			if kv.Key == AttrThrottled {
				throttled = kv.Value.AsInterface()
			}
		}
		assert.Equal(t, c.want, throttled, "a wait of %v", c.wait)
	}
}
