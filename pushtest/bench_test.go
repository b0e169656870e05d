package pushtest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
)

// BenchmarkEmulatorThroughput measures how many requests per second the
// emulator serves to many concurrent clients on this machine (client and
// server share its CPUs): pre-signed pushes over a pooled client, and the
// same through the SDK, which signs each one.
//
//	go test -run '^$' -bench EmulatorThroughput ./pushtest
func BenchmarkEmulatorThroughput(b *testing.B) {
	srv := pushtest.NewServer(pushtest.WithRequestLog(0, 0))
	defer srv.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	hc := &http.Client{Transport: tr}
	u := srv.URL + "/rest/3.0/push/single_device"
	p := map[string]string{"apikey": srv.APIKey, "timestamp": strconv.FormatInt(time.Now().Unix(), 10),
		"channel_id": "3973380163216521844", "msg": "hello"}
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	form.Set("sign", sign("POST", u, p, srv.SecretKey))
	body := []byte(form.Encode())

	b.Run("client=raw", func(b *testing.B) {
		b.SetParallelism(8) // 16 clients on 2 CPUs
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("User-Agent", "BCCS_SDK/3.0 bench")
				resp, err := hc.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	})
	b.Run("client=sdk", func(b *testing.B) {
		c, err := srv.NewChannel(pushsdk.WithRetry(pushsdk.RetryPolicy{}))
		if err != nil {
			b.Fatal(err)
		}
		b.SetParallelism(8)
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.QueryDeviceNumInTag(context.Background(), "default"); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	})
}

// BenchmarkMillionDevices binds 1 000 000 devices, then each iteration
// broadcasts 10 messages and asks for tag/device_num of default and for
// report/statistic_device, as a shared test emulator is asked. It reports
// the time of each kind of call and how much the heap grew per broadcast:
// a broadcast is one record, whatever the number of devices.
//
//	go test -run '^$' -bench MillionDevices -benchtime 3x ./pushtest
func BenchmarkMillionDevices(b *testing.B) {
	const devices, broadcasts = 1_000_000, 10
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0), pushtest.WithRequestLog(0, 0))
	b.Cleanup(srv.Close)
	ids := make([]string, devices)
	for i := range ids {
		ids[i] = strconv.FormatInt(3973380160000000000+int64(i), 10)
	}
	bindStart := time.Now()
	if err := srv.Bind(ids...); err != nil {
		b.Fatal(err)
	}
	bindTime := time.Since(bindStart)
	ids = nil
	c, err := srv.NewChannel()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	before := heap()
	var tBroadcast, tCount, tStats time.Duration
	b.ResetTimer()
	for range b.N {
		for i := range broadcasts {
			start := time.Now()
			if _, err := c.PushMsgToAll(ctx, "news "+strconv.Itoa(i), nil); err != nil {
				b.Fatal(err)
			}
			tBroadcast += time.Since(start)
		}
		srv.Advance(time.Millisecond) // deliver them
		start := time.Now()
		n, err := c.QueryDeviceNumInTag(ctx, "default")
		tCount += time.Since(start)
		if err != nil || n.DeviceNum != devices {
			b.Fatalf("device_num %v, %v", n, err)
		}
		start = time.Now()
		if _, err := c.QueryStatisticDevice(ctx); err != nil {
			b.Fatal(err)
		}
		tStats += time.Since(start)
	}
	b.StopTimer()
	grew := float64(int64(heap()) - int64(before))
	b.ReportMetric(float64(tBroadcast.Microseconds())/float64(b.N*broadcasts), "µs/broadcast")
	b.ReportMetric(float64(tCount.Microseconds())/float64(b.N), "µs/device_num")
	b.ReportMetric(float64(tStats.Microseconds())/float64(b.N), "µs/statistic_device")
	b.ReportMetric(grew/float64(b.N*broadcasts), "heap-B/broadcast")
	b.ReportMetric(bindTime.Seconds(), "s-to-bind-1M")
	b.ReportMetric(float64(before)/1e6, "MB-heap-with-1M-devices")
	if got := srv.DeliveryCount("3973380160000999999"); got != b.N*broadcasts {
		b.Fatalf("the last device got %d broadcasts, want %d", got, b.N*broadcasts)
	}
}

// BenchmarkInspectorMillionDevices asks every page of the web inspector
// and every list of its JSON API, over HTTP, of an emulator with 1 000 000
// devices, a tag of 1 000 members and 1 000 messages, and reports the
// slowest answer (goal: within 200 ms; every list is a page). Each path
// is asked b.N times; its slowest time is logged with -v.
//
//	go test -run '^$' -bench InspectorMillionDevices -benchtime 5x -v ./pushtest
func BenchmarkInspectorMillionDevices(b *testing.B) {
	const devices = 1_000_000
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	b.Cleanup(srv.Close)
	ids := make([]string, devices)
	for i := range ids {
		ids[i] = strconv.FormatInt(3973380160000000000+int64(i), 10)
	}
	if err := srv.Bind(ids...); err != nil {
		b.Fatal(err)
	}
	c, err := srv.NewChannel()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.CreateTag(ctx, "vip"); err != nil {
		b.Fatal(err)
	}
	if _, err := c.TagDevices(ctx, "vip", ids[:1000]); err != nil {
		b.Fatal(err)
	}
	for i := range 100 {
		if _, err := c.PushBatchUniMsg(ctx, ids[i*100:(i+1)*100], "m", &pushsdk.PushOptions{TopicID: "t" + strconv.Itoa(i%5)}); err != nil {
			b.Fatal(err)
		}
	}
	last := ids[devices-1]
	srv.Unbind(ids[500_000]) // the default tag is the bound devices, not all of them
	ids = nil
	paths := []string{
		"/api/v1/apps", "/api/v1/devices", "/api/v1/devices?start=999950", "/api/v1/devices?q=0999999",
		"/api/v1/devices/" + last, "/api/v1/devices/3973380160000000001/messages", "/api/v1/requests?limit=1000",
		"/api/v1/messages", "/api/v1/tags", "/api/v1/tags/vip/members", "/api/v1/tags/default/members?start=999900",
		"/api/v1/timers", "/api/v1/topics", "/api/v1/statistics",
		"/ui/", "/ui/requests", "/ui/devices", "/ui/devices?q=0999999", "/ui/devices?start=999950", "/ui/devices/3973380160000000001",
		"/ui/messages", "/ui/tags", "/ui/tags/vip", "/ui/tags/default?start=999900", "/ui/timers", "/ui/topics", "/ui/stats",
	}
	slowest := map[string]time.Duration{}
	client := &http.Client{}
	b.ResetTimer()
	for b.Loop() {
		for _, p := range paths {
			start := time.Now()
			resp, err := client.Get(srv.URL + p)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			took := time.Since(start)
			if resp.StatusCode != 200 {
				b.Fatalf("%s: %d", p, resp.StatusCode)
			}
			slowest[p] = max(slowest[p], took)
		}
	}
	b.StopTimer()
	var worst time.Duration
	for _, p := range paths {
		b.Logf("%-45s slowest %v", p, slowest[p].Round(time.Microsecond))
		worst = max(worst, slowest[p])
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "ms-slowest-answer")
}

// BenchmarkPushWithLiveClients alternates, in every iteration, a push to an
// emulator that 50 live clients watch (each reading its Server-Sent
// Events over HTTP) and one to an emulator that none watches, and
// reports the medians and their ratio: live clients must not slow the
// push API.
func BenchmarkPushWithLiveClients(b *testing.B) {
	watched := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	b.Cleanup(watched.Close)
	quiet := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	b.Cleanup(quiet.Close)
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	var events atomic.Int64
	var wg sync.WaitGroup
	b.Cleanup(wg.Wait)
	b.Cleanup(cancel)
	for range 50 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, watched.URL+"/api/v1/events", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("live client: %v %v", err, resp)
		}
		wg.Go(func() {
			defer resp.Body.Close()
			buf := make([]byte, 4096)
			for {
				n, err := resp.Body.Read(buf)
				events.Add(int64(bytes.Count(buf[:n], []byte("event: "))))
				if err != nil {
					return
				}
			}
		})
	}
	cw, err := watched.NewChannel()
	if err != nil {
		b.Fatal(err)
	}
	cq, err := quiet.NewChannel()
	if err != nil {
		b.Fatal(err)
	}
	push := func(c *pushsdk.Channel) int64 {
		start := time.Now()
		if _, err := c.PushMsgToSingleDevice(context.Background(), "3973380163216521844", "hello", nil); err != nil {
			b.Fatal(err)
		}
		return int64(time.Since(start))
	}
	var w, q []int64
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			w, q = append(w, push(cw)), append(q, push(cq))
		} else {
			q, w = append(q, push(cq)), append(w, push(cw))
		}
	}
	if n := watched.LiveClients(); n != 50 {
		b.Fatalf("%d live clients at the end, want 50: the comparison would not hold", n)
	}
	wm, qm := median(w), median(q)
	b.ReportMetric(wm, "watched-ns/op")
	b.ReportMetric(qm, "quiet-ns/op")
	b.ReportMetric(wm/qm, "watched/quiet")
	b.ReportMetric(float64(events.Load())/float64(len(w))/50, "events/push/client")
}

func median(v []int64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return float64(s[len(s)/2])
}
