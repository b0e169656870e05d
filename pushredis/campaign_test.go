package pushredis_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// client is a client of srv, closed when the test ends.
func client(t *testing.T, srv *redistest.Server) *redis.Client {
	c := srv.Client()
	t.Cleanup(func() { c.Close() })
	return c
}

// makeIDs returns n channel ids from base.
func makeIDs(n int, base int64) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.FormatInt(base+int64(i), 10)
	}
	return out
}

type fixture struct {
	redis *redistest.Server
	rdb   *redis.Client
	cs    *pushredis.Campaigns
	emu   *pushtest.Server
	c     *pushsdk.Channel
}

func newFixture(t *testing.T, emuOpts ...pushtest.Option) *fixture {
	t.Helper()
	f := &fixture{redis: redistest.Start(t)}
	f.rdb = client(t, f.redis)
	var err error
	f.cs, err = pushredis.NewCampaigns(f.rdb)
	require.NoError(t, err)
	f.emu = pushtest.NewServer(append([]pushtest.Option{pushtest.WithDeliveryDelay(0, 0)}, emuOpts...)...)
	t.Cleanup(f.emu.Close)
	f.c, err = f.emu.NewChannel(pushsdk.WithRetry(pushsdk.RetryPolicy{}))
	require.NoError(t, err)
	return f
}

// deliveries counts how often each id was delivered.
func (f *fixture) deliveries(ids []string) map[string]int {
	out := map[string]int{}
	for _, id := range ids {
		out[id] = f.emu.DeliveryCount(id)
	}
	return out
}

func TestCampaignRunsToTheEnd(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ids := makeIDs(2500, 3000000000000000000)
	withRepeats := append(slices.Clone(ids), ids[:300]...) // listed twice: pushed once
	spec := pushredis.CampaignSpec{Name: "sale", Msg: "hi", BatchSize: 1000, Keep: time.Hour}
	st, err := f.cs.Create(ctx, spec, pushredis.SliceIDs(withRepeats))
	require.NoError(t, err)
	assert.Equal(t, int64(2500), st.IDs)
	assert.Equal(t, int64(3), st.Batches)
	assert.Equal(t, pushredis.Count{IDs: 2500, Batches: 3}, st.Pending)
	assert.False(t, st.Done)
	assert.WithinDuration(t, time.Now(), st.Created, time.Minute)
	assert.True(t, st.Ended.IsZero(), "not ended: %v", st.Ended)
	st, err = f.cs.Status(ctx, "sale")
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), st.Created, time.Minute, "as Redis holds it")
	assert.True(t, st.Ended.IsZero(), "not ended, as Redis holds it: %v", st.Ended)
	assert.Nil(t, st.Spec.Options, "no options given, none read back")

	var mu sync.Mutex
	var outcomes []pushredis.BatchOutcome
	res, err := f.cs.Run(ctx, "sale", f.c, &pushredis.RunOptions{Concurrency: 2, OnBatch: func(o pushredis.BatchOutcome) {
		mu.Lock()
		outcomes = append(outcomes, o)
		mu.Unlock()
	}})
	require.NoError(t, err)
	assert.Equal(t, pushredis.Count{IDs: 2500, Batches: 3}, res.Succeeded)
	assert.Len(t, outcomes, 3)
	for id, n := range f.deliveries(ids) {
		require.Equal(t, 1, n, "id %s", id)
	}
	st, err = f.cs.Status(ctx, "sale")
	require.NoError(t, err)
	assert.True(t, st.Done)
	assert.Equal(t, pushredis.Count{IDs: 2500, Batches: 3}, st.Succeeded)
	assert.Equal(t, pushredis.Count{}, st.Pending)
	assert.Equal(t, pushredis.Count{}, st.InFlight)
	assert.WithinDuration(t, time.Now(), st.Ended, time.Minute, "the campaign ended")
	ttl, err := f.rdb.PTTL(ctx, "pushsdk:campaign:{sale}:meta").Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, 59*time.Minute, "expires Keep after it ended")

	// A second run finds nothing to do and sends nothing; the campaign
	// still ended when it did, and still expires.
	res, err = f.cs.Run(ctx, "sale", f.c, nil)
	require.NoError(t, err)
	assert.Zero(t, res.Succeeded.Batches)
	again, err := f.cs.Status(ctx, "sale")
	require.NoError(t, err)
	assert.Equal(t, st.Ended, again.Ended)
	ttl, err = f.rdb.PTTL(ctx, "pushsdk:campaign:{sale}:meta").Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, 59*time.Minute)
	for id, n := range f.deliveries(ids) {
		require.Equal(t, 1, n, "id %s", id)
	}

	// Every key of the campaign carries its hash tag.
	keys, err := f.rdb.Keys(ctx, "pushsdk:campaign:*").Result()
	require.NoError(t, err)
	assert.Len(t, keys, 4)
	for _, k := range keys {
		assert.Contains(t, k, "{sale}")
	}
}

func TestCampaignCreateTwice(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ids := makeIDs(100, 3100000000000000000)
	spec := pushredis.CampaignSpec{Name: "c1", Msg: "hi", BatchSize: 30}
	_, err := f.cs.Create(ctx, spec, pushredis.SliceIDs(ids))
	require.NoError(t, err)

	st, err := f.cs.Create(ctx, spec, pushredis.SliceIDs(append(slices.Clone(ids), ids[0])))
	require.NoError(t, err, "the same campaign again (repeats dropped) changes nothing")
	assert.Equal(t, int64(100), st.IDs)

	for name, tc := range map[string]struct {
		spec pushredis.CampaignSpec
		ids  []string
	}{
		"another message": {pushredis.CampaignSpec{Name: "c1", Msg: "bye", BatchSize: 30}, ids},
		"another batch":   {pushredis.CampaignSpec{Name: "c1", Msg: "hi", BatchSize: 31}, ids},
		"another list":    {spec, ids[1:]},
		"another order":   {spec, append(slices.Clone(ids[1:]), ids[0])},
	} {
		_, err := f.cs.Create(ctx, tc.spec, pushredis.SliceIDs(tc.ids))
		assert.ErrorIs(t, err, pushredis.ErrConflict, name)
	}
	st, err = f.cs.Status(ctx, "c1")
	require.NoError(t, err)
	assert.Equal(t, int64(100), st.IDs, "nothing was merged")
	assert.Equal(t, int64(4), st.Batches)
}

func TestCampaignCreateRefusesBadInput(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		spec pushredis.CampaignSpec
		ids  []string
		want string
	}{
		"bad name":     {pushredis.CampaignSpec{Name: "a{b}", Msg: "m"}, []string{"1"}, `Name "a{b}"`},
		"no message":   {pushredis.CampaignSpec{Name: "x"}, []string{"1"}, "Msg: empty"},
		"batch 10001":  {pushredis.CampaignSpec{Name: "x", Msg: "m", BatchSize: 10001}, []string{"1"}, "BatchSize 10001: want 1–10000"},
		"a bad id":     {pushredis.CampaignSpec{Name: "x", Msg: "m"}, []string{"1", "2", "abc"}, `id 3: "abc" is not a channel id`},
		"a 65-digit":   {pushredis.CampaignSpec{Name: "x", Msg: "m"}, []string{"1" + fmt.Sprintf("%064d", 0)}, "is not a channel id"},
		"no ids":       {pushredis.CampaignSpec{Name: "x", Msg: "m"}, nil, "no ids"},
		"a send time":  {pushredis.CampaignSpec{Name: "x", Msg: "m", Options: &pushsdk.PushOptions{SendTime: time.Now().Add(time.Hour)}}, []string{"1"}, "Options.SendTime"},
		"keep too low": {pushredis.CampaignSpec{Name: "x", Msg: "m", Keep: time.Millisecond}, []string{"1"}, "Keep 1ms"},
		"40 bytes shown whole": {pushredis.CampaignSpec{Name: "x", Msg: "m"}, []string{strings.Repeat("7", 39) + "x"},
			`"` + strings.Repeat("7", 39) + `x" is not`},
		"41 bytes cut": {pushredis.CampaignSpec{Name: "x", Msg: "m"}, []string{strings.Repeat("7", 40) + "xy"},
			`"` + strings.Repeat("7", 40) + `…" is not`},
	} {
		_, err := f.cs.Create(ctx, tc.spec, pushredis.SliceIDs(tc.ids))
		assert.ErrorContains(t, err, tc.want, name)
	}
	_, err := f.cs.Status(ctx, "x")
	assert.ErrorIs(t, err, pushredis.ErrNotFound, "a refused campaign leaves nothing behind")
	_, err = f.cs.Create(ctx, pushredis.CampaignSpec{Name: "x", Msg: "m", BatchSize: 10000}, pushredis.SliceIDs([]string{fmt.Sprintf("%064d", 7)}))
	require.NoError(t, err, "the exact limits: a 64-digit id, batches of 10 000")
}

// TestCampaignSpillsToDisk: past 65 536 ids the de-duplication goes
// through temporary files and keeps the order of first appearance.
func TestCampaignSpillsToDisk(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	f := newFixture(t)
	ctx := context.Background()
	ids := makeIDs(150000, 3200000000000000000)
	var list []string
	for i, id := range ids {
		list = append(list, id)
		if i%7 == 0 {
			list = append(list, ids[i/2]) // a repeat of an earlier id
		}
	}
	_, err := f.cs.Create(ctx, pushredis.CampaignSpec{Name: "big", Msg: "m", BatchSize: 10000}, pushredis.SliceIDs(list))
	require.NoError(t, err)
	var got []string
	require.NoError(t, f.cs.IDs(ctx, "big", "pending", func(batch []string) error {
		got = append(got, batch...)
		return nil
	}))
	assert.Equal(t, ids, got, "distinct ids in order of first appearance")
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "the temporary files are removed")
}

// TestCampaignSpillsFromTheExactLimit: 65 536 ids are de-duplicated in
// memory; one more needs temporary files, and a TMPDIR that cannot hold
// them is a clear error, not a panic.
func TestCampaignSpillsFromTheExactLimit(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	f := newFixture(t)
	ctx := context.Background()
	ids := makeIDs(1<<16+1, 3700000000000000000)
	_, err := f.cs.Create(ctx, pushredis.CampaignSpec{Name: "mem", Msg: "m", BatchSize: 10000}, pushredis.SliceIDs(ids[:1<<16]))
	require.NoError(t, err, "65 536 ids need no temporary file")
	_, err = f.cs.Create(ctx, pushredis.CampaignSpec{Name: "disk", Msg: "m", BatchSize: 10000}, pushredis.SliceIDs(ids))
	assert.ErrorContains(t, err, "temporary file for de-duplication")
}

// TestCampaignFailedAndUncertain: a failed batch is sent again by the next
// run, an uncertain one is not (unless asked), and the status and the id
// lists add up.
func TestCampaignFailedAndUncertain(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ids := makeIDs(40, 3300000000000000000)
	_, err := f.cs.Create(ctx, pushredis.CampaignSpec{Name: "f", Msg: "hi", BatchSize: 10}, pushredis.SliceIDs(ids))
	require.NoError(t, err)
	f.emu.FailNext("push/batch_device", 1, pushtest.Fault{Code: pushsdk.CodeInvalidParams})    // failed: not processed
	f.emu.FailNext("push/batch_device", 1, pushtest.Fault{Status: 502, AfterProcessing: true}) // uncertain: delivered, answer lost
	res, err := f.cs.Run(ctx, "f", f.c, nil)
	require.NoError(t, err)
	assert.Equal(t, pushredis.Count{IDs: 10, Batches: 1}, res.Failed)
	assert.Equal(t, pushredis.Count{IDs: 10, Batches: 1}, res.Uncertain)
	assert.Equal(t, pushredis.Count{IDs: 20, Batches: 2}, res.Succeeded)

	st, err := f.cs.Status(ctx, "f")
	require.NoError(t, err)
	assert.True(t, st.Done)
	assert.Equal(t, int64(10), st.Failed.IDs)
	assert.Equal(t, int64(10), st.Uncertain.IDs)
	// Redis holds each outcome with the service's code and request id.
	var recs []map[string]any
	for i := range 2 {
		raw, err := f.rdb.HGet(ctx, "pushsdk:campaign:{f}:state", strconv.Itoa(i)).Result()
		require.NoError(t, err)
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(raw), &rec))
		recs = append(recs, rec)
	}
	assert.Equal(t, "failed", recs[0]["s"])
	assert.Equal(t, float64(pushsdk.CodeInvalidParams), recs[0]["code"])
	assert.Contains(t, recs[0]["msg"], "30602")
	assert.NotZero(t, recs[0]["request_id"])
	assert.Equal(t, "uncertain", recs[1]["s"])
	assert.Contains(t, recs[1]["msg"], "502")
	failed := collect(t, f.cs, "f", "failed")
	uncertain := collect(t, f.cs, "f", "uncertain")
	assert.Equal(t, ids[0:10], failed)
	assert.Equal(t, ids[10:20], uncertain)
	for _, id := range failed {
		assert.Zero(t, f.emu.DeliveryCount(id))
	}

	// The next run sends the failed batch again, not the uncertain one.
	res, err = f.cs.Run(ctx, "f", f.c, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(1), res.Requeued)
	assert.Equal(t, pushredis.Count{IDs: 10, Batches: 1}, res.Succeeded)
	for id, n := range f.deliveries(ids) {
		require.Equal(t, 1, n, "id %s", id)
	}
	// Asked to, it sends the uncertain one again: delivered twice.
	res, err = f.cs.Run(ctx, "f", f.c, &pushredis.RunOptions{ResendUncertain: true})
	require.NoError(t, err)
	assert.Equal(t, pushredis.Count{IDs: 10, Batches: 1}, res.Succeeded)
	assert.Equal(t, 2, f.emu.DeliveryCount(ids[10]))
	st, err = f.cs.Status(ctx, "f")
	require.NoError(t, err)
	assert.Equal(t, pushredis.Count{IDs: 40, Batches: 4}, st.Succeeded)
}

func collect(t *testing.T, cs *pushredis.Campaigns, name, state string) []string {
	t.Helper()
	var out []string
	require.NoError(t, cs.IDs(context.Background(), name, state, func(ids []string) error {
		out = append(out, ids...)
		return nil
	}))
	return out
}

// TestCampaignLostWorker: a worker that claimed a batch and died before
// starting it gives it back when its lease expires; one that started a
// batch and died leaves it uncertain.
func TestCampaignLostWorker(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ids := makeIDs(30, 3400000000000000000)
	_, err := f.cs.Create(ctx, pushredis.CampaignSpec{Name: "lost", Msg: "hi", BatchSize: 10}, pushredis.SliceIDs(ids))
	require.NoError(t, err)
	queue, state := "pushsdk:campaign:{lost}:queue", "pushsdk:campaign:{lost}:state"
	// A worker "dead" claims two batches and records the start of the
	// first, as a killed bpush leaves them.
	got, err := f.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "workers", Consumer: "dead", Streams: []string{queue, ">"}, Count: 2, Block: -1}).Result()
	require.NoError(t, err)
	require.Len(t, got[0].Messages, 2)
	first := got[0].Messages[0].Values["b"].(string)
	start, _ := json.Marshal(map[string]any{"s": "started", "w": "dead", "t": time.Now().UnixMilli()})
	require.NoError(t, f.rdb.HSet(ctx, state, first, string(start)).Err())

	res, err := f.cs.Run(ctx, "lost", f.c, &pushredis.RunOptions{Lease: 300 * time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, pushredis.Count{IDs: 20, Batches: 2}, res.Succeeded, "the batch claimed but not started, and the one never claimed")
	assert.Equal(t, pushredis.Count{IDs: 10, Batches: 1}, res.Uncertain, "the batch started by the dead worker")
	st, err := f.cs.Status(ctx, "lost")
	require.NoError(t, err)
	assert.True(t, st.Done)
	unc := collect(t, f.cs, "lost", "uncertain")
	assert.Equal(t, ids[0:10], unc)
	for _, id := range unc {
		assert.Zero(t, f.emu.DeliveryCount(id), "not sent again")
	}
	for _, id := range ids[10:] {
		assert.Equal(t, 1, f.emu.DeliveryCount(id))
	}
}

// TestCampaignKeepsLeasesDuringLongCalls: a call that takes many leases'
// time keeps its batch: no other worker takes it over.
func TestCampaignKeepsLeasesDuringLongCalls(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ids := makeIDs(2, 3500000000000000000)
	_, err := f.cs.Create(ctx, pushredis.CampaignSpec{Name: "slow", Msg: "hi", BatchSize: 1}, pushredis.SliceIDs(ids))
	require.NoError(t, err)
	f.emu.FailNext("push/batch_device", 2, pushtest.Fault{Delay: time.Second}) // four leases each
	var wg sync.WaitGroup
	results := make([]*pushredis.RunResult, 3)
	for i := range results {
		wg.Go(func() {
			res, err := f.cs.Run(ctx, "slow", f.c, &pushredis.RunOptions{Lease: 250 * time.Millisecond})
			assert.NoError(t, err)
			results[i] = res
		})
	}
	wg.Wait()
	var ok, unc int64
	for _, r := range results {
		ok += r.Succeeded.Batches
		unc += r.Uncertain.Batches
	}
	assert.Equal(t, int64(2), ok)
	assert.Zero(t, unc, "no live worker lost its batch")
	for _, id := range ids {
		assert.Equal(t, 1, f.emu.DeliveryCount(id))
	}
}

// TestCampaignRefusesBadRuns: an unknown campaign, another app, a message
// the SDK refuses (nothing claimed), bad options.
func TestCampaignRefusesBadRuns(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.cs.Run(ctx, "nope", f.c, nil)
	assert.ErrorIs(t, err, pushredis.ErrNotFound)
	_, err = f.cs.Create(ctx, pushredis.CampaignSpec{Name: "ios", Msg: "plain text", App: "AppA", BatchSize: 1}, pushredis.SliceIDs([]string{"1", "2"}))
	require.NoError(t, err)
	_, err = f.cs.Run(ctx, "ios", f.c, &pushredis.RunOptions{App: "AppB"})
	assert.ErrorContains(t, err, "campaign ios is for app AppA, not AppB")
	iosChannel, err := f.emu.NewChannel(pushsdk.WithDeviceType(pushsdk.DeviceIOS))
	require.NoError(t, err)
	_, err = f.cs.Run(ctx, "ios", iosChannel, nil)
	assert.ErrorContains(t, err, "cannot be sent")
	assert.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err))
	st, err := f.cs.Status(ctx, "ios")
	require.NoError(t, err)
	assert.Equal(t, int64(2), st.Pending.Batches, "nothing was claimed")
	for _, o := range []pushredis.RunOptions{{Concurrency: 257}, {Lease: time.Millisecond}} {
		_, err = f.cs.Run(ctx, "ios", f.c, &o)
		assert.Error(t, err)
	}
}

func TestCampaignListAndDelete(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, name := range []string{"b", "a"} {
		_, err := f.cs.Create(ctx, pushredis.CampaignSpec{Name: name, Msg: "m"}, pushredis.SliceIDs([]string{"1"}))
		require.NoError(t, err)
	}
	list, err := f.cs.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "a", list[0].Name)
	for _, s := range list {
		assert.Equal(t, int64(1), s.IDs)
		assert.Equal(t, int64(1), s.Batches)
		assert.False(t, s.Loading, s.Name)
		assert.WithinDuration(t, time.Now(), s.Created, time.Minute)
		assert.True(t, s.Ended.IsZero())
	}
	// A campaign whose Create was interrupted shows as loading.
	require.NoError(t, f.rdb.HSet(ctx, "pushsdk:campaign:{b}:meta", "state", "loading").Err())
	list, err = f.cs.List(ctx)
	require.NoError(t, err)
	assert.True(t, list[1].Loading)
	st, err := f.cs.Status(ctx, "b")
	require.NoError(t, err)
	assert.True(t, st.Loading)
	require.NoError(t, f.cs.Delete(ctx, "a"))
	assert.ErrorIs(t, f.cs.Delete(ctx, "a"), pushredis.ErrNotFound)
	list, err = f.cs.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, []string{list[0].Name})
	n, err := f.rdb.Exists(ctx, "pushsdk:campaign:{a}:meta", "pushsdk:campaign:{a}:batches", "pushsdk:campaign:{a}:queue").Result()
	require.NoError(t, err)
	assert.Zero(t, n)

	// An expired campaign leaves the list too.
	require.NoError(t, f.rdb.Del(ctx, "pushsdk:campaign:{b}:meta").Err())
	list, err = f.cs.List(ctx)
	require.NoError(t, err)
	assert.Empty(t, list)

	other, err := pushredis.NewCampaigns(f.rdb, pushredis.WithPrefix("staging:"))
	require.NoError(t, err)
	_, err = other.Create(ctx, pushredis.CampaignSpec{Name: "b", Msg: "m"}, pushredis.SliceIDs([]string{"1"}))
	require.NoError(t, err)
	_, err = f.cs.Status(ctx, "b")
	assert.True(t, errors.Is(err, pushredis.ErrNotFound), "prefixes keep environments apart")
	_, err = pushredis.NewCampaigns(f.rdb, pushredis.WithPrefix("a{b"))
	assert.Error(t, err)
}

// TestCampaignSpecRoundTrip: the message options stored in Redis are the
// ones the workers push with, durations to the second.
func TestCampaignSpecRoundTrip(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ids := makeIDs(3, 3400000000000000000)
	opts := &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification, MsgExpires: 2 * time.Hour, TopicID: "sale",
		DeviceType: pushsdk.DeviceAndroid}
	spec := pushredis.CampaignSpec{Name: "rt", App: "AppA", Msg: `{"title":"t","description":"d"}`, BatchSize: 2, Keep: 90 * time.Minute, Options: opts}
	_, err := f.cs.Create(ctx, spec, pushredis.SliceIDs(ids))
	require.NoError(t, err)
	st, err := f.cs.Status(ctx, "rt")
	require.NoError(t, err)
	assert.Equal(t, spec, st.Spec)
	_, err = f.cs.Run(ctx, "rt", f.c, nil)
	require.NoError(t, err)
	calls := f.emu.RequestsTo("push/batch_device")
	require.Len(t, calls, 2)
	for _, r := range calls {
		assert.Equal(t, "7200", r.Params.Get("msg_expires"))
		assert.Equal(t, "1", r.Params.Get("msg_type"))
		assert.Equal(t, "sale", r.Params.Get("topic_id"))
	}
}

// TestCampaignStatusIgnoresStrayRecords: a state record for a batch the
// campaign does not have (a hand edit, another version) does not change
// the counts.
func TestCampaignStatusIgnoresStrayRecords(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.cs.Create(ctx, pushredis.CampaignSpec{Name: "s", Msg: "m", BatchSize: 10}, pushredis.SliceIDs(makeIDs(25, 3500000000000000000)))
	require.NoError(t, err)
	require.NoError(t, f.rdb.HSet(ctx, "pushsdk:campaign:{s}:state", "3", `{"s":"ok"}`, "-1", `{"s":"failed"}`, "x", `{"s":"ok"}`).Err())
	st, err := f.cs.Status(ctx, "s")
	require.NoError(t, err)
	assert.Equal(t, pushredis.Count{IDs: 25, Batches: 3}, st.Pending)
	assert.Equal(t, pushredis.Count{}, st.Succeeded)
	assert.Equal(t, pushredis.Count{}, st.Failed)
}

// pipelineSizes records, for each pipeline that stores batches, how many
// bytes of ids it carries.
type pipelineSizes struct {
	mu    sync.Mutex
	sizes []int
}

func (p *pipelineSizes) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (p *pipelineSizes) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (p *pipelineSizes) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		n := 0
		for _, c := range cmds {
			if a := c.Args(); len(a) == 4 && a[0] == "hset" && strings.HasSuffix(fmt.Sprint(a[1]), ":batches") {
				n += len(fmt.Sprint(a[3]))
			}
		}
		if n > 0 {
			p.mu.Lock()
			p.sizes = append(p.sizes, n)
			p.mu.Unlock()
		}
		return next(ctx, cmds)
	}
}

// TestCampaignCreateBoundsItsPipelines: Create sends the batches to Redis
// in pipelines of 4 MiB, not one per batch and not all at once; a pipeline
// that reaches exactly 4 MiB is sent.
func TestCampaignCreateBoundsItsPipelines(t *testing.T) {
	f := newFixture(t)
	rdb := client(t, f.redis)
	var p pipelineSizes
	rdb.AddHook(&p)
	cs, err := pushredis.NewCampaigns(rdb)
	require.NoError(t, err)
	// 241 ids of 16 digits and 240 newlines make a batch of 4 096 bytes:
	// 1 024 batches are exactly 4 MiB. One more follows.
	const perBatch, batchBytes = 241, 241*17 - 1
	ids := makeIDs(1025*perBatch, 1_000_000_000_000_000)
	_, err = cs.Create(context.Background(), pushredis.CampaignSpec{Name: "p", Msg: "m", BatchSize: perBatch}, pushredis.SliceIDs(ids))
	require.NoError(t, err)
	assert.Equal(t, []int{4 << 20, batchBytes}, p.sizes)
}

// TestCampaignRunEndsWithCtx: a Run whose ctx is cancelled returns ctx's
// error after recording the batches it sent; the rest stay pending.
func TestCampaignRunEndsWithCtx(t *testing.T) {
	f := newFixture(t)
	ids := makeIDs(50, 3800000000000000000)
	_, err := f.cs.Create(context.Background(), pushredis.CampaignSpec{Name: "c", Msg: "hi", BatchSize: 10}, pushredis.SliceIDs(ids))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := f.cs.Run(ctx, "c", f.c, &pushredis.RunOptions{Concurrency: 1, OnBatch: func(pushredis.BatchOutcome) { cancel() }})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, pushredis.Count{IDs: 10, Batches: 1}, res.Succeeded)
	st, err := f.cs.Status(context.Background(), "c")
	require.NoError(t, err)
	assert.False(t, st.Done)
	assert.True(t, st.Ended.IsZero())
	assert.Equal(t, int64(1), st.Succeeded.Batches)
	assert.Equal(t, st.Batches-1, st.Pending.Batches+st.InFlight.Batches)
}
