package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOneFileTwoFlags: two flags of one run that name one file — the same
// path, a symlink, a hard link, stdin twice — are a usage error before
// anything is read, sent, removed or written.
func TestOneFileTwoFlags(t *testing.T) {
	t.Parallel()
	srv, flags := emu(t)
	dir := t.TempDir()
	ids := writeLines(t, "ids.txt", makeIDs(25000, 1600000000000000000))
	idsBefore, err := os.ReadFile(ids)
	require.NoError(t, err)
	x := filepath.Join(dir, "x.txt")
	journal := filepath.Join(dir, "sale.journal")
	link := filepath.Join(dir, "link.txt")
	require.NoError(t, os.Symlink(x, link))
	hard := filepath.Join(dir, "hard.txt")
	msgFile := filepath.Join(dir, "msg.txt")
	require.NoError(t, os.WriteFile(msgFile, []byte("hi"), 0o600))
	require.NoError(t, os.Link(msgFile, hard))

	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"failed and uncertain", "", []string{"--ids-file", ids, "--msg", "hi", "--failed-file", x, "--uncertain-file", x},
			"--failed-file " + x + " and --uncertain-file " + x + " name the same file"},
		{"journal and failed", "", []string{"--ids-file", ids, "--msg", "hi", "--journal", journal, "--failed-file", journal},
			"--journal " + journal + " and --failed-file " + journal + " name the same file"},
		{"ids and failed", "", []string{"--ids-file", ids, "--msg", "hi", "--failed-file", ids},
			"--ids-file " + ids + " and --failed-file " + ids + " name the same file"},
		{"ids and journal", "", []string{"--ids-file", ids, "--msg", "hi", "--journal", ids},
			"--ids-file " + ids + " and --journal " + ids + " name the same file"},
		{"a symlink", "", []string{"--ids-file", ids, "--msg", "hi", "--failed-file", x, "--uncertain-file", link},
			"--failed-file " + x + " and --uncertain-file " + link + " name the same file"},
		{"a hard link", "", []string{"--ids-file", ids, "--msg-file", msgFile, "--failed-file", hard},
			"--msg-file " + msgFile + " and --failed-file " + hard + " name the same file"},
		{"a relative path", "", []string{"--ids-file", ids, "--msg", "hi", "--failed-file", x, "--uncertain-file", filepath.Join(dir, ".", "..", filepath.Base(dir), "x.txt")},
			"name the same file"},
		{"stdin twice", "1\n2\n", []string{"-", "--msg-file", "-"}, "stdin (-) is read twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(x, []byte("an old list\n"), 0o600))
			require.NoError(t, os.WriteFile(journal, []byte("not mine\n"), 0o600))
			r := bpush(t, tc.stdin, nil, append(append(flags, "push", "batch"), tc.args...)...)
			assert.Equal(t, 2, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			for path, want := range map[string]string{x: "an old list\n", journal: "not mine\n", ids: string(idsBefore), msgFile: "hi"} {
				got, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Equal(t, want, string(got), "%s is left as it was", path)
			}
		})
	}
	assert.Empty(t, srv.RequestsTo("push/batch_device"), "nothing was sent")
}

// TestOutputThroughSymlink: an output file reached through a symlink is
// written where the symlink points, beside its destination, and the
// symlink stays.
func TestOutputThroughSymlink(t *testing.T) {
	t.Parallel()
	_, flags := emu(t)
	dir := t.TempDir()
	real := filepath.Join(dir, "real", "failed.txt")
	require.NoError(t, os.Mkdir(filepath.Dir(real), 0o700))
	link := filepath.Join(dir, "failed.txt")
	require.NoError(t, os.Symlink(real, link))
	r := bpush(t, "", nil, append(flags, "push", "batch", "1", "2", "--msg", "hi", "--failed-file", link)...)
	require.Equal(t, 0, r.code, r.stderr)
	fi, err := os.Lstat(link)
	require.NoError(t, err)
	assert.NotZero(t, fi.Mode()&os.ModeSymlink, "the symlink stays")
	got, err := os.ReadFile(real)
	require.NoError(t, err)
	assert.Empty(t, string(got), "every id succeeded")
	entries, err := os.ReadDir(filepath.Dir(real))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")
}

// TestForeignFileAsJournal: a --journal that is not a bpush journal is
// refused and left byte for byte as it is — with a last line cut short, or
// no newline at all — and nothing is sent. A journal whose header a crash
// cut short (nothing was sent under it) is taken as a new one.
func TestForeignFileAsJournal(t *testing.T) {
	t.Parallel()
	srv, flags := emu(t)
	dir := t.TempDir()
	for name, content := range map[string]string{
		"no final newline": "first line of my notes\nsecond line, no newline",
		"no newline":       "a file with no newline at all",
		"json":             `{"journal":"another tool","version":1}` + "\n",
		"binary":           "\x00\x01\x02\xff",
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		r := bpush(t, "", nil, append(flags, "push", "batch", "1", "2", "--msg", "hi", "--journal", path)...)
		assert.Equal(t, 2, r.code, "%s: %s", name, r.stderr)
		assert.Contains(t, r.stderr, "not a bpush journal", name)
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, content, string(got), "%s is left as it was", name)
	}
	assert.Empty(t, srv.RequestsTo("push/batch_device"), "nothing was sent")

	torn := filepath.Join(dir, "torn.journal")
	require.NoError(t, os.WriteFile(torn, []byte(`{"journal":"bpush fan-out","vers`), 0o600))
	r := bpush(t, "", nil, append(flags, "push", "batch", "1", "2", "--msg", "hi", "--journal", torn)...)
	require.Equal(t, 0, r.code, r.stderr)
	starts, outcomes := journalCounts(torn)
	assert.Equal(t, 1, starts)
	assert.Equal(t, 1, outcomes)
	assert.Equal(t, 1, srv.DeliveryCount("1"))
}

// TestSignalBeforeSendingRemovesOldFiles: a SIGINT while the ids are read
// ends the run with 130, nothing sent, and the files an earlier run left
// gone — never passing for this run's.
func TestSignalBeforeSendingRemovesOldFiles(t *testing.T) {
	t.Parallel()
	srv, flags := emu(t)
	dir := t.TempDir()
	failed, uncertain := filepath.Join(dir, "retry.txt"), filepath.Join(dir, "check.txt")
	for _, f := range []string{failed, uncertain} {
		require.NoError(t, os.WriteFile(f, []byte("1\n2\n"), 0o600))
	}
	cmd := exec.Command(bin, append(flags, "-v", "push", "batch", "-", "--msg", "hi",
		"--failed-file", failed, "--uncertain-file", uncertain)...)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	t.Cleanup(func() { stdin.Close() })
	_, err = stdin.Write([]byte("3973380163216521844\n"))
	require.NoError(t, err)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	dieWithParent(cmd)
	require.NoError(t, cmd.Start())
	waitFor(t, "bpush to read stdin", func() bool { return strings.Contains(stderr.String(), "reading channel ids from stdin") })
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	var ee *exec.ExitError
	require.ErrorAs(t, cmd.Wait(), &ee)
	assert.Equal(t, 130, ee.ExitCode(), stderr.String())
	assert.Empty(t, srv.Requests(), "nothing was sent")
	for _, f := range []string{failed, uncertain} {
		assert.NoFileExists(t, f, "the earlier run's file is gone")
	}
}

// TestUsageErrorLeavesOutputsAlone: a command refused for its arguments
// (exit 2) never removes the files an earlier run wrote.
func TestUsageErrorLeavesOutputsAlone(t *testing.T) {
	t.Parallel()
	_, flags := emu(t)
	dir := t.TempDir()
	failed := filepath.Join(dir, "retry.txt")
	require.NoError(t, os.WriteFile(failed, []byte("1\n2\n"), 0o600))
	bad := writeLines(t, "bad.txt", []string{"1", "x2"})
	for _, args := range [][]string{
		{"--ids-file", bad, "--msg", "hi", "--failed-file", failed},
		{"1", "--msg", "", "--failed-file", failed},
		{"1", "--msg", "hi", "--title", "t", "--failed-file", failed},
	} {
		r := bpush(t, "", nil, append(append(flags, "push", "batch"), args...)...)
		assert.Equal(t, 2, r.code, r.stderr)
		assert.Equal(t, []string{"1", "2"}, readLines(t, failed), "args %v", args)
	}
}

// TestJournalHeldByAnotherRun: a journal locked by a run under way is a
// failure (exit 1), not a usage error, and the output files are left to
// that run.
func TestJournalHeldByAnotherRun(t *testing.T) {
	t.Parallel()
	srv, flags := emu(t)
	dir := t.TempDir()
	journal, failed := filepath.Join(dir, "j"), filepath.Join(dir, "f")
	// Another run holds the journal: this test takes its lock as bpush does.
	held, err := os.OpenFile(journal, os.O_RDWR|os.O_CREATE, 0o600)
	require.NoError(t, err)
	t.Cleanup(func() { held.Close() })
	unlock, err := lockFile(held)
	require.NoError(t, err)
	t.Cleanup(unlock)
	require.NoError(t, os.WriteFile(failed, []byte("kept\n"), 0o600))

	r := bpush(t, "", nil, append(flags, "push", "batch", "1", "--msg", "hi", "--journal", journal, "--failed-file", failed)...)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stderr, "is in use by another bpush")
	assert.Equal(t, []string{"kept"}, readLines(t, failed))
	assert.Empty(t, srv.Requests(), "nothing was sent")
}

// TestTagsAddJSONWithoutAnswer: when every call failed there is no request
// id, and --json leaves the field out instead of printing 0.
func TestTagsAddJSONWithoutAnswer(t *testing.T) {
	t.Parallel()
	srv, flags := emu(t)
	run1(t, flags, "tags", "create", "vip")
	srv.FailNext("tag/add_devices", 1, pushtest.Fault{Code: 30602})
	r := bpush(t, "", nil, append(flags, "--json", "tags", "add", "vip", "1", "2")...)
	assert.Equal(t, 1, r.code, r.stderr)
	var out map[string]any
	require.NoError(t, json.NewDecoder(bytes.NewReader([]byte(r.stdout))).Decode(&out), r.stdout)
	assert.NotContains(t, out, "request_id")
	assert.EqualValues(t, 2, out["failed"])

	r = bpush(t, "", nil, append(flags, "--json", "tags", "add", "vip", "1", "2")...)
	require.Equal(t, 0, r.code, r.stderr)
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out))
	assert.NotZero(t, out["request_id"])
}

// TestMessagesNameTheFix: bpush's texts for missing keys and a wrong
// secret key say what to do, pinned word for word.
func TestMessagesNameTheFix(t *testing.T) {
	t.Parallel()
	srv, _ := emu(t)
	noKeys := []string{"BAIDU_PUSH_API_KEY=", "BAIDU_PUSH_SECRET_KEY="}
	r := bpush(t, "", noKeys, "push", "all", "--msg", "a")
	assert.Equal(t, 2, r.code)
	assert.Equal(t, "bpush: no API key and no secret key: give --apikey or BAIDU_PUSH_API_KEY, and --secretkey or BAIDU_PUSH_SECRET_KEY, "+
		"or --config sdk.conf; or try --emulator\nRun 'bpush push all --help' for usage.\n", r.stderr)

	conf := filepath.Join(t.TempDir(), "sdk.conf")
	require.NoError(t, os.WriteFile(conf, []byte("[SDK]\napiKey = k\n"), 0o600))
	r = bpush(t, "", noKeys, "--config", conf, "push", "all", "--msg", "a")
	assert.Equal(t, 2, r.code)
	assert.Equal(t, "bpush: no secret key: give --secretkey or BAIDU_PUSH_SECRET_KEY, or set secretKey under [SDK] in "+conf+
		"; or try --emulator\nRun 'bpush push all --help' for usage.\n", r.stderr)

	r = bpush(t, "", nil, "--host", srv.URL, "--apikey", srv.APIKey, "--secretkey", "WrongSecret", "push", "all", "--msg", "a")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "the secret key most likely does not belong to this API key")
	assert.Contains(t, r.stderr, "pushsdk signs correctly, so check that the secret key (secret key: 11 bytes, md5 ")
	assert.Contains(t, r.stderr, "bpush: compare the secret key's md5 fingerprint above with the one of the app's key in the push console "+
		"(bpush sign --explain PATH prints the fingerprint of the key bpush uses, and what it signs)\n")
	assert.NotContains(t, r.stderr, "WrongSecret")
	assert.NotContains(t, r.stderr, srv.SecretKey)
}
