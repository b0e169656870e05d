package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/stretchr/testify/require"
)

// The benchmarks here run `bpush emulator` as its own process, as teams run
// it: a shared test double on a network port.
//
//	go test -run '^$' -bench 'EmulatorFlood' -benchtime 400x ./cmd/bpush
//	go test -run '^$' -bench 'EmulatorLatency' -benchtime 10000x ./cmd/bpush

// rssKB reads a process's resident set (VmRSS) and its peak (VmHWM), in KB.
func rssKB(tb testing.TB, pid int) (rss, peak float64) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	require.NoError(tb, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		n, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		switch k {
		case "VmRSS":
			rss = n
		case "VmHWM":
			peak = n
		}
	}
	return rss, peak
}

// BenchmarkEmulatorFlood posts b.N bodies of 2 MB that fail
// authentication, 4 at a time, and reports the emulator's resident memory
// before and after the flood, and its peak: such requests are answered and
// forgotten.
func BenchmarkEmulatorFlood(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc")
	}
	cmd, base, _ := startEmulatorProcess(b, nil, io.Discard)
	pid := cmd.Process.Pid
	body := "apikey=NotAKey&timestamp=" + strconv.FormatInt(time.Now().Unix(), 10) +
		"&sign=00000000000000000000000000000000&msg=m&channel_ids=" + strings.Repeat("9", 2_000_000)
	client := &http.Client{Timeout: time.Minute}
	rssBefore, _ := rssKB(b, pid)

	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	var next sync.Mutex
	n := 0
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				next.Lock()
				more := n < b.N
				n++
				next.Unlock()
				if !more {
					return
				}
				req, _ := http.NewRequest(http.MethodPost, base+"/rest/3.0/push/batch_device", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("User-Agent", "BCCS_SDK/3.0 (flood)")
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusForbidden {
					b.Errorf("status %d, want 403 (30603)", resp.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	rssAfter, peak := rssKB(b, pid)
	b.ReportMetric(rssBefore/1024, "MB-rss-before")
	b.ReportMetric(rssAfter/1024, "MB-rss-after")
	b.ReportMetric(peak/1024, "MB-rss-peak")
}

// BenchmarkEmulatorLatencyUnderSlowConnections times normal calls to two
// emulators, in turn: one quiet, one holding 2 000 slow connections that
// never finish their headers (each reopened as soon as the emulator cuts
// it off, as an attacker would). It reports the median and p90 of each and
// their ratio (loaded/quiet).
func BenchmarkEmulatorLatencyUnderSlowConnections(b *testing.B) {
	channel := func(base string, banner []string) *pushsdk.Channel {
		env := map[string]string{}
		for _, kv := range strings.Fields(strings.TrimPrefix(banner[len(banner)-1], "export ")) {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		c, err := pushsdk.NewChannel(env["BAIDU_PUSH_API_KEY"], env["BAIDU_PUSH_SECRET_KEY"], pushsdk.WithHost(base))
		require.NoError(b, err)
		return c
	}
	quietURL, quietBanner := startEmulator(b, nil)
	loadedURL, loadedBanner := startEmulator(b, nil)
	quiet, loaded := channel(quietURL, quietBanner), channel(loadedURL, loadedBanner)

	u, err := url.Parse(loadedURL)
	require.NoError(b, err)
	ctx, stop := context.WithCancel(context.Background())
	var attackers sync.WaitGroup
	b.Cleanup(func() { stop(); attackers.Wait() })
	var open sync.WaitGroup
	open.Add(2000)
	for range 2000 {
		attackers.Go(func() {
			first := true
			for ctx.Err() == nil {
				c, err := (&net.Dialer{}).DialContext(ctx, "tcp", u.Host)
				if err != nil {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				_, _ = io.WriteString(c, "POST /rest/3.0/push/all HTTP/1.1\r\nHost: x\r\n")
				if first {
					open.Done()
					first = false
				}
				stopRead := context.AfterFunc(ctx, func() { c.Close() })
				_, _ = io.Copy(io.Discard, c) // until the emulator cuts it off
				stopRead()
				c.Close()
			}
		})
	}
	open.Wait()

	call := func(c *pushsdk.Channel) time.Duration {
		start := time.Now()
		if _, err := c.QueryDeviceNumInTag(context.Background(), "default"); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	q := make([]time.Duration, 0, b.N)
	l := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		q = append(q, call(quiet))
		l = append(l, call(loaded))
	}
	b.StopTimer()
	slices.Sort(q)
	slices.Sort(l)
	pct := func(d []time.Duration, p int) float64 { return float64(d[len(d)*p/100].Microseconds()) }
	b.ReportMetric(pct(q, 50), "µs-p50-quiet")
	b.ReportMetric(pct(l, 50), "µs-p50-loaded")
	b.ReportMetric(pct(q, 90), "µs-p90-quiet")
	b.ReportMetric(pct(l, 90), "µs-p90-loaded")
	b.ReportMetric(pct(l, 50)/pct(q, 50), "p50-loaded/quiet")
	b.ReportMetric(pct(l, 90)/pct(q, 90), "p90-loaded/quiet")
}

// BenchmarkEmulatorBatchAbuse sends `bpush emulator` (its default limits)
// b.N push/batch_device calls of 10 000 ids it has never seen — about
// 2.9 MB kept for good each, before the emulator had limits — and reports
// its resident memory after a quarter of them and at the end: past the
// limits it levels off.
//
//	go test -run '^$' -bench EmulatorBatchAbuse -benchtime 400x ./cmd/bpush
func BenchmarkEmulatorBatchAbuse(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc")
	}
	cmd, base, _ := startEmulatorProcess(b, []string{"BAIDU_PUSH_API_KEY=AbuseKey", "BAIDU_PUSH_SECRET_KEY=AbuseSecret"}, io.Discard,
		"--delivery-delay", "0s", "--log-requests", "100")
	pid := cmd.Process.Pid
	c, err := pushsdk.NewChannel("AbuseKey", "AbuseSecret", pushsdk.WithHost(base))
	if err != nil {
		b.Fatal(err)
	}
	next := int64(6_000_000_000_000_000_000)
	ids := make([]string, 10_000)
	var quarter float64
	b.ResetTimer()
	for i := range b.N {
		for j := range ids {
			ids[j] = strconv.FormatInt(next, 10)
			next++
		}
		if _, err := c.PushBatchUniMsg(context.Background(), ids, "m", nil); err != nil {
			b.Fatal(err)
		}
		if i == b.N/4 {
			quarter, _ = rssKB(b, pid)
		}
	}
	b.StopTimer()
	end, peak := rssKB(b, pid)
	b.ReportMetric(quarter/1024, "MB-rss-at-a-quarter")
	b.ReportMetric(end/1024, "MB-rss-at-the-end")
	b.ReportMetric(peak/1024, "MB-rss-peak")
}
