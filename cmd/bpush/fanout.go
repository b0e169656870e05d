package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/bdpush/pushsdk"
	"github.com/spf13/cobra"
)

// fanoutFlags are the flags of the bpush fan-out contract.
type fanoutFlags struct {
	failedFile      string
	uncertainFile   string
	journal         string
	resendUncertain bool
	concurrency     int
}

func (f *fanoutFlags) register(cmd *cobra.Command, journal bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.failedFile, "failed-file", "", "when the run ends, write the ids safe to send again here (replaced; empty when none)")
	fl.StringVar(&f.uncertainFile, "uncertain-file", "", "when the run ends, write the ids that may have been processed here (replaced; empty when none)")
	fl.IntVar(&f.concurrency, "concurrency", 4, "calls under way at once (1–256)")
	if journal {
		fl.StringVar(&f.journal, "journal", "", "record progress in this file, synced at each step; run again with it to resume")
		fl.BoolVar(&f.resendUncertain, "resend-uncertain", false, "when resuming, send again the batches whose outcome is unknown (may deliver twice)")
	}
}

// fanoutRun is one run of a fan-out command: its distinct ids cut into
// batches, what became of each batch (in this run, or in earlier runs of
// the same journal), and the files it reads and reports to.
type fanoutRun struct {
	a       *app
	flags   *fanoutFlags
	command string
	files   runFiles
	ids     []string // distinct, in order of first appearance
	size    int      // ids per batch
	j       *journal
	batches []batchOutcome
}

// batchOutcome is what became of one batch.
type batchOutcome struct {
	state   pushsdk.BatchState // 0: not started
	rec     journalRecord      // the details of its last step
	earlier bool               // its outcome comes from an earlier run
}

// newFanoutRun checks the flags and every file the run names (args holds
// "-" when ids come from stdin): a problem is a usage error, and nothing
// has been read, sent, removed or written.
func (a *app) newFanoutRun(flags *fanoutFlags, command string, size int, args []string, idsFile, msgFile string) (*fanoutRun, error) {
	if flags.concurrency < 1 || flags.concurrency > 256 {
		return nil, fmt.Errorf("--concurrency %d: want 1–256", flags.concurrency)
	}
	if flags.journal == "" && flags.resendUncertain {
		return nil, errors.New("--resend-uncertain goes with --journal")
	}
	stdin := ""
	if slices.Contains(args, "-") {
		stdin = "-"
	}
	files, err := checkFiles(
		runFile{flag: "ids", path: stdin},
		runFile{flag: "--ids-file", path: idsFile},
		runFile{flag: "--msg-file", path: msgFile},
		runFile{flag: "--journal", path: flags.journal},
		runFile{flag: "--failed-file", path: flags.failedFile, output: true},
		runFile{flag: "--uncertain-file", path: flags.uncertainFile, output: true},
	)
	if err != nil {
		return nil, err
	}
	return &fanoutRun{a: a, flags: flags, command: command, files: files, size: size}, nil
}

// abort ends a run before it sent anything, with err. When a signal ended
// it (while the ids were read, say), the old output files are removed: a
// run that was started never leaves an earlier run's files behind. A
// refused command (exit 2) leaves them as they are.
func (r *fanoutRun) abort(err error) error {
	if r.a.stop.Err() != nil {
		err = errors.Join(err, r.files.removeOutputs())
	}
	return err
}

// start takes the run's ids, opens the journal (what fingerprints the job's
// message and options: a journal is only resumed for the same job) and
// removes the old output files; the run then sends, and writes them when
// it ends.
func (r *fanoutRun) start(ids []string, what any) error {
	r.ids = dedup(ids)
	r.batches = make([]batchOutcome, (len(r.ids)+r.size-1)/r.size)
	if jf := r.files.get("--journal"); jf != nil {
		h := sha256.New()
		if err := json.NewEncoder(h).Encode(what); err != nil {
			return err
		}
		for _, id := range r.ids {
			io.WriteString(h, id)
			h.Write([]byte{'\n'})
		}
		j, err := openJournal(jf.real, journalHeader{Command: r.command, Fingerprint: hex.EncodeToString(h.Sum(nil)),
			IDs: len(r.ids), Batches: len(r.batches), BatchSize: r.size})
		if err != nil {
			return err
		}
		r.j = j
		for i, rec := range j.last {
			if st := stateOf(rec.State); st != 0 {
				r.batches[i] = batchOutcome{state: st, rec: rec, earlier: true}
			}
		}
	}
	if err := r.files.removeOutputs(); err != nil {
		if r.j != nil {
			r.j.Close()
		}
		return fail(err)
	}
	return nil
}

// batchIDs returns the ids of batch i.
func (r *fanoutRun) batchIDs(i int) []string {
	return r.ids[i*r.size : min((i+1)*r.size, len(r.ids))]
}

// pending lists the batches to send now: those never started and those
// that failed; with --resend-uncertain also those whose outcome is unknown.
func (r *fanoutRun) pending() []int {
	var out []int
	for i, b := range r.batches {
		switch b.state {
		case 0, pushsdk.BatchFailed:
		case pushsdk.BatchStarted, pushsdk.BatchUncertain:
			if !r.flags.resendUncertain {
				continue
			}
		default:
			continue
		}
		out = append(out, i)
	}
	return out
}

// send runs the pending batches through call, which makes the SDK fan-out
// with the options given (journal, concurrency, progress). The batches of
// the SDK's call line up with the pending batches: every batch but the
// last is whole, so the SDK cuts the concatenation where the batches were
// cut. After the first SIGINT or SIGTERM no batch starts; those under way
// finish (until the second signal) and are recorded.
func (r *fanoutRun) send(call func(ctx context.Context, ids []string, fopts ...pushsdk.FanoutOption) error) error {
	pending := r.pending()
	if len(pending) == 0 {
		return nil
	}
	var ids []string
	for _, i := range pending {
		ids = append(ids, r.batchIDs(i)...)
	}
	progress := r.a.progress(r.command, len(ids))
	sent := 0
	hook := func(batch int, b pushsdk.BatchResult) error {
		orig := pending[batch]
		if want := r.batchIDs(orig); len(b.ChannelIDs) != len(want) || b.ChannelIDs[0] != want[0] {
			return fmt.Errorf("batch %d of the call is not batch %d of the job", batch, orig)
		}
		if b.State == pushsdk.BatchStarted && r.a.stop.Err() != nil {
			return context.Cause(r.a.stop)
		}
		jr := recordOf(orig, b.State, b.Result, b.Err)
		if r.j != nil {
			if err := r.j.record(jr); err != nil {
				return err
			}
		}
		r.batches[orig] = batchOutcome{state: b.State, rec: jr}
		if b.State != pushsdk.BatchStarted {
			sent += len(b.ChannelIDs)
			progress(sent)
		}
		return nil
	}
	ctx, cancel := r.a.callCtx()
	defer cancel()
	err := call(ctx, ids, pushsdk.FanoutJournal(hook), pushsdk.FanoutConcurrency(r.flags.concurrency))
	var ce *pushsdk.ChannelError
	if errors.As(err, &ce) && ce.Code == pushsdk.CodeSDKParams {
		return err // refused before sending
	}
	// A batch the SDK never sent has no record: it keeps state 0, which
	// counts as failed (safe to send again). Tell why.
	for _, i := range pending {
		if r.batches[i].state == 0 && err != nil {
			r.batches[i].rec = journalRecord{Batch: i, ErrorMsg: "not sent: " + notSentReason(r.a, err)}
		}
	}
	return nil
}

// notSentReason says why batches were not sent.
func notSentReason(a *app, err error) string {
	if cause := context.Cause(a.stop); cause != nil {
		return cause.Error()
	}
	if a.hard.Err() != nil {
		return context.Cause(a.hard).Error()
	}
	var ce *pushsdk.ChannelError
	if errors.As(err, &ce) && ce.Code == pushsdk.CodeSDKRunning && !ce.MaybeProcessed() {
		return clean(errText(ce))
	}
	return "the run ended first"
}

// sets returns the ids of the job by outcome: succeeded, failed (never
// started, or failed: safe to send again), uncertain (started without an
// outcome, or uncertain).
func (r *fanoutRun) sets() (ok, failed, uncertain []string) {
	for i, b := range r.batches {
		switch b.state {
		case pushsdk.BatchSucceeded:
			ok = append(ok, r.batchIDs(i)...)
		case 0, pushsdk.BatchFailed:
			failed = append(failed, r.batchIDs(i)...)
		default:
			uncertain = append(uncertain, r.batchIDs(i)...)
		}
	}
	return ok, failed, uncertain
}

// finish writes the output files and closes the journal. It returns the
// counts of the three sets.
func (r *fanoutRun) finish() (ok, failed, uncertain int, err error) {
	okIDs, failedIDs, uncertainIDs := r.sets()
	if f := r.files.get("--failed-file"); f != nil {
		err = errors.Join(err, writeIDFile(f.real, failedIDs))
	}
	if f := r.files.get("--uncertain-file"); f != nil {
		err = errors.Join(err, writeIDFile(f.real, uncertainIDs))
	}
	if r.j != nil {
		err = errors.Join(err, r.j.Close())
	}
	return len(okIDs), len(failedIDs), len(uncertainIDs), err
}

// outcomeOf names a batch's outcome for output: ok, failed or uncertain.
func outcomeOf(st pushsdk.BatchState) string {
	switch st {
	case 0:
		return pushsdk.BatchFailed.String()
	case pushsdk.BatchStarted:
		return pushsdk.BatchUncertain.String()
	}
	return st.String()
}

// summary is the closing line of a fan-out command.
func (r *fanoutRun) summary(w io.Writer, ok, failed, uncertain int) {
	fmt.Fprintf(w, "%d ids in %d batches: %d ok, %d failed, %d uncertain", len(r.ids), len(r.batches), ok, failed, uncertain)
	if failed > 0 {
		if r.flags.failedFile != "" {
			fmt.Fprintf(w, "; failed ids (safe to send again) in %s", r.flags.failedFile)
		} else {
			fmt.Fprint(w, "; failed ids are safe to send again (--failed-file writes them)")
		}
	}
	if uncertain > 0 {
		if r.flags.uncertainFile != "" {
			fmt.Fprintf(w, "; uncertain ids (may have been processed) in %s", r.flags.uncertainFile)
		} else {
			fmt.Fprint(w, "; uncertain ids may have been processed (--uncertain-file writes them)")
		}
	}
	fmt.Fprintln(w)
}

// result is the command's error for the exit status: nil when every id
// succeeded, a failure (exit 1) otherwise, which quotes the first batch's
// error.
func (r *fanoutRun) result(failed, uncertain int) error {
	if failed+uncertain == 0 {
		return nil
	}
	first := ""
	for _, b := range r.batches {
		if b.state != pushsdk.BatchSucceeded && b.rec.ErrorMsg != "" {
			if b.rec.ErrorCode != 0 {
				first = fmt.Sprintf("; first error %d: %s", b.rec.ErrorCode, b.rec.ErrorMsg)
			} else {
				first = "; first error: " + b.rec.ErrorMsg
			}
			break
		}
	}
	return failf("%d of %d ids not done: %d failed, %d uncertain%s", failed+uncertain, len(r.ids), failed, uncertain, first)
}
