package pushsdk

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// defaultFanoutConcurrency is how many calls a fan-out runs at once unless
// [FanoutConcurrency] says otherwise.
const defaultFanoutConcurrency = 4

// FanoutOption sets how one call of [Channel.PushToDevices],
// [Channel.TagDevices] or [Channel.UntagDevices] runs. A bad value is a
// [CodeSDKParams] error and nothing is sent.
type FanoutOption func(*fanoutOptions) error

type fanoutOptions struct {
	concurrency int
	journal     func(batch int, b BatchResult) error
}

// FanoutConcurrency sets how many calls the fan-out runs at once (1–256,
// default 4).
func FanoutConcurrency(n int) FanoutOption {
	return func(o *fanoutOptions) error {
		if n < 1 || n > 256 {
			return fmt.Errorf("FanoutConcurrency: %d is outside 1…256", n)
		}
		o.concurrency = n
		return nil
	}
}

// FanoutJournal makes the fan-out record its progress through record, so
// that a process killed at any instant can tell afterwards what was sent.
// record is called with a batch's index in the call (from 0) and the batch
// with State [BatchStarted] before the batch is sent, and again with its
// outcome ([BatchSucceeded], [BatchFailed] or [BatchUncertain]) once that is
// known. Calls are made one at a time; b.ChannelIDs is a window of the
// call's id list, not to be modified. The batches of a call are its
// distinct ids in order of first appearance, cut into runs of the
// endpoint's limit ([MaxBatchDevices] for a push, [MaxTagDevices] for a tag
// call): the same ids give the same batches. Outcomes also make a progress
// report.
//
// A record that is to survive a crash must be durable (written and synced)
// when record returns. When record fails for a start, that batch and every
// batch not started yet are not sent: they end as failed, with record's
// error (wrapped in a *ChannelError). When it fails for an outcome, the
// batch keeps its outcome, and no further batch starts.
//
// After a crash, a batch with a start and no outcome may have been
// delivered: treat its ids as uncertain. Batches without a start were not
// sent. See the FanoutJournal example for a complete resume.
func FanoutJournal(record func(batch int, b BatchResult) error) FanoutOption {
	return func(o *fanoutOptions) error {
		if record == nil {
			return errors.New("FanoutJournal: nil record function")
		}
		o.journal = record
		return nil
	}
}

// PushToDevices pushes msg to any number of devices: it drops duplicate
// ids (keeping the order of first appearance), splits them into
// push/batch_device calls of at most 10 000 ids, and runs those calls with
// bounded concurrency ([FanoutConcurrency], default 4), each with the
// Channel's retries (a batch refused for rate, 30699, is sent again as the
// RetryPolicy allows) and rate limit.
//
// Every argument is checked first; a problem is a [CodeSDKParams] error, the
// result is nil, and nothing is sent. Otherwise the result reports each
// batch, and puts every id in exactly one of three sets:
// [FanoutResult.SucceededChannelIDs], [FanoutResult.FailedChannelIDs] (not
// processed: the retry list) and [FanoutResult.UncertainChannelIDs] (may
// have been delivered). The error is nil only when every id succeeded;
// otherwise it wraps the first failed batch's *ChannelError, and the result
// is returned too. When ctx ends, no new batch starts; batches never sent
// are failed, with Attempted false.
//
// The retry loop to copy:
//
//	res, err := c.PushToDevices(ctx, ids, msg, opts)
//	if res == nil {
//		return err // the arguments were refused: nothing was sent
//	}
//	uncertain := res.UncertainChannelIDs()
//	for round := 1; round <= 3 && len(res.FailedChannelIDs()) > 0 && ctx.Err() == nil; round++ {
//		res, err = c.PushToDevices(ctx, res.FailedChannelIDs(), msg, opts) // never processed: safe to send again
//		uncertain = append(uncertain, res.UncertainChannelIDs()...)
//	}
//	// res.FailedChannelIDs() are still not sent (ctx ended, or the failures
//	// persisted); the uncertain ids may have been delivered: do not send
//	// them again blindly.
//
// opts are those of [Channel.PushBatchUniMsg] (TopicID files every batch
// under the topic). The ids are not copied per batch: memory stays
// proportional to the id list. [FanoutJournal] records each batch's start
// and outcome for recovery after a crash.
func (c *Channel) PushToDevices(ctx context.Context, channelIDs []string, msg string, opts *PushOptions, fopts ...FanoutOption) (*FanoutResult, error) {
	if !c.ready() {
		return nil, notReady()
	}
	// Check everything once, as a one-id batch, without sending it.
	r := newRequest(epPushBatchDevice)
	if ctx == nil {
		r.add("ctx", "must not be nil")
	}
	fo := fanoutConfig(&r.checker, fopts)
	r.channelIDs("channel_ids", channelIDs, 0)
	r.push(c, r.ep, msg, opts)
	if err := r.err(); err != nil {
		return nil, err
	}
	ids := dedup(channelIDs)
	batches := slices.Collect(slices.Chunk(ids, MaxBatchDevices))
	res := &FanoutResult{Batches: make([]BatchResult, len(batches))}
	for i := range batches {
		res.Batches[i].ChannelIDs = batches[i]
	}
	const method = "PushToDevices"
	start := time.Now()
	ctx = c.fanoutStart(ctx, FanoutStart{Method: method, Endpoint: endpoints[epPushBatchDevice].path, IDs: len(ids), Batches: len(batches), MsgBytes: len(msg)})
	fo.run(ctx, batches, func(i int) (*PushResult, error) {
		res.Batches[i].Attempted = true
		return c.PushBatchUniMsg(ctx, batches[i], msg, opts)
	}, func(i int, out *PushResult, err error) {
		res.Batches[i].Result, res.Batches[i].Err, res.Batches[i].State = out, err, stateOf(err)
		c.batchEnd(ctx, method, i, len(batches[i]), err)
	})
	err := res.err()
	if c.obs != nil {
		end := FanoutEnd{Method: method, IDs: len(ids), Duration: time.Since(start), Err: err}
		for _, b := range res.Batches {
			end.count(b.State, len(b.ChannelIDs))
		}
		c.fanoutEnd(ctx, end)
	}
	return res, err
}

// fanoutStart reports a fan-out's start to the observers; its calls run
// under the ctx it returns.
func (c *Channel) fanoutStart(ctx context.Context, info FanoutStart) context.Context {
	if o := c.obs; o != nil && o.FanoutStart != nil {
		return o.FanoutStart(ctx, info)
	}
	return ctx
}

// batchEnd reports a batch's outcome to the observers.
func (c *Channel) batchEnd(ctx context.Context, method string, i, n int, err error) {
	if o := c.obs; o != nil && o.BatchEnd != nil {
		o.BatchEnd(ctx, BatchEnd{Method: method, Batch: i, IDs: n, Outcome: Outcome(err), Err: err})
	}
}

// fanoutEnd reports a fan-out's end to the observers.
func (c *Channel) fanoutEnd(ctx context.Context, info FanoutEnd) {
	if o := c.obs; o != nil && o.FanoutEnd != nil {
		o.FanoutEnd(ctx, info)
	}
}

// count adds n ids of a state to the counts.
func (e *FanoutEnd) count(st BatchState, n int) {
	switch st {
	case BatchSucceeded:
		e.Succeeded += n
	case BatchFailed:
		e.Failed += n
	default:
		e.Uncertain += n
	}
}

// TagDevices adds any number of devices to a tag: duplicate ids are dropped
// and the rest sent in tag/add_devices calls of at most 10 ids, with bounded
// concurrency. The result has one entry per distinct id, in input order,
// and every id is in exactly one of [DeviceResults.SucceededChannelIDs],
// [DeviceResults.FailedChannelIDs] (not processed: safe to send again) and
// [DeviceResults.UncertainChannelIDs], as for [Channel.PushToDevices]. An id
// whose call failed has OK false and its Err set (a *ChannelError). Its
// RequestID is that of the first call.
//
// The error is nil only when every call succeeded (an id the service
// answered with result 1, OK false, still succeeded); otherwise it wraps the first failed call's *ChannelError, and
// the result is returned too. Arguments refused before sending give a
// [CodeSDKParams] error and a nil result.
func (c *Channel) TagDevices(ctx context.Context, tag string, channelIDs []string, fopts ...FanoutOption) (*DeviceResults, error) {
	return c.tagFanout(ctx, epTagAddDevices, tag, channelIDs, fopts)
}

// UntagDevices removes any number of devices from a tag, as [Channel.TagDevices]
// adds them, in tag/del_devices calls of at most 10 ids.
func (c *Channel) UntagDevices(ctx context.Context, tag string, channelIDs []string, fopts ...FanoutOption) (*DeviceResults, error) {
	return c.tagFanout(ctx, epTagDelDevices, tag, channelIDs, fopts)
}

func (c *Channel) tagFanout(ctx context.Context, ep endpointID, tag string, channelIDs []string, fopts []FanoutOption) (*DeviceResults, error) {
	if !c.ready() {
		return nil, notReady()
	}
	r := newRequest(ep)
	if ctx == nil {
		r.add("ctx", "must not be nil")
	}
	fo := fanoutConfig(&r.checker, fopts)
	r.tag("tag", tag, true)
	r.channelIDs("channel_ids", channelIDs, 0)
	if err := r.err(); err != nil {
		return nil, err
	}
	ids := dedup(channelIDs)
	batches := slices.Collect(slices.Chunk(ids, MaxTagDevices))
	out := &DeviceResults{Devices: make([]DeviceResult, len(ids))}
	for i, id := range ids {
		out.Devices[i].ChannelID = id
	}
	method := map[endpointID]string{epTagAddDevices: "TagDevices", epTagDelDevices: "UntagDevices"}[ep]
	start := time.Now()
	ctx = c.fanoutStart(ctx, FanoutStart{Method: method, Endpoint: endpoints[ep].path, IDs: len(ids), Batches: len(batches)})
	var firstRID atomic.Int64
	fo.run(ctx, batches, func(i int) (*PushResult, error) {
		batch := batches[i]
		dst := out.Devices[i*MaxTagDevices : i*MaxTagDevices+len(batch)]
		res, err := c.tagDevices(ctx, ep, tag, batch)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			firstRID.Store(res.RequestID)
		}
		if err := mergeDevices(dst, batch, res.Devices); err != nil {
			return nil, &ChannelError{Code: CodeBadResult, Msg: sdkCodeText[CodeBadResult], RequestID: res.RequestID, HTTPStatus: 200, Err: err}
		}
		return nil, nil
	}, func(i int, _ *PushResult, err error) {
		if err != nil {
			batch := batches[i]
			fill(out.Devices[i*MaxTagDevices:i*MaxTagDevices+len(batch)], batch, err)
		}
		c.batchEnd(ctx, method, i, len(batches[i]), err)
	})
	out.RequestID = firstRID.Load()
	err := out.err()
	if c.obs != nil {
		end := FanoutEnd{Method: method, IDs: len(ids), Duration: time.Since(start), Err: err}
		for _, d := range out.Devices {
			end.count(stateOf(d.Err), 1)
		}
		c.fanoutEnd(ctx, end)
	}
	return out, err
}

// fanoutConfig applies the fan-out options; a bad one is a problem of the
// call.
func fanoutConfig(chk *checker, fopts []FanoutOption) *fanoutOptions {
	fo := &fanoutOptions{concurrency: defaultFanoutConcurrency}
	for i, opt := range fopts {
		if opt == nil {
			chk.add("FanoutOption", "option "+strconv.Itoa(i)+" is nil")
			continue
		}
		if err := opt(fo); err != nil {
			chk.add("FanoutOption", err.Error())
		}
	}
	return fo
}

func fill(dst []DeviceResult, ids []string, err error) {
	for j, id := range ids {
		dst[j] = DeviceResult{ChannelID: id, Err: err}
	}
}

// mergeDevices puts a call's answer in the order of its request; an
// answer that does not name every id it was asked about is an error.
func mergeDevices(dst []DeviceResult, ids []string, got []DeviceResult) error {
	byID := make(map[string]bool, len(got))
	for _, d := range got {
		byID[d.ChannelID] = d.OK
	}
	for j, id := range ids {
		ok, found := byID[id]
		if !found {
			return fmt.Errorf("the answer has no result for channel id %s", id)
		}
		dst[j] = DeviceResult{ChannelID: id, OK: ok}
	}
	return nil
}

// run sends every batch with send on up to fo.concurrency goroutines and
// hands each outcome to done. Around each send it journals the batch's
// start and outcome. A batch is not sent when ctx has ended or the journal
// failed: done gets a not-attempted error for it.
func (fo *fanoutOptions) run(ctx context.Context, batches [][]string, send func(i int) (*PushResult, error), done func(i int, res *PushResult, err error)) {
	var (
		mu     sync.Mutex // serialises journal calls
		halted error      // the journal's first failure
	)
	// record journals a start or an outcome. After the journal failed once,
	// no batch starts; outcomes of the batches under way are still offered
	// to it.
	record := func(i int, b BatchResult) error {
		if fo.journal == nil {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if halted != nil && b.State == BatchStarted {
			return halted
		}
		if err := fo.journal(i, b); err != nil {
			if halted == nil {
				halted = fmt.Errorf("journal: %w", err)
			}
			return halted
		}
		return nil
	}
	one := func(i int) {
		var (
			res *PushResult
			err error
		)
		switch cerr := ctx.Err(); {
		case cerr != nil:
			err = notAttempted(cerr)
		default:
			if jerr := record(i, BatchResult{ChannelIDs: batches[i], State: BatchStarted}); jerr != nil {
				err = notAttempted(jerr)
				break
			}
			res, err = send(i)
			_ = record(i, BatchResult{ChannelIDs: batches[i], Result: res, Err: err, Attempted: true, State: stateOf(err)})
		}
		done(i, res, err)
	}
	n := len(batches)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(fo.concurrency, n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				one(i)
			}
		})
	}
	wg.Wait()
}

// notAttempted is the error of a batch that was never sent.
func notAttempted(cause error) *ChannelError {
	return &ChannelError{Code: CodeSDKRunning, Msg: sdkCodeText[CodeSDKRunning] + ": not attempted", Err: cause}
}

// dedup returns ids without repeats, in order of first appearance. It
// returns ids itself when there are none; otherwise one new slice. It sorts
// a permutation of 32-bit indices rather than hashing, to stay small: about
// 20 bytes per id at peak.
func dedup(ids []string) []string {
	if len(ids) < 2 {
		return ids
	}
	if len(ids) > 1<<31-1 {
		panic("pushsdk: more than 2^31 ids")
	}
	idx := make([]int32, len(ids))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int {
		if c := cmp.Compare(ids[a], ids[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	dup := make([]uint64, (len(ids)+63)/64) // bit set of later repeats
	n := 0
	for k := 1; k < len(idx); k++ {
		if ids[idx[k]] == ids[idx[k-1]] {
			i := idx[k]
			dup[i/64] |= 1 << (i % 64)
			n++
		}
	}
	if n == 0 {
		return ids
	}
	out := make([]string, 0, len(ids)-n)
	for i, id := range ids {
		if dup[i/64]&(1<<(i%64)) == 0 {
			out = append(out, id)
		}
	}
	return out
}
