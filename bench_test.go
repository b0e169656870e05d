package pushsdk_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/stretchr/testify/require"
)

// Run with:
//
//	go test -run '^$' -bench . -benchmem -count 10 . | tee bench.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /impl bench.txt
//
// The push benchmarks compare, in one process and interleaved round by
// round (-count), the SDK against a bare net/http client that does what any
// client must for each push — build the form, sign it, POST it, decode the
// answer with encoding/json — and nothing else: no validation, no retries,
// no error mapping.

var benchParams = url.Values{
	"apikey":      {"tf9G7QicWAh2aEGFlrI1Ohyb"},
	"timestamp":   {"1447401600"},
	"device_type": {"3"},
	"msg":         {`{"title":"新版本 ~ v2.0*","description":"点击查看 (更新)!"}`},
	"msg_expires": {"3600"},
	"msg_type":    {"1"},
}

func BenchmarkSign(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		pushsdk.Sign("POST", "https://api.push.baidu.com/rest/3.0/push/all", benchParams, "qQ1h43yGQYG6H6mYgSPizDuCmtbMj6Ld")
	}
}

// benchReply is what the loopback service answers to every push.
var benchReply = []byte(`{"request_id":3141592653,"response_params":{"msg_id":"7205759403792793001","send_time":1700000000}}`)

// newBenchServer is a minimal loopback service: it reads the form and,
// after latency, answers a fixed success, so that the client's costs
// dominate. It counts the TCP connections it accepts.
func newBenchServer(tb testing.TB, latency time.Duration) (*httptest.Server, *atomic.Int64) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if latency > 0 {
			time.Sleep(latency)
		}
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{strconv.Itoa(len(benchReply))}
		_, _ = w.Write(benchReply)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	tb.Cleanup(srv.Close)
	return srv, &conns
}

// bareClient is the best a hand-written client does: a pooled transport
// sized for the workers.
func bareClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}

// barePost is one push by the bare client: build and sign the form, POST
// it, decode the answer.
func barePost(tb testing.TB, c *http.Client, u string) {
	form := url.Values{
		"apikey": {testKey}, "timestamp": {strconv.FormatInt(time.Now().Unix(), 10)},
		"channel_id": {"3973380163216521844"}, "msg": {benchMsg},
	}
	form.Set("sign", bareSign(u, form))
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
	req.Header.Set("User-Agent", "BCCS_SDK/3.0 bare")
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	var env struct {
		RequestID int64 `json:"request_id"`
		Params    struct {
			MsgID    string `json:"msg_id"`
			SendTime int64  `json:"send_time"`
		} `json:"response_params"`
	}
	err = json.NewDecoder(resp.Body).Decode(&env)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || env.Params.MsgID == "" {
		tb.Fatal(err, resp.StatusCode)
	}
}

// bareSign is the signature as a hand-written client computes it.
func bareSign(u string, form url.Values) string {
	keys := slices.Sorted(maps.Keys(form))
	var b strings.Builder
	b.WriteString("POST" + u)
	for _, k := range keys {
		b.WriteString(k + "=" + form.Get(k))
	}
	b.WriteString(testSecret)
	enc := strings.ReplaceAll(url.QueryEscape(b.String()), "~", "%7E")
	return fmt.Sprintf("%x", md5.Sum([]byte(enc)))
}

const benchMsg = `{"title":"hello","description":"a typical notification of some sixty bytes"}`

func benchChannel(tb testing.TB, u string) *pushsdk.Channel {
	c, err := pushsdk.NewChannel(testKey, testSecret, pushsdk.WithHost(u), pushsdk.WithRetry(pushsdk.RetryPolicy{}))
	require.NoError(tb, err)
	return c
}

// pushPair is the two contenders of the push benchmarks: a bare client's
// push and an SDK push, to the same loopback server.
type pushPair struct {
	client *http.Client
	url    string
	c      *pushsdk.Channel
}

func newPushPair(b *testing.B) *pushPair {
	srv, _ := newBenchServer(b, 0)
	return &pushPair{client: bareClient(), url: srv.URL + "/rest/3.0/push/single_device", c: benchChannel(b, srv.URL)}
}

func (p *pushPair) bare(tb testing.TB) { barePost(tb, p.client, p.url) }

func (p *pushPair) sdk() error {
	_, err := p.c.PushMsgToSingleDevice(context.Background(), "3973380163216521844", benchMsg, nil)
	return err
}

func BenchmarkPush(b *testing.B) {
	p := newPushPair(b)
	b.Run("impl=bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p.bare(b)
		}
	})
	b.Run("impl=sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := p.sdk(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPushInterleaved alternates a bare POST and an SDK push in every
// iteration, timing each, and reports the median of each and their ratio:
// the machine's noise hits both alike.
func BenchmarkPushInterleaved(b *testing.B) {
	p := newPushPair(b)
	var bareNS, sdkNS []int64
	for i := 0; b.Loop(); i++ {
		for j := 0; j < 2; j++ {
			start := time.Now()
			if (i+j)%2 == 0 {
				p.bare(b)
				bareNS = append(bareNS, int64(time.Since(start)))
			} else {
				if err := p.sdk(); err != nil {
					b.Fatal(err)
				}
				sdkNS = append(sdkNS, int64(time.Since(start)))
			}
		}
	}
	bm, sm := median(bareNS), median(sdkNS)
	b.ReportMetric(bm, "bare-ns/op")
	b.ReportMetric(sm, "sdk-ns/op")
	b.ReportMetric(sm/bm, "sdk/bare")
}

// BenchmarkPushParallelInterleaved: 8 workers, each alternating a bare POST
// and an SDK push; reports the ratio of their mean latencies under the same
// load, which is the inverse of their throughput ratio.
func BenchmarkPushParallelInterleaved(b *testing.B) {
	p := newPushPair(b)
	var bareTotal, sdkTotal, bareN, sdkN atomic.Int64
	b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			start := time.Now()
			if i%2 == 0 {
				p.bare(b)
				bareTotal.Add(int64(time.Since(start)))
				bareN.Add(1)
			} else {
				if err := p.sdk(); err != nil {
					b.Error(err)
					return
				}
				sdkTotal.Add(int64(time.Since(start)))
				sdkN.Add(1)
			}
		}
	})
	if bareN.Load() > 0 && sdkN.Load() > 0 {
		bm := float64(bareTotal.Load()) / float64(bareN.Load())
		sm := float64(sdkTotal.Load()) / float64(sdkN.Load())
		b.ReportMetric(sm/bm, "sdk/bare-latency")
		b.ReportMetric(bm/sm, "sdk/bare-throughput")
	}
}

func median(xs []int64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return float64(s[len(s)/2])
}

// BenchmarkPushParallel runs 8 workers (4 per CPU on 2 CPUs).
func BenchmarkPushParallel(b *testing.B) {
	p := newPushPair(b)
	par := max(1, 8/runtime.GOMAXPROCS(0))
	b.Run("impl=bare", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(par)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p.bare(b)
			}
		})
	})
	b.Run("impl=sdk", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(par)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := p.sdk(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkEncodeRequest measures validating, building and signing one
// push's form body, without I/O.
func BenchmarkEncodeRequest(b *testing.B) {
	c := benchChannel(b, "http://127.0.0.1:1")
	b.ReportAllocs()
	for b.Loop() {
		pushsdk.EncodeForTest(c, "3973380163216521844", benchMsg)
	}
}

// BenchmarkDecode measures decoding answers into each kind of result.
func BenchmarkDecode(b *testing.B) {
	days := func(fields string) string {
		var buf bytes.Buffer
		for i := 0; i < 30; i++ {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(`"` + strconv.Itoa(1429977600+86400*i) + `":{` + fields + `}`)
		}
		return buf.String()
	}
	env := func(params string) []byte {
		return []byte(`{"request_id":3141592653,"response_params":` + params + `}`)
	}
	cases := []struct {
		name   string
		body   []byte
		decode func([]byte) error
	}{
		{"push", env(`{"msg_id":"7205759403792793001","send_time":1700000000}`), dec[pushsdk.PushResult]},
		{"msg_status", env(`{"total_num":2,"result":[{"msg_id":"1","status":0,"send_time":1,"success":5},{"msg_id":"2","status":1,"send_time":2,"success":0}]}`), dec[pushsdk.MsgStatusResult]},
		{"timer_records", env(`{"timer_id":"9","result":[{"msg_id":"1","status":0,"send_time":1},{"msg_id":"2","status":0,"send_time":2}]}`), dec[pushsdk.TimerRecords]},
		{"topic_records", env(`{"topic_id":"t","result":[{"msg_id":"1","status":0,"send_time":1},{"msg_id":"2","status":0,"send_time":2}]}`), dec[pushsdk.TopicRecords]},
		{"timer_list", env(`{"total_num":1,"result":[{"timer_id":"9","msg":"hello","send_time":1700000000,"msg_type":0,"range_type":1}]}`), dec[pushsdk.TimerList]},
		{"topic_list", env(`{"total_num":1,"result":[{"topic_id":"t","ctime":1,"mtime":2,"push_cnt":3,"ack_cnt":-1}]}`), dec[pushsdk.TopicList]},
		{"tags", env(`{"total_num":2,"result":[{"tid":"1","tag":"default","info":"default","type":0,"create_time":1},{"tid":"2","tag":"vip","info":"vip","type":1,"create_time":2}]}`), dec[pushsdk.TagList]},
		{"tag_result", env(`{"tag":"vip","result":0}`), dec[pushsdk.TagResult]},
		{"device_results", env(`{"result":[{"channel_id":"1","result":0},{"channel_id":"2","result":1}]}`), dec[pushsdk.DeviceResults]},
		{"device_num", env(`{"device_num":123}`), dec[pushsdk.DeviceNum]},
		{"stat_device", env(`{"total_num":30,"result":{` + days(`"new_term":1,"del_term":0,"online_term":-1,"addup_term":5,"total_term":4`) + `}}`), dec[pushsdk.DeviceStatistics]},
		{"stat_topic", env(`{"total_num":30,"result":{` + days(`"ack":7`) + `}}`), dec[pushsdk.TopicStatistics]},
		{"stat_msg", env(`{"total_num":1,"result":[{"range_type":1,"total_num":30,"result":{` + days(`"push":10,"ack":8,"del":-1,"click":-1`) + `}}]}`), dec[pushsdk.MsgStatistics]},
		{"cancel", []byte(`{"request_id":3141592653}`), dec[pushsdk.CancelResult]},
	}
	for _, tc := range cases {
		if err := tc.decode(tc.body); err != nil {
			b.Fatalf("%s: %v", tc.name, err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.body)))
			for b.Loop() {
				if err := tc.decode(tc.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func dec[T any, PT interface {
	*T
	pushsdk.ResultForTest
}](body []byte) error {
	_, err := pushsdk.DecodeForTest[T, PT](body)
	return err
}

// BenchmarkPushWithLatency is the figure that matters on a real network:
// a service that takes 20 ms to answer, 64 workers pushing at once. Each
// contender has its own server; each sub-benchmark reports the TCP
// connections it opened.
func BenchmarkPushWithLatency(b *testing.B) {
	const latency, workers = 20 * time.Millisecond, 64
	for _, impl := range []string{"bare", "sdk"} {
		b.Run("impl="+impl, func(b *testing.B) {
			srv, conns := newBenchServer(b, latency)
			client := bareClient()
			push := func() error { barePost(b, client, srv.URL+"/rest/3.0/push/single_device"); return nil }
			if impl == "sdk" {
				c := benchChannel(b, srv.URL)
				push = func() error {
					_, err := c.PushMsgToSingleDevice(context.Background(), "3973380163216521844", benchMsg, nil)
					return err
				}
			}
			b.SetParallelism(max(1, workers/runtime.GOMAXPROCS(0)))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := push(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(conns.Load()), "conns")
		})
	}
}

// BenchmarkConnections counts the TCP connections one Channel opens for a
// fixed job: 3 200 pushes by 8 workers to a loopback server that answers at
// once, and 1 280 pushes by 64 workers to one that takes 20 ms. It reports
// conns (per job) beside the time: a bound on connections is a property of
// the transport under load, measured here rather than asserted in a test
// (a loaded machine opens a few more).
func BenchmarkConnections(b *testing.B) {
	for _, tc := range []struct {
		workers, pushes int
		latency         time.Duration
	}{{8, 400, 0}, {64, 20, 20 * time.Millisecond}} {
		b.Run(fmt.Sprintf("workers=%d/latency=%v", tc.workers, tc.latency), func(b *testing.B) {
			var total int64
			for b.Loop() {
				srv, conns := newBenchServer(b, tc.latency)
				c := benchChannel(b, srv.URL)
				var wg sync.WaitGroup
				for range tc.workers {
					wg.Go(func() {
						for range tc.pushes {
							if _, err := c.PushMsgToSingleDevice(context.Background(), "3973380163216521844", benchMsg, nil); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				total += conns.Load()
				srv.Close()
			}
			b.ReportMetric(float64(total)/float64(b.N), "conns")
		})
	}
}
