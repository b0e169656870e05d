package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bdpush/pushsdk/pushredis/redistest"
	"github.com/stretchr/testify/require"
)

// BenchmarkCampaign measures campaigns at scale with real processes: a
// redis-server, `bpush emulator` (messages stay pending, so it keeps no
// deliveries) and `bpush campaign` commands. It reports, for a list of
// PUSHSDK_BENCH_IDS ids (default 100 000; BENCHMARKS.md uses 10 000 000):
//
//   - load-ids/s: `campaign create` reading, de-duplicating and storing;
//
//   - redis-B/id: Redis memory per id (used_memory before and after);
//
//   - create-MiB, worker-MiB: the peak RSS of create and of one worker
//     that sends the whole campaign;
//
//   - w1-ids/s, w2-ids/s, w4-ids/s: ids pushed a second by 1, 2 and 4
//     workers on one campaign of min(ids, 1 000 000) ids, batches of 10 000.
//
//     PUSHSDK_BENCH_IDS=10000000 go test -run '^$' -bench Campaign -benchtime 1x ./cmd/bpush
func BenchmarkCampaign(b *testing.B) {
	n := 100_000
	if s := os.Getenv("PUSHSDK_BENCH_IDS"); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(b, err)
	}
	rs := redistest.Start(b)
	_, base, banner := startEmulatorProcess(b, nil, nil, "--delivery-delay", "1h", "--log-requests", "100", "--max-body", "4194304")
	export := strings.Fields(strings.TrimPrefix(banner[len(banner)-1], "export "))
	env := append(export, "BAIDU_PUSH_REDIS_URL="+rs.URL())
	_ = base
	ids := filepath.Join(b.TempDir(), "ids.txt")
	writeIDRange(b, ids, n, 4000000000000000000)
	small := filepath.Join(b.TempDir(), "small.txt")
	writeIDRange(b, small, min(n, 1_000_000), 4100000000000000000)

	for b.Loop() {
		ctx := context.Background()
		before, err := rs.UsedMemory(ctx)
		require.NoError(b, err)
		start := time.Now()
		create := runMeasured(b, env, "campaign", "create", "big", "--ids-file", ids, "--msg", "hi")
		load := time.Since(start)
		after, err := rs.UsedMemory(ctx)
		require.NoError(b, err)
		worker := runMeasured(b, env, "campaign", "run", "big", "--concurrency", "4")
		b.ReportMetric(float64(n)/load.Seconds(), "load-ids/s")
		b.ReportMetric(float64(after-before)/float64(n), "redis-B/id")
		b.ReportMetric(create.rssMiB, "create-MiB")
		b.ReportMetric(worker.rssMiB, "worker-MiB")

		for _, workers := range []int{1, 2, 4} {
			name := fmt.Sprintf("w%d", workers)
			runMeasured(b, env, "campaign", "create", name, "--ids-file", small, "--msg", "hi")
			start := time.Now()
			var wg sync.WaitGroup
			for range workers {
				wg.Go(func() { runMeasured(b, env, "campaign", "run", name, "--concurrency", "2") })
			}
			wg.Wait()
			b.ReportMetric(float64(min(n, 1_000_000))/time.Since(start).Seconds(), name+"-ids/s")
		}
		for _, name := range []string{"big", "w1", "w2", "w4"} {
			runMeasured(b, env, "campaign", "delete", name)
		}
	}
}

// measured is a finished bpush run.
type measured struct {
	rssMiB float64 // its peak resident set
}

// runMeasured runs bpush to the end; it must succeed.
func runMeasured(b *testing.B, env []string, args ...string) measured {
	b.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(b, err, "bpush %s: %s", strings.Join(args, " "), out)
	var m measured
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.rssMiB = float64(ru.Maxrss) / 1024 // KiB on Linux
	}
	return m
}

// writeIDRange writes n consecutive ids from base, one a line.
func writeIDRange(b *testing.B, path string, n int, base int64) {
	f, err := os.Create(path)
	require.NoError(b, err)
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range n {
		w.WriteString(strconv.FormatInt(base+int64(i), 10))
		w.WriteByte('\n')
	}
	require.NoError(b, w.Flush())
	require.NoError(b, f.Close())
}
