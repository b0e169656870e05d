package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is an OTLP/HTTP receiver on loopback that decodes what
// arrives.
type otlpReceiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	traces  []*coltracepb.ExportTraceServiceRequest
	metrics []*colmetricpb.ExportMetricsServiceRequest
	raw     []string // everything received, as text
}

func newReceiver(t *testing.T) *otlpReceiver {
	r := &otlpReceiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body io.Reader = req.Body
		if req.Header.Get("Content-Encoding") == "gzip" {
			gz, err := gzip.NewReader(req.Body)
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			body = gz
		}
		data, err := io.ReadAll(body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		switch req.URL.Path {
		case "/v1/traces":
			m := &coltracepb.ExportTraceServiceRequest{}
			if err := proto.Unmarshal(data, m); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			r.traces = append(r.traces, m)
			r.raw = append(r.raw, prototext.Format(m))
			out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
			w.Header().Set("Content-Type", "application/x-protobuf")
			_, _ = w.Write(out)
		case "/v1/metrics":
			m := &colmetricpb.ExportMetricsServiceRequest{}
			if err := proto.Unmarshal(data, m); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			r.metrics = append(r.metrics, m)
			r.raw = append(r.raw, prototext.Format(m))
			out, _ := proto.Marshal(&colmetricpb.ExportMetricsServiceResponse{})
			w.Header().Set("Content-Type", "application/x-protobuf")
			_, _ = w.Write(out)
		default:
			http.NotFound(w, req)
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// spans returns the names of the spans received, with their service.name.
func (r *otlpReceiver) spans() (names []string, services []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, req := range r.traces {
		for _, rs := range req.ResourceSpans {
			for _, kv := range rs.Resource.Attributes {
				if kv.Key == "service.name" {
					services = append(services, kv.Value.GetStringValue())
				}
			}
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					names = append(names, s.Name)
				}
			}
		}
	}
	return names, services
}

func (r *otlpReceiver) metricNames() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, req := range r.metrics {
		for _, rm := range req.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					out = append(out, m.Name)
				}
			}
		}
	}
	return out
}

func (r *otlpReceiver) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.raw, "\n")
}

// TestTelemetryExportedOverOTLP: with OTEL_EXPORTER_OTLP_ENDPOINT set,
// bpush exports its spans and metrics to it when it exits, and nothing
// exported holds the secret key, a signature or the message.
func TestTelemetryExportedOverOTLP(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	srv, flags := emu(t)
	const msg = "telemetry must never carry this message text"
	env := []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + rcv.srv.URL, "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf"}
	r := bpush(t, "", env, append(flags, "push", "all", "--msg", msg)...)
	require.Equal(t, 0, r.code, r.stderr)

	names, services := rcv.spans()
	assert.Contains(t, names, "push/all")
	assert.Contains(t, names, "POST push/all")
	assert.Contains(t, services, "bpush")
	assert.Contains(t, rcv.metricNames(), "baidupush.client.call.duration")
	text := rcv.text()
	assert.Contains(t, text, "baidupush.request_id")
	assert.Contains(t, text, "baidupush.msg_bytes")
	secrets := []string{srv.SecretKey, msg}
	for _, q := range srv.Requests() {
		secrets = append(secrets, q.Params.Get("sign"))
	}
	for _, s := range secrets {
		assert.NotContains(t, text, s)
	}
}

// TestTelemetryFlushedOnSIGINT: a fan-out ended by SIGINT still exports
// its spans before bpush exits with 130.
func TestTelemetryFlushedOnSIGINT(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	srv, flags := emu(t)
	srv.FailNext("push/batch_device", 100, pushtest.Fault{Delay: 150 * time.Millisecond})
	idsFile := writeLines(t, "ids.txt", makeIDs(60000, 2100000000000000000))
	cmd := exec.Command(bin, append(flags, "push", "batch", "--ids-file", idsFile, "--msg", "hi", "--concurrency", "1")...)
	cmd.Env = append(os.Environ(), "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.srv.URL, "OTEL_METRICS_EXPORTER=none")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dieWithParent(cmd)
	require.NoError(t, cmd.Start())
	waitFor(t, "a batch to reach the emulator", func() bool { return len(srv.RequestsTo("push/batch_device")) > 0 })
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	var ee *exec.ExitError
	require.ErrorAs(t, cmd.Wait(), &ee)
	assert.Equal(t, 130, ee.ExitCode(), stderr.String())
	names, _ := rcv.spans()
	assert.Contains(t, names, "PushToDevices", "the fan-out's span was flushed")
	assert.Contains(t, names, "push/batch_device")
	assert.Empty(t, rcv.metricNames(), "OTEL_METRICS_EXPORTER=none: no metrics")
}

// TestTelemetryOffWithoutVariables: without the OTEL variables nothing is
// set up, so nothing can be exported.
func TestTelemetryOffWithoutVariables(t *testing.T) {
	for _, v := range append(traceVars, metricVars...) {
		t.Setenv(v, "")
	}
	tel, err := newTelemetry(context.Background())
	require.NoError(t, err)
	assert.Nil(t, tel)
	assert.Nil(t, tel.option())
	assert.NoError(t, tel.shutdown())

	t.Setenv("OTEL_TRACES_EXPORTER", "bogus")
	_, err = newTelemetry(context.Background())
	assert.Error(t, err, "a misspelt exporter is an error, not silence")
}
