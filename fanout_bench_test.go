package pushsdk_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
)

// emulatorProcess is `bpush emulator` running in a process of its own, so
// that a benchmark's memory figures are the SDK's alone.
type emulatorProcess struct {
	url, key, secret string
	cmd              *exec.Cmd
	dir              string // holds the binary
}

// TestMain stops the emulator process and removes its binary when the
// tests and benchmarks are done, whatever their outcome.
func TestMain(m *testing.M) {
	code := m.Run()
	if emuProc != nil {
		emuProc.stop()
	}
	os.Exit(code)
}

// stop ends the emulator and removes its binary.
func (p *emulatorProcess) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
	os.RemoveAll(p.dir)
}

var (
	emuOnce sync.Once
	emuProc *emulatorProcess
	emuErr  error
)

// startEmulatorProcess builds cmd/bpush and starts `bpush emulator` once per
// test binary. TestMain stops it; if the test binary dies first, the
// kernel kills it (dieWithParent, on Linux).
func startEmulatorProcess(tb testing.TB) *emulatorProcess {
	tb.Helper()
	emuOnce.Do(func() {
		dir, err := os.MkdirTemp("", "pushsdk-bench")
		if err != nil {
			emuErr = err
			return
		}
		bin := filepath.Join(dir, "bpush")
		// cmd/bpush is a module of its own: build it in its directory.
		build := exec.Command("go", "build", "-C", "cmd/bpush", "-o", bin, ".")
		if out, err := build.CombinedOutput(); err != nil {
			os.RemoveAll(dir)
			emuErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		// Messages stay pending for an hour: the emulator keeps no
		// deliveries, only what it must to check each call.
		cmd := exec.Command(bin, "emulator", "--addr", "127.0.0.1:0", "--apikey", testKey, "--secretkey", testSecret, "--delivery-delay", "1h")
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = nil
		dieWithParent(cmd)
		if err := cmd.Start(); err != nil {
			os.RemoveAll(dir)
			emuErr = err
			return
		}
		p := &emulatorProcess{key: testKey, secret: testSecret, cmd: cmd, dir: dir}
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, after, ok := strings.Cut(sc.Text(), "listening on "); ok {
				p.url, _, _ = strings.Cut(strings.TrimSpace(after), " ")
				break
			}
		}
		go func() { _, _ = bufio.NewReader(stdout).WriteTo(discard{}) }()
		emuProc = p
		if p.url == "" {
			emuErr = fmt.Errorf("bpush emulator printed no URL")
		}
	})
	if emuErr != nil {
		tb.Fatal(emuErr)
	}
	return emuProc
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// heapSampler records the peak of live heap bytes while it runs.
type heapSampler struct {
	peak atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

func sampleHeap() *heapSampler {
	s := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(s.done)
		t := time.NewTicker(500 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > s.peak.Load() {
				s.peak.Store(v)
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *heapSampler) Stop() uint64 {
	close(s.stop)
	<-s.done
	return s.peak.Load()
}

func heapNow() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// BenchmarkPushToDevices pushes to 100 000 and 1 000 000 ids through a
// separate emulator process. Besides time and allocations it reports the
// peak live heap above the id list itself, in MB and bytes per id: it must
// stay proportional to the ids, not to a copy per batch.
//
//	go test -run '^$' -bench PushToDevices -benchtime 3x .
func BenchmarkPushToDevices(b *testing.B) {
	emu := startEmulatorProcess(b)
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("ids=%d", n), func(b *testing.B) {
			ids := makeIDs(n, 3000000000000000000)
			c, err := pushsdk.NewChannel(emu.key, emu.secret, pushsdk.WithHost(emu.url))
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			base := heapNow()
			s := sampleHeap()
			b.ReportAllocs()
			for b.Loop() {
				res, err := c.PushToDevices(context.Background(), ids, "hello", nil)
				if err != nil {
					b.Fatal(err)
				}
				if f := res.FailedChannelIDs(); len(f) > 0 {
					b.Fatalf("%d ids failed", len(f))
				}
			}
			peak := s.Stop()
			if peak < base {
				peak = base
			}
			b.ReportMetric(float64(peak-base)/(1<<20), "peak-MB")
			b.ReportMetric(float64(peak-base)/float64(n), "peak-B/id")
		})
	}
}
