package pushtest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
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
