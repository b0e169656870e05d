package pushotel_test

import (
	"context"
	"fmt"
	"log"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushotel"
	"github.com/bdpush/pushsdk/pushtest"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// A Channel traced and measured through the global providers, which the
// service set up (here: in memory, to show what is recorded).
func ExampleInstrument() {
	spans := tracetest.NewInMemoryExporter()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans)))
	metrics := sdkmetric.NewManualReader()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(metrics)))
	emu := pushtest.NewServer() // stands in for the service
	defer emu.Close()
	ctx := context.Background()
	apiKey, secretKey, host := emu.APIKey, emu.SecretKey, emu.URL

	// README: otel
	// Traces and metrics of every call go to the global providers (or to
	// those of pushotel.WithTracerProvider and WithMeterProvider).
	c, err := pushsdk.NewChannel(apiKey, secretKey, pushsdk.WithHost(host), pushotel.Instrument())
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.PushMsgToAll(ctx, "hello", nil); err != nil {
		log.Fatal(err)
	}
	// README: end

	for _, s := range spans.GetSpans() {
		fmt.Println("span:", s.Name)
	}
	var rm metricdata.ResourceMetrics
	if err := metrics.Collect(ctx, &rm); err != nil {
		log.Fatal(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		fmt.Println("metric:", m.Name)
	}
	// Output:
	// span: POST push/all
	// span: push/all
	// metric: baidupush.client.call.duration
}
