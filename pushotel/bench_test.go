package pushotel_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushotel"
	"github.com/bdpush/pushsdk/pushtest"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// BenchmarkInstrumentedPush alternates, in every iteration, a push through
// a plain Channel and one through an instrumented Channel (the real SDK: a
// batching span processor, a metric reader) to the same loopback emulator,
// and reports the median of each and their ratio — the overhead a user of
// pushotel pays per call, measured in one run.
func BenchmarkInstrumentedPush(b *testing.B) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(time.Hour, time.Hour))
	b.Cleanup(srv.Close)
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	plain, err := srv.NewChannel()
	if err != nil {
		b.Fatal(err)
	}
	traced, err := srv.NewChannel(pushotel.Instrument(pushotel.WithTracerProvider(tp), pushotel.WithMeterProvider(mp)))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	push := func(c *pushsdk.Channel) int64 {
		start := time.Now()
		if _, err := c.PushMsgToSingleDevice(ctx, "3973380163216521844", "hello", nil); err != nil {
			b.Fatal(err)
		}
		return int64(time.Since(start))
	}
	var plainNS, tracedNS []int64
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			plainNS = append(plainNS, push(plain))
			tracedNS = append(tracedNS, push(traced))
		} else {
			tracedNS = append(tracedNS, push(traced))
			plainNS = append(plainNS, push(plain))
		}
	}
	pm, tm := median(plainNS), median(tracedNS)
	b.ReportMetric(pm, "plain-ns/op")
	b.ReportMetric(tm, "instrumented-ns/op")
	b.ReportMetric(tm/pm, "instrumented/plain")
}

// BenchmarkPushAllocs reports the allocations of one push, plain and
// instrumented, each on its own.
func BenchmarkPushAllocs(b *testing.B) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(time.Hour, time.Hour))
	b.Cleanup(srv.Close)
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	for _, tc := range []struct {
		name string
		opts []pushsdk.Option
	}{{"plain", nil}, {"instrumented", []pushsdk.Option{pushotel.Instrument(pushotel.WithTracerProvider(tp), pushotel.WithMeterProvider(mp))}}} {
		b.Run(tc.name, func(b *testing.B) {
			c, err := srv.NewChannel(tc.opts...)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.PushMsgToSingleDevice(context.Background(), "3973380163216521844", "hello", nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func median(v []int64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return float64(s[len(s)/2])
}
