package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushotel"
	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// telemetry is bpush's OpenTelemetry export: traces and metrics of every
// call the SDK makes, through pushotel, to where the standard OTEL_*
// variables say. It is off unless they say something.
type telemetry struct {
	tp *sdktrace.TracerProvider
	mp *sdkmetric.MeterProvider
}

// The variables that turn export on, for traces and for metrics. Each
// signal is exported as OpenTelemetry's own tools do (autoexport):
// OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER pick the exporter (otlp by
// default, console, none, …), OTEL_EXPORTER_OTLP_PROTOCOL the protocol
// (http/protobuf by default, grpc), OTEL_EXPORTER_OTLP_ENDPOINT and its
// per-signal variants the receiver, OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES the resource (service.name "bpush" by default).
var (
	traceVars  = []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER"}
	metricVars = []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_METRICS_EXPORTER"}
)

func anySet(vars []string) bool {
	for _, v := range vars {
		if os.Getenv(v) != "" {
			return true
		}
	}
	return false
}

// newTelemetry sets up the export the environment asks for; nil when it
// asks for none.
func newTelemetry(ctx context.Context) (*telemetry, error) {
	traces, metrics := anySet(traceVars), anySet(metricVars)
	if !traces && !metrics {
		return nil, nil
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "bpush"), attribute.String("service.version", pushsdk.Version)),
		resource.WithFromEnv(), resource.WithTelemetrySDK(), resource.WithHost())
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, err
	}
	t := &telemetry{}
	if traces {
		exp, err := autoexport.NewSpanExporter(ctx)
		if err != nil {
			return nil, err
		}
		t.tp = sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	}
	if metrics {
		reader, err := autoexport.NewMetricReader(ctx)
		if err != nil {
			t.shutdown()
			return nil, err
		}
		t.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithResource(res))
	}
	return t, nil
}

// option instruments a Channel, or is nil when nothing is exported.
func (t *telemetry) option() pushsdk.Option {
	if t == nil {
		return nil
	}
	var opts []pushotel.Option
	if t.tp != nil {
		opts = append(opts, pushotel.WithTracerProvider(t.tp))
	} else {
		opts = append(opts, pushotel.WithTracerProvider(sdktrace.NewTracerProvider()))
	}
	if t.mp != nil {
		opts = append(opts, pushotel.WithMeterProvider(t.mp))
	} else {
		opts = append(opts, pushotel.WithMeterProvider(sdkmetric.NewMeterProvider()))
	}
	return pushotel.Instrument(opts...)
}

// shutdown flushes what is still buffered and stops the export, within
// five seconds.
func (t *telemetry) shutdown() error {
	if t == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	if t.tp != nil {
		err = errors.Join(err, t.tp.Shutdown(ctx))
	}
	if t.mp != nil {
		err = errors.Join(err, t.mp.Shutdown(ctx))
	}
	return err
}
