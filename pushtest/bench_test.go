package pushtest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
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
