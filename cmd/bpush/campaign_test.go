package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushredis"
	"github.com/bdpush/pushsdk/pushredis/redistest"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// campaignStatus reads a campaign's status through the binary.
func campaignStatus(t *testing.T, flags []string, redisURL, name string) pushredis.Status {
	t.Helper()
	r := bpush(t, "", nil, append(flags, "--json", "campaign", "status", name, "--redis", redisURL)...)
	require.Equal(t, 0, r.code, r.stderr)
	var st struct {
		pushredis.Status
		Name string `json:"name"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &st), r.stdout)
	return st.Status
}

func TestCampaignCommands(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	srv, flags := emu(t)
	ids := makeIDs(2500, 1700000000000000000)
	list := append(append([]string{"# devices"}, ids...), ids[:10]...) // repeats are pushed once
	idsFile := writeLines(t, "ids.txt", list)
	env := []string{"BAIDU_PUSH_REDIS_URL=" + rs.URL()}

	r := bpush(t, "", env, append(flags, "campaign", "create", "sale", "--ids-file", idsFile, "--batch-size", "1000",
		"--title", "Sale", "--description", "50% off")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "pending    2500  3")
	// The same again changes nothing; another message or list is refused.
	r = bpush(t, "", env, append(flags, "campaign", "create", "sale", "--ids-file", idsFile, "--batch-size", "1000",
		"--title", "Sale", "--description", "50% off")...)
	require.Equal(t, 0, r.code, r.stderr)
	r = bpush(t, "", env, append(flags, "campaign", "create", "sale", "--ids-file", idsFile, "--batch-size", "1000", "--msg", "other")...)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "campaign sale exists with another message")

	// Usage errors: nothing stored.
	bad := writeLines(t, "bad.txt", []string{"1", "2", "x3"})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"campaign", "create", "c2", "--ids-file", bad, "--msg", "hi"}, "bad.txt:3: \"x3\" is not a channel id"},
		{[]string{"campaign", "create", "c2", "--msg", "hi"}, "--ids-file is required"},
		{[]string{"campaign", "create", "c 2", "--ids-file", idsFile, "--msg", "hi"}, `Name "c 2"`},
		{[]string{"campaign", "create", "c2", "--ids-file", idsFile, "--msg", "hi", "--batch-size", "10001"}, "--batch-size 10001"},
		{[]string{"campaign", "create", "c2", "--ids-file", idsFile, "--msg", "not json", "--notification"}, "is plain text, not JSON"},
		{[]string{"campaign", "run", "c2", "--rate-limit", "-1"}, "--rate-limit"},
		{[]string{"campaign", "run", "c2", "--lease", "1ms"}, "--lease 1ms"},
	} {
		r := bpush(t, "", env, append(flags, tc.args...)...)
		assert.Equal(t, 2, r.code, "%v: %s", tc.args, r.stderr)
		assert.Contains(t, r.stderr, tc.want)
	}
	r = bpush(t, "", nil, append(flags, "campaign", "list")...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "no Redis: give --redis redis://host:6379/0 or BAIDU_PUSH_REDIS_URL")
	r = bpush(t, "", nil, append(flags, "campaign", "list", "--redis", "redis://user:S3cretPass@127.0.0.1:1/0?bogus=1")...)
	assert.NotEqual(t, 0, r.code)
	assert.NotContains(t, r.stderr, "S3cretPass", "the Redis password never shows")

	srv.FailNext("push/batch_device", 1, pushtest.Fault{Code: pushsdk.CodeInvalidParams})
	r = bpush(t, "", env, append(flags, "campaign", "run", "sale", "--concurrency", "1")...)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stdout, "campaign sale: 2500 ids in 3 batches: 1500 ok, 1000 failed, 0 uncertain, 0 pending, 0 in flight")
	assert.Contains(t, r.stderr, "1000 failed (bpush campaign run sends them again)")

	dir := t.TempDir()
	failed, uncertain := filepath.Join(dir, "failed.txt"), filepath.Join(dir, "uncertain.txt")
	require.NoError(t, os.WriteFile(uncertain, []byte("old\n"), 0o600))
	st := campaignStatus(t, flags, rs.URL(), "sale")
	assert.Equal(t, pushredis.Count{IDs: 1000, Batches: 1}, st.Failed)
	r = bpush(t, "", env, append(flags, "campaign", "status", "sale", "--failed-file", failed, "--uncertain-file", uncertain)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, ids[:1000], readLines(t, failed), "the first batch failed")
	assert.Empty(t, readLines(t, uncertain), "replaced: none is uncertain")
	for _, id := range readLines(t, failed) {
		require.Zero(t, srv.DeliveryCount(id))
	}

	// The next run sends the failed batch again: done.
	r = bpush(t, "", env, append(flags, "--json", "campaign", "run", "sale")...)
	require.Equal(t, 0, r.code, r.stderr)
	var out struct {
		Batches  []batchJSON      `json:"batches"`
		Requeued int              `json:"requeued"`
		Campaign pushredis.Status `json:"campaign"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out), r.stdout)
	assert.Equal(t, 1, out.Requeued)
	require.Len(t, out.Batches, 1)
	assert.Equal(t, "ok", out.Batches[0].Outcome)
	assert.True(t, out.Campaign.Done)
	for _, id := range ids {
		require.Equal(t, 1, srv.DeliveryCount(id), id)
	}

	r = bpush(t, "", env, append(flags, "--json", "campaign", "list")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"name": "sale"`)
	r = bpush(t, "", env, append(flags, "campaign", "delete", "sale")...)
	require.Equal(t, 0, r.code, r.stderr)
	r = bpush(t, "", env, append(flags, "campaign", "delete", "sale")...)
	assert.Equal(t, 1, r.code)
	r = bpush(t, "", env, append(flags, "campaign", "status", "sale")...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "no such campaign")
}

// TestCampaignWorkersSurviveSIGKILL: three workers run one campaign and one
// is SIGKILLed at a random point (logged, many runs); the others, and one
// started after, finish it. Every id is delivered exactly once, except ids
// reported uncertain (at most once), and the status adds up.
func TestCampaignWorkersSurviveSIGKILL(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	srv, flags := emu(t)
	srv.FailNext("push/batch_device", 100000, pushtest.Fault{Delay: 20 * time.Millisecond}) // a batch takes a while
	env := []string{"BAIDU_PUSH_REDIS_URL=" + rs.URL()}
	runs := 6
	if testing.Short() {
		runs = 2
	}
	for run := range runs {
		name := fmt.Sprintf("kill%d", run)
		ids := makeIDs(1500, 1800000000000000000+int64(run)*100000)
		idsFile := writeLines(t, name+".txt", ids)
		r := bpush(t, "", env, append(flags, "campaign", "create", name, "--ids-file", idsFile, "--batch-size", "15", "--msg", "hi")...)
		require.Equal(t, 0, r.code, r.stderr)

		args := append(flags, "campaign", "run", name, "--concurrency", "2", "--lease", "400ms")
		var workers []*exec.Cmd
		var outs []*bytes.Buffer
		for range 3 {
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), env...)
			var b bytes.Buffer
			cmd.Stdout, cmd.Stderr = &b, &b
			dieWithParent(cmd)
			require.NoError(t, cmd.Start())
			workers = append(workers, cmd)
			outs = append(outs, &b)
		}
		// Kill one once it has recorded a random number of batches.
		after := rand.N(40)
		t.Logf("run %d: SIGKILL worker 1 after %d outcomes recorded", run, after)
		waitFor(t, "outcomes to be recorded", func() bool {
			st, err := statusOf(rs, name)
			return err == nil && st.Succeeded.Batches+st.Failed.Batches+st.Uncertain.Batches >= int64(after) || err == nil && st.Done
		})
		require.NoError(t, workers[1].Process.Signal(syscall.SIGKILL))
		_ = workers[1].Wait()
		// The others finish the campaign: exit 0, or 1 when the killed
		// worker left uncertain ids.
		for _, i := range []int{0, 2} {
			err := workers[i].Wait()
			if err != nil {
				var ee *exec.ExitError
				require.ErrorAs(t, err, &ee)
				require.Equal(t, 1, ee.ExitCode(), "worker %d: %s", i, outs[i])
				require.Contains(t, outs[i].String(), "uncertain", "worker %d", i)
			}
		}
		// Another worker, started after, finds the campaign done.
		r = bpush(t, "", env, args...)
		require.Contains(t, []int{0, 1}, r.code, r.stderr+r.stdout)
		assert.Contains(t, r.stdout, "worker ")

		st, err := statusOf(rs, name)
		require.NoError(t, err)
		require.True(t, st.Done, "%+v", st)
		assert.Equal(t, st.IDs, st.Succeeded.IDs+st.Uncertain.IDs, "every id succeeded or is uncertain")
		assert.Zero(t, st.Failed.IDs)
		uncertain := map[string]bool{}
		cs, err := pushredis.NewCampaigns(redisClient(t, rs))
		require.NoError(t, err)
		require.NoError(t, cs.IDs(context.Background(), name, "uncertain", func(b []string) error {
			for _, id := range b {
				uncertain[id] = true
			}
			return nil
		}))
		assert.LessOrEqual(t, len(uncertain), 2*15, "at most the batches the killed worker had started")
		t.Logf("run %d: %d ids ok, %d uncertain", run, st.Succeeded.IDs, st.Uncertain.IDs)
		for _, id := range ids {
			n := srv.DeliveryCount(id)
			if uncertain[id] {
				require.LessOrEqual(t, n, 1, "uncertain id %s delivered twice", id)
			} else {
				require.Equal(t, 1, n, "id %s", id)
			}
		}
	}
}

// statusOf reads a campaign's status straight from Redis.
func statusOf(rs *redistest.Server, name string) (*pushredis.Status, error) {
	rdb := rs.Client()
	defer rdb.Close()
	cs, err := pushredis.NewCampaigns(rdb)
	if err != nil {
		return nil, err
	}
	return cs.Status(context.Background(), name)
}

// redisClient is a client of rs, closed when the test ends.
func redisClient(t *testing.T, rs *redistest.Server) *redis.Client {
	c := rs.Client()
	t.Cleanup(func() { c.Close() })
	return c
}

// TestCampaignSharedRateLimit: three workers sharing --rate-limit R through
// Redis stay within R calls in every second, as the emulator (which answers
// 30699 beyond R) sees them; without the shared limit they exceed it.
func TestCampaignSharedRateLimit(t *testing.T) {
	t.Parallel()
	const rate = 20
	rs := redistest.Start(t)
	env := []string{"BAIDU_PUSH_REDIS_URL=" + rs.URL()}
	for _, shared := range []bool{true, false} {
		srv, flags := emu(t, pushtest.WithRateLimit(rate, 2))
		name := fmt.Sprintf("rate-%v", shared)
		ids := makeIDs(60, 1900000000000000000)
		r := bpush(t, "", env, append(flags, "campaign", "create", name, "--ids-file", writeLines(t, name, ids), "--batch-size", "1", "--msg", "hi")...)
		require.Equal(t, 0, r.code, r.stderr)
		args := append(flags, "campaign", "run", name, "--concurrency", "2")
		if shared {
			args = append(args, "--rate-limit", fmt.Sprint(rate))
		}
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				r := bpush(t, "", env, args...)
				if shared {
					assert.Equal(t, 0, r.code, r.stderr)
				}
			})
		}
		wg.Wait()
		var times []time.Time
		refused := 0
		for _, q := range srv.RequestsTo("push/batch_device") {
			times = append(times, q.Time)
			if q.Code == pushsdk.CodeTooFrequent {
				refused++
			}
		}
		sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
		busiest := 0
		for i := range times {
			n := sort.Search(len(times), func(j int) bool { return !times[j].Before(times[i].Add(time.Second)) }) - i
			busiest = max(busiest, n)
		}
		elapsed := times[len(times)-1].Sub(times[0])
		t.Logf("shared=%v: %d calls in %v (%.1f/s), busiest second %d, %d refused with 30699", shared, len(times), elapsed.Round(time.Millisecond),
			float64(len(times)-1)/elapsed.Seconds(), busiest, refused)
		if shared {
			// GCRA spaces the calls 1/R apart on Redis's clock; the emulator
			// sees them through the network's jitter, and would refuse any
			// beyond R a second with a burst of 2.
			assert.LessOrEqual(t, busiest, rate+2, "calls in the busiest second")
			assert.Zero(t, refused, "the emulator never refused for rate")
			for _, id := range ids {
				assert.Equal(t, 1, srv.DeliveryCount(id), id)
			}
		} else {
			assert.Positive(t, refused, "without the shared limit the workers exceed the rate (the check can fail)")
		}
	}
}

// TestCampaignRedisStoppedMidRun: a worker whose Redis stops exits with a
// clear error; what was recorded before survives the restart, and another
// run finishes the campaign, nothing delivered twice unknowingly.
func TestCampaignRedisStoppedMidRun(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t, redistest.WithPersistence())
	srv, flags := emu(t)
	srv.FailNext("push/batch_device", 100000, pushtest.Fault{Delay: 40 * time.Millisecond})
	env := []string{"BAIDU_PUSH_REDIS_URL=" + rs.URL()}
	ids := makeIDs(500, 2000000000000000000)
	r := bpush(t, "", env, append(flags, "campaign", "create", "stop", "--ids-file", writeLines(t, "stop.txt", ids), "--batch-size", "10", "--msg", "hi")...)
	require.Equal(t, 0, r.code, r.stderr)

	cmd := exec.Command(bin, append(flags, "campaign", "run", "stop", "--concurrency", "1", "--lease", "500ms")...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	dieWithParent(cmd)
	require.NoError(t, cmd.Start())
	var before *pushredis.Status
	waitFor(t, "ten batches to be recorded", func() bool {
		st, err := statusOf(rs, "stop")
		before = st
		return err == nil && st.Succeeded.Batches >= 10
	})
	rs.Stop()
	err := cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, stderr.String())
	assert.Equal(t, 1, ee.ExitCode())
	assert.Contains(t, stderr.String(), "Redis")
	assert.Contains(t, stderr.String(), "bpush: pushredis: campaign stop: Redis: dial tcp")
	assert.Contains(t, stderr.String(), "this worker stopped, and what Redis recorded is kept: run bpush campaign run stop again once Redis at "+rs.URL()+" is back")
	t.Logf("stderr: %s", stderr.String())

	require.NoError(t, rs.Restart())
	after, err := statusOf(rs, "stop")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, after.Succeeded.Batches, before.Succeeded.Batches, "nothing recorded was lost")
	assert.LessOrEqual(t, after.InFlight.Batches, int64(1), "at most the batch under way when Redis stopped")
	assert.Equal(t, after.IDs, after.Pending.IDs+after.InFlight.IDs+after.Succeeded.IDs+after.Failed.IDs+after.Uncertain.IDs)

	r = bpush(t, "", env, append(flags, "campaign", "run", "stop", "--lease", "500ms")...)
	final, err := statusOf(rs, "stop")
	require.NoError(t, err)
	require.True(t, final.Done, "%+v\n%s", final, r.stderr)
	assert.Equal(t, final.IDs, final.Succeeded.IDs+final.Uncertain.IDs)
	cs, err := pushredis.NewCampaigns(redisClient(t, rs))
	require.NoError(t, err)
	uncertain := map[string]bool{}
	require.NoError(t, cs.IDs(context.Background(), "stop", "uncertain", func(b []string) error {
		for _, id := range b {
			uncertain[id] = true
		}
		return nil
	}))
	for _, id := range ids {
		if n := srv.DeliveryCount(id); uncertain[id] {
			require.LessOrEqual(t, n, 1, id)
		} else {
			require.Equal(t, 1, n, id)
		}
	}
	if len(uncertain) > 0 {
		assert.Equal(t, 1, r.code, "uncertain ids make the run exit 1")
	}
}
