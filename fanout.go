package pushsdk

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultFanoutConcurrency is how many calls a fan-out runs at once unless
// [WithFanoutConcurrency] says otherwise.
const DefaultFanoutConcurrency = 4

// WithFanoutConcurrency sets how many calls [Channel.PushToDevices],
// [Channel.TagDevices] and [Channel.UntagDevices] run at once (default 4).
func WithFanoutConcurrency(n int) Option {
	return func(o *options) error {
		if n < 1 || n > 256 {
			return fmt.Errorf("WithFanoutConcurrency: %d is outside 1…256", n)
		}
		o.fanout = n
		return nil
	}
}

// WithFanoutProgress makes every fan-out of the Channel report its progress:
// fn(done, total) is called with the number of distinct ids whose calls
// have ended, and the number in all, after each call (from the fan-out's
// goroutines, one at a time). Concurrent fan-outs each report their own
// counts.
func WithFanoutProgress(fn func(done, total int)) Option {
	return func(o *options) error {
		o.progress = fn
		return nil
	}
}

// BatchResult is the outcome of one push/batch_device call of a fan-out.
type BatchResult struct {
	// ChannelIDs are the ids of this batch, a window of the de-duplicated
	// id list (not a copy).
	ChannelIDs []string
	// Result is the service's answer when the batch succeeded.
	Result *PushResult
	// Err is why the batch failed (a *ChannelError), or nil.
	Err error
	// Attempted is false for a batch that was never sent because ctx ended
	// first; its Err is then the context's error.
	Attempted bool
}

// FanoutResult is the outcome of [Channel.PushToDevices]: one entry per
// batch, in the order of the de-duplicated ids. Every id is in exactly one
// batch; a batch either succeeded or failed as a whole.
type FanoutResult struct {
	Batches []BatchResult
}

// FailedChannelIDs returns the ids of every batch that failed or was not
// attempted, in order: pass them to PushToDevices again to retry exactly
// what failed. A failure whose outcome is unknown (the answer was lost after
// the request reached the service; see [ChannelError.MaybeProcessed]) is
// included; [FanoutResult.UncertainChannelIDs] lists those ids, which a
// retry could reach twice.
func (r *FanoutResult) FailedChannelIDs() []string {
	return r.ids(func(b *BatchResult) bool { return b.Err != nil })
}

// UncertainChannelIDs returns the ids of the failed batches that may
// nevertheless have been delivered.
func (r *FanoutResult) UncertainChannelIDs() []string {
	return r.ids(func(b *BatchResult) bool {
		var ce *ChannelError
		return b.Err != nil && errors.As(b.Err, &ce) && ce.MaybeProcessed()
	})
}

// NotAttemptedChannelIDs returns the ids of the batches that were never sent
// because ctx ended first.
func (r *FanoutResult) NotAttemptedChannelIDs() []string {
	return r.ids(func(b *BatchResult) bool { return !b.Attempted })
}

// SucceededChannelIDs returns the ids of the batches the service accepted.
func (r *FanoutResult) SucceededChannelIDs() []string {
	return r.ids(func(b *BatchResult) bool { return b.Err == nil })
}

func (r *FanoutResult) ids(keep func(*BatchResult) bool) []string {
	n := 0
	for i := range r.Batches {
		if keep(&r.Batches[i]) {
			n += len(r.Batches[i].ChannelIDs)
		}
	}
	out := make([]string, 0, n)
	for i := range r.Batches {
		if keep(&r.Batches[i]) {
			out = append(out, r.Batches[i].ChannelIDs...)
		}
	}
	return out
}

// MsgIDs returns the msg id of each successful batch.
func (r *FanoutResult) MsgIDs() []string {
	var out []string
	for _, b := range r.Batches {
		if b.Result != nil {
			out = append(out, b.Result.MsgID)
		}
	}
	return out
}

// Err summarises the failures: nil when every batch succeeded, else the
// first batch's error, wrapped with how many ids failed.
func (r *FanoutResult) Err() error {
	failed, batches := 0, 0
	var first error
	for _, b := range r.Batches {
		if b.Err != nil {
			failed += len(b.ChannelIDs)
			batches++
			if first == nil {
				first = b.Err
			}
		}
	}
	if first == nil {
		return nil
	}
	return fmt.Errorf("pushsdk: %d ids in %d of %d batches failed: %w", failed, batches, len(r.Batches), first)
}

// PushToDevices pushes msg to any number of devices: it drops duplicate
// ids (keeping the order of first appearance), splits them into
// push/batch_device calls of at most 10 000 ids, and runs those calls with
// bounded concurrency ([WithFanoutConcurrency], default 4), each with the
// Channel's retries and rate limit.
//
// Every argument is checked first; a problem is a [CodeSDKParams] error and
// nothing is sent. Otherwise the result reports each batch, its ids and its
// [PushResult] or error, and the error is nil: use
// [FanoutResult.FailedChannelIDs] to retry exactly what failed — nothing is
// lost, nothing is sent twice. When ctx ends, no new batch starts; the
// batches never sent are reported with Attempted false.
//
// opts are those of [Channel.PushBatchUniMsg] (TopicID files every batch
// under the topic). The ids are not copied per batch: memory stays
// proportional to the id list.
func (c *Channel) PushToDevices(ctx context.Context, channelIDs []string, msg string, opts *PushOptions) (*FanoutResult, error) {
	// Check everything once, as a one-id batch, without sending it.
	r := newRequest(epPushBatchDevice)
	if ctx == nil {
		r.add("ctx", "must not be nil")
	}
	r.channelIDs("channel_ids", channelIDs, 0)
	r.push(c, msg, opts)
	if len(r.problems) > 0 {
		return nil, paramsError(r.problems)
	}
	ids := dedup(channelIDs)
	batches := chunk(ids, MaxBatchDevices)
	res := &FanoutResult{Batches: make([]BatchResult, len(batches))}
	c.runBatches(batches, func(i int) {
		b := &res.Batches[i]
		b.ChannelIDs = batches[i]
		if err := ctx.Err(); err != nil {
			b.Err = ctxChannelError(err)
			return
		}
		b.Attempted = true
		b.Result, b.Err = persist(ctx, c, func() (*PushResult, error) { return c.PushBatchUniMsg(ctx, batches[i], msg, opts) })
	})
	return res, nil
}

// TagDevices adds any number of devices to a tag: duplicate ids are dropped
// and the rest sent in tag/add_devices calls of at most 10 ids, with bounded
// concurrency. The result has one entry per distinct id, in input order; its
// RequestID is that of the first call. An id whose call failed has OK false
// and its Err set (a *ChannelError; the context's error for calls never
// made because ctx ended). The error is non-nil only when the arguments
// were refused before anything was sent.
func (c *Channel) TagDevices(ctx context.Context, tag string, channelIDs []string) (*DeviceResults, error) {
	return c.tagFanout(ctx, epTagAddDevices, tag, channelIDs)
}

// UntagDevices removes any number of devices from a tag, as [Channel.TagDevices]
// adds them, in tag/del_devices calls of at most 10 ids.
func (c *Channel) UntagDevices(ctx context.Context, tag string, channelIDs []string) (*DeviceResults, error) {
	return c.tagFanout(ctx, epTagDelDevices, tag, channelIDs)
}

func (c *Channel) tagFanout(ctx context.Context, ep endpointID, tag string, channelIDs []string) (*DeviceResults, error) {
	r := newRequest(ep)
	if ctx == nil {
		r.add("ctx", "must not be nil")
	}
	r.tag("tag", tag, true)
	r.channelIDs("channel_ids", channelIDs, 0)
	if len(r.problems) > 0 {
		return nil, paramsError(r.problems)
	}
	ids := dedup(channelIDs)
	batches := chunk(ids, MaxTagDevices)
	out := &DeviceResults{Devices: make([]DeviceResult, len(ids))}
	var firstRID atomic.Int64
	c.runBatches(batches, func(i int) {
		batch := batches[i]
		dst := out.Devices[i*MaxTagDevices : i*MaxTagDevices+len(batch)]
		if err := ctx.Err(); err != nil {
			fill(dst, batch, ctxChannelError(err))
			return
		}
		res, err := persist(ctx, c, func() (*DeviceResults, error) { return c.tagDevices(ctx, ep, tag, batch) })
		if err != nil {
			fill(dst, batch, err)
			return
		}
		if i == 0 {
			firstRID.Store(res.RequestID)
		}
		if err := mergeDevices(dst, batch, res.Devices); err != nil {
			fill(dst, batch, &ChannelError{Code: CodeBadResult, Msg: sdkCodeText[CodeBadResult], RequestID: res.RequestID, HTTPStatus: 200, Err: err})
		}
	})
	out.RequestID = firstRID.Load()
	return out, nil
}

// maxRequeues bounds how often a fan-out sends a batch again that the
// service refused for rate (30699), beyond the Channel's own retries.
const maxRequeues = 8

// persist makes a fan-out call, and while the service keeps refusing it for
// rate (30699: it was not processed, so sending it again is safe) backs off
// and sends it again, up to maxRequeues times, unless retries are off. A
// batch of a long fan-out thus waits out a rate limit instead of failing.
func persist[T any](ctx context.Context, c *Channel, call func() (*T, error)) (*T, error) {
	for k := 1; ; k++ {
		res, err := call()
		if err == nil {
			return res, nil
		}
		if ErrorCode(err) != CodeTooFrequent || c.retry.MaxRetries == 0 || k > maxRequeues {
			return nil, err
		}
		wait := c.retry.delay(c.retry.MaxRetries + k)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
	}
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

// runBatches runs call(i) for every batch on up to the Channel's fan-out
// concurrency goroutines, and reports progress. Every batch is visited, so
// that the ones skipped after ctx ended are reported too.
func (c *Channel) runBatches(batches [][]string, call func(i int)) {
	n := len(batches)
	total := 0
	for _, b := range batches {
		total += len(b)
	}
	var mu sync.Mutex
	done := 0
	run := func(i int) {
		call(i)
		if c.progress != nil {
			mu.Lock()
			done += len(batches[i])
			c.progress(done, total)
			mu.Unlock()
		}
	}
	workers := min(c.fanout, n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			run(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				run(i)
			}
		}()
	}
	wg.Wait()
}

func ctxChannelError(err error) *ChannelError {
	return &ChannelError{Code: CodeSDKRunning, Msg: sdkCodeText[CodeSDKRunning] + ": not attempted", Err: err}
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

// chunk splits ids into windows of at most size, without copying.
func chunk(ids []string, size int) [][]string {
	out := make([][]string, 0, (len(ids)+size-1)/size)
	for len(ids) > 0 {
		n := min(size, len(ids))
		out = append(out, ids[:n:n])
		ids = ids[n:]
	}
	return out
}
