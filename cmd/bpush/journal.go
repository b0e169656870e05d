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

// maxJournalHeader bounds the first line of a journal.
const maxJournalHeader = 64 << 10

// openJournal opens the journal at path for the job h, creating it when it
// does not exist. An existing journal must be for the same job: the same
// command, ids and message (the fingerprint), else errJournalMismatch. A
// file that is not a journal is refused and left as it is: nothing is
// truncated or written before the header has been read and matched.
func openJournal(path string, h journalHeader) (*journal, error) {
	h.Journal, h.Version = journalMagic, journalVersion
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	unlock, err := lockFile(f)
	if err != nil {
		f.Close()
		// Not a usage error: the command is right, another run holds the
		// journal now.
		return nil, failf("journal %s is in use by another bpush (wait for it to end, or give another --journal): %w", path, err)
	}
	j := &journal{path: path, f: f, unlock: unlock, last: make([]journalRecord, h.Batches)}
	if err := j.load(h); err != nil {
		j.Close()
		return nil, err
	}
	return j, nil
}

// parseJournalHead reads the header from the start of a journal file. A
// start that is only the beginning of a header — a journal whose creation
// was cut short, before anything was sent — gives a nil header and no
// error; anything else that is not a bpush journal is an error.
func parseJournalHead(name string, data []byte) (*journalHeader, error) {
	line, _, complete := bytes.Cut(data, []byte{'\n'})
	var got journalHeader
	switch {
	case len(data) == 0:
		return nil, nil
	case !complete && tornHeader(line):
		return nil, nil
	case json.Unmarshal(line, &got) != nil || got.Journal != journalMagic:
		return nil, fmt.Errorf("--journal %s: not a bpush journal (its first line is not a journal header); it is left as it is: give another --journal", name)
	case got.Version != journalVersion:
		return nil, fmt.Errorf("--journal %s: a journal of version %d; this bpush reads version %d", name, got.Version, journalVersion)
	}
	return &got, nil
}

// tornHeader reports whether line can be the beginning of a header that
// bpush was writing when it stopped.
func tornHeader(line []byte) bool {
	prefix := []byte(`{"journal":"` + journalMagic + `"`)
	if len(line) <= len(prefix) {
		return bytes.HasPrefix(prefix, line)
	}
	return bytes.HasPrefix(line, prefix)
}

// load reads an existing journal, or writes the header of a new one. Every
// line is checked before the file is changed: only then is a last line cut
// short by a crash (a step that had not happened) dropped.
func (j *journal) load(h journalHeader) error {
	data, err := io.ReadAll(io.LimitReader(j.f, maxJournal+1))
	if err != nil {
		return err
	}
	if len(data) > maxJournal {
		return fmt.Errorf("journal %s: larger than %d MiB; not a bpush journal", j.path, maxJournal>>20)
	}
	got, err := parseJournalHead(j.path, data)
	if err != nil {
		return err
	}
	if got == nil {
		// A new journal, or one whose header was cut short: nothing was
		// sent under it.
		if err := j.f.Truncate(0); err != nil {
			return err
		}
		if _, err := j.f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		line, _ := json.Marshal(h)
		if err := j.write(line); err != nil {
			return err
		}
		return syncDir(filepath.Dir(j.path))
	}
	if *got != h {
		return fmt.Errorf("%w: %s records another job (%s of %d ids in %d batches); give the same ids, message and options, or another --journal",
			errJournalMismatch, j.path, got.Command, got.IDs, got.Batches)
	}
	whole := data[:bytes.LastIndexByte(data, '\n')+1]
	lines := bytes.Split(whole[:len(whole)-1], []byte{'\n'})
	for n, line := range lines[1:] {
		var rec journalRecord
		if err := json.Unmarshal(line, &rec); err != nil || rec.Batch < 0 || rec.Batch >= len(j.last) || stateOf(rec.State) == 0 {
			return fmt.Errorf("%s:%d: not a journal record; the journal is left as it is", j.path, n+2)
		}
		j.last[rec.Batch] = rec
	}
	if len(whole) < len(data) {
		if err := j.f.Truncate(int64(len(whole))); err != nil {
			return err
		}
	}
	_, err = j.f.Seek(0, io.SeekEnd)
	return err
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
	return writeIDsFrom(path, func(fn func([]string) error) error { return fn(ids) })
}

// writeIDsFrom replaces path, atomically, with the ids that produce hands
// to its function a list at a time.
func writeIDsFrom(path string, produce func(func([]string) error) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return err
	}
	w := bufio.NewWriter(tmp)
	err = produce(func(ids []string) error {
		for _, id := range ids {
			w.WriteString(id)
			w.WriteByte('\n')
		}
		return nil
	})
	if err == nil {
		err = w.Flush()
	}
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
