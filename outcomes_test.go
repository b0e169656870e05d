package pushsdk_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFanoutOutcomeSets injects one fault of each kind into a fan-out of
// eight batches: every distinct id lands in exactly one of the three sets,
// their union is the de-duplicated input, the error is not nil, and the
// failed set holds only ids the emulator never delivered.
func TestFanoutOutcomeSets(t *testing.T) {
	t.Parallel()
	srv, c := newEmulator(t, pushtest.WithDeliveryDelay(0, 0))
	ids := makeIDs(75000, 4000000000000000000)
	input := append(slices.Clone(ids), ids[:5000]...) // repeats, dropped
	faults := []struct {
		f    pushtest.Fault
		want pushsdk.BatchState
	}{
		{pushtest.Fault{}, pushsdk.BatchSucceeded},
		{pushtest.Fault{Code: pushsdk.CodeInvalidParams}, pushsdk.BatchFailed},
		{pushtest.Fault{Code: pushsdk.CodeQuotaUsedUp}, pushsdk.BatchFailed},
		{pushtest.Fault{Code: pushsdk.CodeInternalError, AfterProcessing: true}, pushsdk.BatchUncertain},
		{pushtest.Fault{Status: 502, AfterProcessing: true}, pushsdk.BatchUncertain},
		{pushtest.Fault{Drop: true, AfterProcessing: true}, pushsdk.BatchUncertain},
		{pushtest.Fault{Status: 200, Body: `{"request_id":1,"response_par`, AfterProcessing: true}, pushsdk.BatchUncertain},
		{pushtest.Fault{}, pushsdk.BatchSucceeded},
	}
	for _, f := range faults {
		srv.FailNext("push/batch_device", 1, f.f)
	}
	res, err := c.PushToDevices(context.Background(), input, "m", nil, pushsdk.FanoutConcurrency(1))
	require.Error(t, err)
	require.NotNil(t, res)
	require.Len(t, res.Batches, len(faults))
	for i, f := range faults {
		assert.Equal(t, f.want, res.Batches[i].State, "batch %d", i)
	}
	var ce *pushsdk.ChannelError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, pushsdk.CodeInvalidParams, ce.Code, "the first failed batch's error")

	ok, failed, uncertain := res.SucceededChannelIDs(), res.FailedChannelIDs(), res.UncertainChannelIDs()
	assert.Equal(t, 15000, len(ok))
	assert.Equal(t, 20000, len(failed))
	assert.Equal(t, 40000, len(uncertain))
	union := append(append(slices.Clone(ok), failed...), uncertain...)
	slices.Sort(union)
	assert.Equal(t, len(union), len(slices.Compact(slices.Clone(union))), "disjoint")
	assert.True(t, slices.Equal(ids, union), "the union is the de-duplicated input") // ids are sorted
	for _, id := range failed {
		require.Equal(t, 0, srv.DeliveryCount(id), "a failed id was never delivered: %s", id)
	}
	for _, id := range uncertain {
		require.Equal(t, 1, srv.DeliveryCount(id), "these were processed, and the SDK did not send them twice")
	}
	assert.Empty(t, res.NotAttemptedChannelIDs())
	assert.Len(t, srv.RequestsTo("push/batch_device"), len(faults), "no push was retried")
}

// TestRetryLoopAsDocumented follows the retry loop of the README and of
// PushToDevices' documentation word for word, against failures of every
// kind: at the end every id that was not reported uncertain was delivered
// exactly once, and none was delivered twice.
func TestRetryLoopAsDocumented(t *testing.T) {
	t.Parallel()
	srv, c := newEmulator(t, pushtest.WithDeliveryDelay(0, 0))
	ctx := context.Background()
	ids := makeIDs(60000, 6000000000000000000)
	msg, opts := "hello", &pushsdk.PushOptions{TopicID: "loop"}
	srv.FailNext("push/batch_device", 2, pushtest.Fault{Code: pushsdk.CodeInvalidParams})
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Status: 502, AfterProcessing: true})
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Drop: true, AfterProcessing: true})
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Code: pushsdk.CodeTooFrequent})
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Code: pushsdk.CodeInternalError})

	// The loop, as documented.
	res, err := c.PushToDevices(ctx, ids, msg, opts)
	if res == nil {
		t.Fatal(err) // the arguments were refused: nothing was sent
	}
	uncertain := res.UncertainChannelIDs()
	for round := 1; round <= 3 && len(res.FailedChannelIDs()) > 0 && ctx.Err() == nil; round++ {
		res, err = c.PushToDevices(ctx, res.FailedChannelIDs(), msg, opts) // never processed: safe to send again
		uncertain = append(uncertain, res.UncertainChannelIDs()...)
	}
	assert.NoError(t, err, "the last round succeeded")
	assert.Empty(t, res.FailedChannelIDs())
	report := uncertain

	reported := map[string]bool{}
	for _, id := range report {
		reported[id] = true
	}
	assert.NotEmpty(t, report, "some ids were uncertain")
	for _, id := range ids {
		n := srv.DeliveryCount(id)
		require.LessOrEqual(t, n, 1, "id %s delivered twice", id)
		if !reported[id] {
			require.Equal(t, 1, n, "id %s neither delivered nor reported", id)
		}
	}
}

// TestFanoutJournal checks the journal hook's contract: a batch's start is
// recorded before it is sent, its outcome after, one call at a time; a
// start that cannot be recorded is not sent and stops the batches after
// it; an outcome that cannot be recorded stops new batches.
func TestFanoutJournal(t *testing.T) {
	t.Parallel()
	ids := makeIDs(50000, 3000000000000000000)

	t.Run("order", func(t *testing.T) {
		t.Parallel()
		srv, c := newEmulator(t, pushtest.WithDeliveryDelay(0, 0))
		srv.FailNext("push/batch_device", 1, pushtest.Fault{})
		srv.FailNext("push/batch_device", 1, pushtest.Fault{Code: pushsdk.CodeInvalidParams})
		srv.FailNext("push/batch_device", 1, pushtest.Fault{Status: 504, AfterProcessing: true})
		var recs []record // no lock: the SDK serialises the calls (-race checks it)
		inFlight := 0
		journal := func(batch int, b pushsdk.BatchResult) error {
			sent := len(srv.RequestsTo("push/batch_device"))
			if b.State == pushsdk.BatchStarted {
				inFlight++
				assert.Less(t, sent, inFlight+countDone(recs), "batch %d reached the service before its start was recorded", batch)
			} else {
				inFlight--
			}
			recs = append(recs, record{batch, b})
			return nil
		}
		res, err := c.PushToDevices(context.Background(), ids, "m", nil, pushsdk.FanoutJournal(journal), pushsdk.FanoutConcurrency(4))
		require.Error(t, err)
		require.Len(t, recs, 10, "a start and an outcome for each of 5 batches")
		starts := map[int]bool{}
		for _, r := range recs {
			if r.State == pushsdk.BatchStarted {
				assert.False(t, starts[r.batch], "one start per batch")
				starts[r.batch] = true
				assert.Nil(t, r.Result)
				assert.False(t, r.Attempted)
				continue
			}
			require.True(t, starts[r.batch], "the outcome of batch %d came before its start", r.batch)
			assert.Equal(t, res.Batches[r.batch], r.BatchResult, "the outcome recorded is the result's")
		}
		assert.Equal(t, 0, inFlight)
	})

	t.Run("start cannot be recorded", func(t *testing.T) {
		t.Parallel()
		srv, c := newEmulator(t, pushtest.WithDeliveryDelay(0, 0))
		disk := errors.New("disk full")
		var n atomic.Int32
		journal := func(_ int, b pushsdk.BatchResult) error {
			if b.State == pushsdk.BatchStarted && n.Add(1) == 3 {
				return disk
			}
			return nil
		}
		res, err := c.PushToDevices(context.Background(), ids, "m", nil, pushsdk.FanoutJournal(journal), pushsdk.FanoutConcurrency(1))
		require.ErrorIs(t, err, disk)
		assert.Len(t, res.SucceededChannelIDs(), 20000)
		assert.Equal(t, ids[20000:], res.FailedChannelIDs(), "the third batch and every later one were not sent")
		assert.Equal(t, ids[20000:], res.NotAttemptedChannelIDs())
		assert.Len(t, srv.RequestsTo("push/batch_device"), 2)
		assert.Equal(t, 0, srv.DeliveryCount(ids[20000]))
	})

	t.Run("outcome cannot be recorded", func(t *testing.T) {
		t.Parallel()
		srv, c := newEmulator(t, pushtest.WithDeliveryDelay(0, 0))
		disk := errors.New("disk full")
		journal := func(batch int, b pushsdk.BatchResult) error {
			if b.State != pushsdk.BatchStarted && batch == 1 {
				return disk
			}
			return nil
		}
		res, err := c.PushToDevices(context.Background(), ids, "m", nil, pushsdk.FanoutJournal(journal), pushsdk.FanoutConcurrency(1))
		require.Error(t, err)
		assert.Equal(t, pushsdk.BatchSucceeded, res.Batches[1].State, "the batch keeps its outcome")
		assert.Equal(t, ids[20000:], res.NotAttemptedChannelIDs(), "no batch starts after the journal failed")
		assert.Len(t, srv.RequestsTo("push/batch_device"), 2)
	})

	t.Run("tags", func(t *testing.T) {
		t.Parallel()
		srv, c := newEmulator(t, pushtest.WithDeliveryDelay(0, 0))
		_, err := c.CreateTag(context.Background(), "j")
		require.NoError(t, err)
		srv.FailNext("tag/add_devices", 1, pushtest.Fault{Status: http.StatusBadGateway, AfterProcessing: true})
		var recs []record
		res, err := c.TagDevices(context.Background(), "j", ids[:25], pushsdk.FanoutConcurrency(1),
			pushsdk.FanoutJournal(func(batch int, b pushsdk.BatchResult) error { recs = append(recs, record{batch, b}); return nil }))
		require.Error(t, err)
		require.Len(t, recs, 6)
		assert.Equal(t, pushsdk.BatchUncertain, recs[1].State)
		assert.Equal(t, ids[:10], res.UncertainChannelIDs())
		assert.Equal(t, ids[10:25], res.SucceededChannelIDs())
		assert.Empty(t, res.FailedChannelIDs())
		members, _ := srv.DefaultApp().TagMembers("j")
		assert.Len(t, members, 25, "the uncertain call was processed")
	})
}

// record is one call of a journal function.
type record struct {
	batch int
	pushsdk.BatchResult
}

func countDone(recs []record) int {
	n := 0
	for _, r := range recs {
		if r.State != pushsdk.BatchStarted {
			n++
		}
	}
	return n
}

func TestBatchStateStrings(t *testing.T) {
	for st, want := range map[pushsdk.BatchState]string{
		pushsdk.BatchStarted: "started", pushsdk.BatchSucceeded: "ok", pushsdk.BatchFailed: "failed",
		pushsdk.BatchUncertain: "uncertain", 0: "BatchState(0)", 9: "BatchState(9)",
	} {
		assert.Equal(t, want, st.String())
	}
}
