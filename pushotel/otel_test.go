package pushotel_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushotel"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// secretMsg is the text of every message: it must never be exported.
const secretMsg = "personal-data-Zhang-San-13800138000"

type harness struct {
	srv    *pushtest.Server
	spans  *tracetest.InMemoryExporter
	reader *sdkmetric.ManualReader
	tp     *sdktrace.TracerProvider
	c      *pushsdk.Channel
}

func newHarness(t *testing.T, opts ...pushsdk.Option) *harness {
	t.Helper()
	h := &harness{srv: pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0)), spans: tracetest.NewInMemoryExporter(), reader: sdkmetric.NewManualReader()}
	t.Cleanup(h.srv.Close)
	h.tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(h.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.reader))
	var err error
	h.c, err = h.srv.NewChannel(append([]pushsdk.Option{pushotel.Instrument(pushotel.WithTracerProvider(h.tp), pushotel.WithMeterProvider(mp))}, opts...)...)
	require.NoError(t, err)
	return h
}

// parent starts the caller's span.
func (h *harness) parent(name string) (context.Context, trace.Span) {
	return h.tp.Tracer("test").Start(context.Background(), name)
}

func attrs(kvs []attribute.KeyValue) map[string]any {
	out := map[string]any{}
	for _, kv := range kvs {
		out[string(kv.Key)] = kv.Value.AsInterface()
	}
	return out
}

func (h *harness) named(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range h.spans.GetSpans().Snapshots() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

func (h *harness) metrics(t *testing.T) metricdata.ResourceMetrics {
	var rm metricdata.ResourceMetrics
	require.NoError(t, h.reader.Collect(context.Background(), &rm))
	return rm
}

// sum is a counter's value for the data points whose attributes include
// want.
func sum(t *testing.T, rm metricdata.ResourceMetrics, name string, want map[string]any) int64 {
	var n int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			s, ok := m.Data.(metricdata.Sum[int64])
			require.True(t, ok, "%s is a counter", name)
			for _, dp := range s.DataPoints {
				if matches(dp.Attributes.ToSlice(), want) {
					n += dp.Value
				}
			}
		}
	}
	return n
}

// histogram is a histogram's count and sum for the points whose
// attributes include want.
func histogram(t *testing.T, rm metricdata.ResourceMetrics, name string, want map[string]any) (count uint64, total float64) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			hd, ok := m.Data.(metricdata.Histogram[float64])
			require.True(t, ok, "%s is a histogram", name)
			for _, dp := range hd.DataPoints {
				if matches(dp.Attributes.ToSlice(), want) {
					count += dp.Count
					total += dp.Sum
				}
			}
		}
	}
	return count, total
}

func matches(kvs []attribute.KeyValue, want map[string]any) bool {
	got := attrs(kvs)
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func TestPushSpanAndAttemptSpan(t *testing.T) {
	h := newHarness(t)
	ctx, parent := h.parent("handler")
	res, err := h.c.PushMsgToSingleDevice(ctx, "3973380163216521844", secretMsg, nil)
	require.NoError(t, err)
	parent.End()

	calls := h.named("push/single_device")
	require.Len(t, calls, 1)
	call := calls[0]
	assert.Equal(t, trace.SpanKindClient, call.SpanKind())
	assert.Equal(t, parent.SpanContext().SpanID(), call.Parent().SpanID(), "child of the caller's span")
	assert.Equal(t, codes.Unset, call.Status().Code)
	u, _ := url.Parse(h.srv.URL)
	port, _ := strconv.Atoi(u.Port())
	assert.Equal(t, map[string]any{
		"baidupush.endpoint": "push/single_device", "baidupush.request_id": res.RequestID, "baidupush.attempts": int64(1),
		"baidupush.msg_id": res.MsgID, "baidupush.msg_bytes": int64(len(secretMsg)),
		"rpc.system.name": "baidupush", "rpc.method": "push/single_device", "rpc.response.status_code": "0",
	}, attrs(call.Attributes()))

	attempts := h.named("POST push/single_device")
	require.Len(t, attempts, 1)
	a := attempts[0]
	assert.Equal(t, call.SpanContext().SpanID(), a.Parent().SpanID(), "the attempt is a child of the call")
	assert.Equal(t, trace.SpanKindClient, a.SpanKind())
	assert.Equal(t, map[string]any{
		"http.request.method": "POST", "url.full": h.srv.URL + "/rest/3.0/push/single_device", "server.address": "127.0.0.1",
		"server.port": int64(port), "http.response.status_code": int64(200), "baidupush.attempt": int64(1),
	}, attrs(a.Attributes()))

	rm := h.metrics(t)
	n, total := histogram(t, rm, pushotel.MetricCallDuration, map[string]any{"baidupush.endpoint": "push/single_device", "baidupush.outcome": "ok"})
	assert.Equal(t, uint64(1), n)
	assert.Positive(t, total)
	assertNothingSecret(t, h)
}

func TestAuthFailure(t *testing.T) {
	h := newHarness(t)
	require.NoError(t, h.c.SetCredentials(h.srv.APIKey, "NotTheSecretKeyOfTheApp000000000"))
	_, err := h.c.PushMsgToAll(context.Background(), secretMsg, nil)
	require.Equal(t, pushsdk.CodeAuthFailed, pushsdk.ErrorCode(err))
	call := h.named("push/all")[0]
	got := attrs(call.Attributes())
	assert.Equal(t, int64(30603), got["baidupush.error_code"])
	assert.Equal(t, false, got["baidupush.maybe_processed"])
	assert.Equal(t, "30603", got["error.type"])
	assert.Equal(t, "30603", got["rpc.response.status_code"])
	assert.NotZero(t, got["baidupush.request_id"])
	assert.Equal(t, codes.Error, call.Status().Code)
	assert.True(t, strings.HasPrefix(call.Status().Description, "code 30603: Authentication Failed"), call.Status().Description)
	a := h.named("POST push/all")[0]
	assert.Equal(t, int64(403), attrs(a.Attributes())["http.response.status_code"])
	assert.Equal(t, codes.Error, a.Status().Code)
	rm := h.metrics(t)
	n, _ := histogram(t, rm, pushotel.MetricCallDuration, map[string]any{"baidupush.outcome": "failed", "error.type": "30603"})
	assert.Equal(t, uint64(1), n)
	assertNothingSecret(t, h, "NotTheSecretKeyOfTheApp000000000")
}

func TestRetriedServerError(t *testing.T) {
	h := newHarness(t, pushsdk.WithRetry(pushsdk.RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond}))
	h.srv.FailNext("tag/device_num", 1, pushtest.Fault{Status: 502})
	_, err := h.c.QueryDeviceNumInTag(context.Background(), "default")
	require.NoError(t, err)
	call := h.named("tag/device_num")[0]
	assert.Equal(t, int64(2), attrs(call.Attributes())["baidupush.attempts"])
	var retries []sdktrace.Event
	for _, e := range call.Events() {
		if e.Name == "baidupush.retry" {
			retries = append(retries, e)
		}
	}
	require.Len(t, retries, 1)
	ra := attrs(retries[0].Attributes)
	assert.Equal(t, int64(1), ra["baidupush.attempt"])
	assert.Equal(t, "bad_error", ra["error.type"])
	assert.Positive(t, ra["baidupush.backoff_seconds"])
	attempts := h.named("POST tag/device_num")
	require.Len(t, attempts, 2)
	assert.Equal(t, int64(502), attrs(attempts[0].Attributes())["http.response.status_code"])
	assert.Equal(t, "bad_error", attrs(attempts[0].Attributes())["error.type"])
	assert.Equal(t, int64(1), attrs(attempts[1].Attributes())["http.request.resend_count"])
	assert.Equal(t, int64(1), sum(t, h.metrics(t), pushotel.MetricRetries, map[string]any{"baidupush.endpoint": "tag/device_num", "error.type": "bad_error"}))
}

func TestThrottledWithLimiterWait(t *testing.T) {
	h := newHarness(t, pushsdk.WithRetry(pushsdk.RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond}), pushsdk.WithRateLimit(20, 1))
	h.srv.FailNext("push/all", 1, pushtest.Fault{Code: pushsdk.CodeTooFrequent})
	_, err := h.c.PushMsgToAll(context.Background(), secretMsg, nil)
	require.NoError(t, err)
	call := h.named("push/all")[0]
	var waits []map[string]any
	for _, e := range call.Events() {
		if e.Name == "baidupush.rate_limit.wait" {
			waits = append(waits, attrs(e.Attributes))
		}
	}
	require.Len(t, waits, 2, "one wait per attempt")
	assert.Equal(t, false, waits[0]["baidupush.throttled"], "the first attempt had its turn at once")
	assert.Equal(t, true, waits[1]["baidupush.throttled"], "the limiter (halved to 10/s by the 30699) held the retry back")
	assert.Greater(t, waits[1]["baidupush.wait_seconds"], 0.001)
	rm := h.metrics(t)
	assert.Equal(t, int64(1), sum(t, rm, pushotel.MetricThrottled, map[string]any{"baidupush.endpoint": "push/all"}))
	n, total := histogram(t, rm, pushotel.MetricRateLimitWait, map[string]any{"baidupush.endpoint": "push/all"})
	assert.Equal(t, uint64(2), n)
	assert.Greater(t, total, 0.001)
}

func TestTimeoutAfterSendingIsUncertain(t *testing.T) {
	h := newHarness(t, pushsdk.WithTimeout(100*time.Millisecond))
	h.srv.FailNext("push/all", 1, pushtest.Fault{Delay: time.Second, AfterProcessing: true})
	_, err := h.c.PushMsgToAll(context.Background(), secretMsg, nil)
	require.Error(t, err)
	call := h.named("push/all")[0]
	got := attrs(call.Attributes())
	assert.Equal(t, true, got["baidupush.maybe_processed"])
	assert.Equal(t, "transport", got["error.type"])
	assert.Equal(t, int64(pushsdk.CodeSDKRunning), got["baidupush.error_code"])
	n, _ := histogram(t, h.metrics(t), pushotel.MetricCallDuration, map[string]any{"baidupush.outcome": "uncertain", "error.type": "transport"})
	assert.Equal(t, uint64(1), n)
}

func TestFanoutSpan(t *testing.T) {
	h := newHarness(t, pushsdk.WithRetry(pushsdk.RetryPolicy{}))
	ids := make([]string, 25000)
	for i := range ids {
		ids[i] = strconv.Itoa(1_000_000 + i)
	}
	h.srv.FailNext("push/batch_device", 1, pushtest.Fault{Code: pushsdk.CodeInvalidParams})
	ctx, parent := h.parent("campaign")
	_, err := h.c.PushToDevices(ctx, ids, secretMsg, nil, pushsdk.FanoutConcurrency(1))
	require.Error(t, err)
	parent.End()

	fan := h.named("PushToDevices")
	require.Len(t, fan, 1)
	f := fan[0]
	assert.Equal(t, parent.SpanContext().SpanID(), f.Parent().SpanID())
	assert.Equal(t, map[string]any{
		"baidupush.method": "PushToDevices", "baidupush.endpoint": "push/batch_device", "baidupush.fanout.ids": int64(25000),
		"baidupush.fanout.batches": int64(3), "baidupush.msg_bytes": int64(len(secretMsg)),
		"baidupush.fanout.succeeded": int64(15000), "baidupush.fanout.failed": int64(10000), "baidupush.fanout.uncertain": int64(0),
		"error.type": "30602",
	}, attrs(f.Attributes()))
	assert.Equal(t, codes.Error, f.Status().Code)
	calls := h.named("push/batch_device")
	require.Len(t, calls, 3)
	var sizes []int64
	for _, c := range calls {
		assert.Equal(t, f.SpanContext().SpanID(), c.Parent().SpanID(), "the calls are children of the fan-out")
		sizes = append(sizes, attrs(c.Attributes())["baidupush.ids"].(int64))
	}
	assert.ElementsMatch(t, []int64{10000, 10000, 5000}, sizes)
	rm := h.metrics(t)
	assert.Equal(t, int64(15000), sum(t, rm, pushotel.MetricFanoutIDs, map[string]any{"baidupush.method": "PushToDevices", "baidupush.outcome": "succeeded"}))
	assert.Equal(t, int64(10000), sum(t, rm, pushotel.MetricFanoutIDs, map[string]any{"baidupush.outcome": "failed"}))
	assert.Zero(t, sum(t, rm, pushotel.MetricFanoutIDs, map[string]any{"baidupush.outcome": "uncertain"}))
	assertNothingSecret(t, h)
}

// assertNothingSecret searches every span, event, attribute, status and
// metric exported for the secret key, every signature sent and the message
// text.
func assertNothingSecret(t *testing.T, h *harness, more ...string) {
	t.Helper()
	secrets := append([]string{h.srv.SecretKey, secretMsg}, more...)
	for _, r := range h.srv.Requests() {
		if sign := r.Params.Get("sign"); sign != "" {
			secrets = append(secrets, sign)
		}
	}
	var texts []string
	for _, s := range h.spans.GetSpans() {
		texts = append(texts, fmt.Sprintf("%s %v %v %v %+v", s.Name, s.Attributes, s.Status, s.Resource, s.Events))
	}
	texts = append(texts, fmt.Sprintf("%+v", h.metrics(t)))
	require.Greater(t, len(secrets), 2, "signatures were collected")
	for _, text := range texts {
		for _, s := range secrets {
			require.NotContains(t, text, s)
		}
	}
}

// TestTagDevicesHasNoMessage: a fan-out and calls without a message carry
// no message size, and the fan-out counter has no point for an outcome no
// id had.
func TestTagDevicesHasNoMessage(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	_, err := h.c.CreateTag(ctx, "vip")
	require.NoError(t, err)
	ids := make([]string, 12)
	for i := range ids {
		ids[i] = strconv.Itoa(3_000_000 + i)
	}
	_, err = h.c.TagDevices(ctx, "vip", ids)
	require.NoError(t, err)

	for _, name := range []string{"app/create_tag", "TagDevices", "tag/add_devices"} {
		spans := h.named(name)
		require.NotEmpty(t, spans, name)
		for _, s := range spans {
			assert.NotContains(t, attrs(s.Attributes()), "baidupush.msg_bytes", name)
		}
	}
	fan := h.named("TagDevices")[0]
	assert.Equal(t, int64(12), attrs(fan.Attributes())["baidupush.fanout.succeeded"])
	assert.Len(t, h.named("tag/add_devices"), 2)

	rm := h.metrics(t)
	assert.Equal(t, int64(12), sum(t, rm, pushotel.MetricFanoutIDs, map[string]any{"baidupush.method": "TagDevices", "baidupush.outcome": "succeeded"}))
	assert.Equal(t, 1, points(rm, pushotel.MetricFanoutIDs), "one point: succeeded; none for failed or uncertain")
}

// points is how many data points a metric has.
func points(rm metricdata.ResourceMetrics, name string) int {
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				if s, ok := m.Data.(metricdata.Sum[int64]); ok {
					n += len(s.DataPoints)
				}
			}
		}
	}
	return n
}
