package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/bdpush/pushsdk"
)

// A journal is an append-only file of JSON lines that records a fan-out's
// progress so that a run killed at any instant (SIGKILL, power loss) can be
// resumed without losing an id or sending one twice unknowingly:
//
//	{"journal":"bpush fan-out","version":1,"command":"push batch","fingerprint":"…","ids":25000,"batches":3,"batch_size":10000}
//	{"batch":0,"state":"started","time":"…"}
//	{"batch":0,"state":"ok","msg_id":"…","request_id":…,"send_time":…,"time":"…"}
//	{"batch":1,"state":"started","time":"…"}
//	{"batch":1,"state":"failed","error_code":30602,"error_msg":"…","time":"…"}
//
// Each line is synced to disk before the step that depends on it: a batch
// is sent only after its "started" line is on disk, so a batch without one
// was never sent, and a batch with one but no outcome may have been.
// A last line cut short by a crash is a step that had not happened, and is
// dropped when the journal is opened again.

const (
	journalMagic   = "bpush fan-out"
	journalVersion = 1
	maxJournal     = 64 << 20
)

// journalHeader is the first line: what the journal is about.
type journalHeader struct {
	Journal     string `json:"journal"`
	Version     int    `json:"version"`
	Command     string `json:"command"`
	Fingerprint string `json:"fingerprint"`
	IDs         int    `json:"ids"`
	Batches     int    `json:"batches"`
	BatchSize   int    `json:"batch_size"`
}

// journalRecord is one later line: a batch's start or outcome.
type journalRecord struct {
	Batch     int    `json:"batch"`
	State     string `json:"state"`
	MsgID     string `json:"msg_id,omitempty"`
	RequestID int64  `json:"request_id,omitempty"`
	SendTime  int64  `json:"send_time,omitempty"`
	ErrorCode int    `json:"error_code,omitempty"`
	ErrorMsg  string `json:"error_msg,omitempty"`
	Time      string `json:"time"`
}

// journal is an open journal file.
type journal struct {
	path   string
	f      *os.File
	unlock func()
	last   []journalRecord // the last record of each batch; State "" for none
}

// errJournalMismatch marks a journal that belongs to another job.
var errJournalMismatch = errors.New("journal mismatch")

// openJournal opens the journal at path for the job h, creating it when it
// does not exist. An existing journal must be for the same job: the same
// command, ids and message (the fingerprint), else errJournalMismatch.
func openJournal(path string, h journalHeader) (*journal, error) {
	h.Journal, h.Version = journalMagic, journalVersion
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	unlock, err := lockFile(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s is in use by another bpush: %w", path, err)
	}
	j := &journal{path: path, f: f, unlock: unlock, last: make([]journalRecord, h.Batches)}
	if err := j.load(h); err != nil {
		j.Close()
		return nil, err
	}
	return j, nil
}

// load reads an existing journal, or writes the header of a new one.
func (j *journal) load(h journalHeader) error {
	data, err := io.ReadAll(io.LimitReader(j.f, maxJournal+1))
	if err != nil {
		return err
	}
	if len(data) > maxJournal {
		return fmt.Errorf("journal %s: larger than %d MiB; not a bpush journal", j.path, maxJournal>>20)
	}
	// A last line without its newline was cut short by a crash: the step
	// it records had not happened. Drop it before appending.
	whole := data
	if i := bytes.LastIndexByte(data, '\n'); i+1 < len(data) {
		whole = data[:i+1]
		if err := j.f.Truncate(int64(len(whole))); err != nil {
			return err
		}
	}
	if _, err := j.f.Seek(0, io.SeekEnd); err != nil {
		return err
	}
	if len(whole) == 0 {
		line, _ := json.Marshal(h)
		if err := j.write(line); err != nil {
			return err
		}
		return syncDir(filepath.Dir(j.path))
	}
	sc := bufio.NewScanner(bytes.NewReader(whole))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if n == 1 {
			var got journalHeader
			if err := json.Unmarshal(sc.Bytes(), &got); err != nil || got.Journal != journalMagic {
				return fmt.Errorf("%s is not a bpush journal", j.path)
			}
			if got != h {
				return fmt.Errorf("%w: %s records another job (%s of %d ids in %d batches); give the same ids, message and options, or another --journal",
					errJournalMismatch, j.path, got.Command, got.IDs, got.Batches)
			}
			continue
		}
		var rec journalRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil || rec.Batch < 0 || rec.Batch >= len(j.last) || stateOf(rec.State) == 0 {
			return fmt.Errorf("%s:%d: not a journal record", j.path, n)
		}
		j.last[rec.Batch] = rec
	}
	return sc.Err()
}

// write appends one line and syncs it to disk.
func (j *journal) write(line []byte) error {
	if _, err := j.f.Write(append(line, '\n')); err != nil {
		return err
	}
	return j.f.Sync()
}

// record appends a batch's start or outcome, synced to disk.
func (j *journal) record(rec journalRecord) error {
	rec.Time = time.Now().UTC().Format(time.RFC3339Nano)
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := j.write(line); err != nil {
		return err
	}
	j.last[rec.Batch] = rec
	return nil
}

// Close releases the journal.
func (j *journal) Close() error {
	j.unlock()
	return j.f.Close()
}

// syncDir makes a new directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// stateOf parses a journal state; 0 for none.
func stateOf(s string) pushsdk.BatchState {
	for st := pushsdk.BatchStarted; st <= pushsdk.BatchUncertain; st++ {
		if st.String() == s {
			return st
		}
	}
	return 0
}

// recordOf turns a batch's outcome into a journal record.
func recordOf(batch int, state pushsdk.BatchState, res *pushsdk.PushResult, err error) journalRecord {
	rec := journalRecord{Batch: batch, State: state.String()}
	if res != nil {
		rec.MsgID, rec.RequestID, rec.SendTime = res.MsgID, res.RequestID, unixOrZero(res.SendTime)
	}
	var ce *pushsdk.ChannelError
	if errors.As(err, &ce) {
		rec.RequestID, rec.ErrorCode, rec.ErrorMsg = ce.RequestID, ce.Code, clean(errText(ce))
	} else if err != nil {
		rec.ErrorMsg = clean(err.Error())
	}
	return rec
}

// errText is a ChannelError's message with its cause, without the
// "pushsdk:" prefix and code suffix of Error.
func errText(ce *pushsdk.ChannelError) string {
	msg := ce.Msg
	if ce.Err != nil && ce.Code < 30000 {
		msg += ": " + ce.Err.Error()
	}
	return msg
}

// writeIDFile replaces path with ids, one per line, atomically: a temporary
// file in the same directory, synced, renamed over path.
func writeIDFile(path string, ids []string) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return err
	}
	w := bufio.NewWriter(tmp)
	for _, id := range ids {
		w.WriteString(id)
		w.WriteByte('\n')
	}
	err = w.Flush()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return syncDir(dir)
}

// prepareIDFile checks that path can be written, before anything is sent,
// and removes what an earlier run left there: a file from an earlier run
// never passes for this run's.
func prepareIDFile(flag, path string) error {
	if path == "" {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s %s: not a regular file", flag, path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("%s %s: cannot be written: %w", flag, path, err)
	}
	tmp.Close()
	os.Remove(tmp.Name())
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	return nil
}
