package pushsdk

import "fmt"

// What a fan-out reports: the state of each batch, the result of
// PushToDevices and the error of a fan-out that did not fully succeed;
// DeviceResults's sets for TagDevices and UntagDevices.

// BatchState is where a batch of a fan-out stands. Every batch that ends is
// in one of the last three states:
//
//   - BatchStarted: about to be sent (journal records only);
//   - BatchSucceeded: the service accepted the call;
//   - BatchFailed: provably not processed — refused before sending, never
//     sent, a connection never made, or a service error that means the
//     service did not act. Safe to send again;
//   - BatchUncertain: the request may have reached the service and been
//     processed (see [ChannelError.MaybeProcessed]). Sending it again may
//     deliver it twice.
type BatchState int

// The states of a batch.
const (
	BatchStarted   BatchState = iota + 1 // started
	BatchSucceeded                       // ok
	BatchFailed                          // failed
	BatchUncertain                       // uncertain
)

// stateOf classifies a call's error: nil succeeded; an error that may have
// been processed (or that is not a *ChannelError at all) is uncertain;
// every other error failed.
func stateOf(err error) BatchState {
	switch Outcome(err) {
	case "ok":
		return BatchSucceeded
	case "failed":
		return BatchFailed
	}
	return BatchUncertain
}

// BatchResult is one batch of a fan-out: one push/batch_device call (or
// tag call), its ids and what became of it.
type BatchResult struct {
	// ChannelIDs are the ids of this batch, a window of the de-duplicated
	// id list (not a copy).
	ChannelIDs []string
	// Result is the service's answer when the batch succeeded.
	Result *PushResult
	// Err is why the batch failed (a *ChannelError), or nil.
	Err error
	// Attempted is false for a batch that was never sent: ctx ended or the
	// journal failed first. Its Err says which.
	Attempted bool
	// State is the batch's outcome: BatchSucceeded, BatchFailed or
	// BatchUncertain (BatchStarted only in a journal's start record).
	State BatchState
}

// FanoutResult is the outcome of [Channel.PushToDevices]: one entry per
// batch, in the order of the de-duplicated ids. Every id is in exactly one
// batch, and every batch in exactly one of three states, so every id is in
// exactly one of SucceededChannelIDs, FailedChannelIDs and
// UncertainChannelIDs.
type FanoutResult struct {
	Batches []BatchResult
}

// SucceededChannelIDs returns the ids of the batches the service accepted.
func (r *FanoutResult) SucceededChannelIDs() []string { return r.ids(BatchSucceeded) }

// FailedChannelIDs returns the ids that were provably not processed: their
// batch was refused before sending, never sent (see NotAttemptedChannelIDs),
// could not connect, or got a service error that means the service did not
// act. This is the retry list: pass it to PushToDevices again to send
// exactly what was not delivered, and nothing twice.
func (r *FanoutResult) FailedChannelIDs() []string { return r.ids(BatchFailed) }

// UncertainChannelIDs returns the ids whose batch may have been delivered
// although it failed: the request may have reached the service (answer
// lost, connection reset after writing, HTTP 5xx, 30600, an answer that was
// not the service's JSON). Sending them again may deliver twice; check with
// [Channel.QueryMsgStatus] or the devices themselves, or accept the risk.
func (r *FanoutResult) UncertainChannelIDs() []string { return r.ids(BatchUncertain) }

// NotAttemptedChannelIDs returns the ids of the batches that were never sent
// because ctx ended (or the journal failed) first; they are part of
// FailedChannelIDs.
func (r *FanoutResult) NotAttemptedChannelIDs() []string {
	if r == nil {
		return nil
	}
	var out []string
	for i := range r.Batches {
		if !r.Batches[i].Attempted {
			out = append(out, r.Batches[i].ChannelIDs...)
		}
	}
	return out
}

func (r *FanoutResult) ids(state BatchState) []string {
	if r == nil {
		return nil
	}
	n := 0
	for i := range r.Batches {
		if r.Batches[i].State == state {
			n += len(r.Batches[i].ChannelIDs)
		}
	}
	out := make([]string, 0, n)
	for i := range r.Batches {
		if r.Batches[i].State == state {
			out = append(out, r.Batches[i].ChannelIDs...)
		}
	}
	return out
}

// err summarises the failures: nil when every batch succeeded, else an
// error that counts the failed and uncertain ids and wraps the first
// failed batch's *ChannelError.
func (r *FanoutResult) err() error {
	var failed, uncertain, total int
	var first error
	for i := range r.Batches {
		b := &r.Batches[i]
		total += len(b.ChannelIDs)
		switch b.State {
		case BatchFailed:
			failed += len(b.ChannelIDs)
		case BatchUncertain:
			uncertain += len(b.ChannelIDs)
		default:
			continue
		}
		if first == nil {
			first = b.Err
		}
	}
	return fanoutError(total, failed, uncertain, first)
}

// fanoutError is the error of a fan-out with failed or uncertain ids, or
// nil.
func fanoutError(total, failed, uncertain int, first error) error {
	if first == nil {
		return nil
	}
	return fmt.Errorf("pushsdk: %d of %d ids not done: %d failed (safe to send again), %d uncertain (may have been processed): %w",
		failed+uncertain, total, failed, uncertain, first)
}

// SucceededChannelIDs returns the ids whose call the service accepted,
// whatever their per-device result: an id the service answered with result
// 1 (not added, or not removed; it gives no reason) has OK false and no Err.
func (r *DeviceResults) SucceededChannelIDs() []string { return r.ids(BatchSucceeded) }

// FailedChannelIDs returns the ids whose call was provably not processed:
// safe to send again.
func (r *DeviceResults) FailedChannelIDs() []string { return r.ids(BatchFailed) }

// UncertainChannelIDs returns the ids whose call may have been processed
// although it failed (see [ChannelError.MaybeProcessed]).
func (r *DeviceResults) UncertainChannelIDs() []string { return r.ids(BatchUncertain) }

func (r *DeviceResults) ids(state BatchState) []string {
	if r == nil {
		return nil
	}
	var out []string
	for _, d := range r.Devices {
		if stateOf(d.Err) == state {
			out = append(out, d.ChannelID)
		}
	}
	return out
}

// err is the fan-out error of the results: nil when every call succeeded.
func (r *DeviceResults) err() error {
	var failed, uncertain int
	var first error
	for _, d := range r.Devices {
		switch stateOf(d.Err) {
		case BatchFailed:
			failed++
		case BatchUncertain:
			uncertain++
		default:
			continue
		}
		if first == nil {
			first = d.Err
		}
	}
	return fanoutError(len(r.Devices), failed, uncertain, first)
}
