package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func makeIDs(n int, base int64) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%019d", base+int64(i))
	}
	return out
}

func writeLines(t *testing.T, name string, lines []string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	return p
}

// readLines reads an id file; it fails the test when the file is missing.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err, "%s must exist", path)
	return strings.Fields(string(data))
}

func set(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// TestFailedAndUncertainFiles: the three sets of a fan-out reach the files
// and --json exactly, old files are replaced, and an unwritable file is a
// usage error before anything is sent.
func TestFailedAndUncertainFiles(t *testing.T) {
	t.Parallel()
	srv, flags := emu(t)
	ids := makeIDs(35000, 1100000000000000000)
	idsFile := writeLines(t, "ids.txt", ids)
	dir := t.TempDir()
	failed, uncertain := filepath.Join(dir, "failed.txt"), filepath.Join(dir, "uncertain.txt")
	require.NoError(t, os.WriteFile(failed, []byte("123\n456\n"), 0o600), "an old file")

	srv.FailNext("push/batch_device", 1, pushtest.Fault{})
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Code: pushsdk.CodeInvalidParams})
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Status: 502, AfterProcessing: true})
	args := append(flags, "--json", "push", "batch", "--ids-file", idsFile, "--msg", "hi", "--concurrency", "1",
		"--failed-file", failed, "--uncertain-file", uncertain)
	r := bpush(t, "", nil, args...)
	assert.Equal(t, 1, r.code, r.stderr)
	var out fanoutJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out), r.stdout)
	require.Len(t, out.Batches, 4)
	for i, want := range []string{"ok", "failed", "uncertain", "ok"} {
		assert.Equal(t, want, out.Batches[i].Outcome, "batch %d", i+1)
	}
	assert.Equal(t, pushsdk.CodeInvalidParams, out.Batches[1].ErrorCode)
	assert.Equal(t, pushsdk.CodeBadError, out.Batches[2].ErrorCode)
	assert.Equal(t, 15000, out.Succeeded)
	assert.Equal(t, 10000, out.Failed)
	assert.Equal(t, 10000, out.Uncertain)
	assert.Equal(t, ids[10000:20000], readLines(t, failed), "the old file was replaced by exactly the failed ids")
	assert.Equal(t, ids[20000:30000], readLines(t, uncertain))
	for _, id := range readLines(t, failed) {
		require.Zero(t, srv.DeliveryCount(id), "a failed id was delivered")
	}

	// Sending the failed ids again succeeds: both files exist, empty.
	failed2 := filepath.Join(dir, "failed2.txt")
	r = bpush(t, "", nil, append(flags, "push", "batch", "--ids-file", failed, "--msg", "hi", "--failed-file", failed2, "--uncertain-file", uncertain)...)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, readLines(t, failed2))
	assert.Empty(t, readLines(t, uncertain))
	assert.Contains(t, r.stdout, "10000 ids in 1 batches: 10000 ok, 0 failed, 0 uncertain")

	// Files that cannot be written: exit 2, nothing sent.
	before := len(srv.RequestsTo("push/batch_device"))
	for _, bad := range []string{filepath.Join(dir, "no", "such", "dir", "f.txt"), dir} {
		r = bpush(t, "", nil, append(flags, "push", "batch", "1", "2", "--msg", "hi", "--failed-file", bad)...)
		assert.Equal(t, 2, r.code, r.stderr)
		assert.Contains(t, r.stderr, "--failed-file")
		r = bpush(t, "", nil, append(flags, "push", "batch", "1", "2", "--msg", "hi", "--uncertain-file", bad)...)
		assert.Equal(t, 2, r.code, r.stderr)
	}
	assert.Len(t, srv.RequestsTo("push/batch_device"), before, "nothing was sent")
}

// TestJournalResume runs a fan-out with a journal through failures, then
// the same command again: done batches are skipped, failed ones sent again,
// uncertain ones only with --resend-uncertain; another job is refused.
func TestJournalResume(t *testing.T) {
	t.Parallel()
	srv, flags := emu(t)
	ids := makeIDs(40000, 1200000000000000000)
	idsFile := writeLines(t, "ids.txt", ids)
	dir := t.TempDir()
	journal, failed, uncertain := filepath.Join(dir, "j"), filepath.Join(dir, "f"), filepath.Join(dir, "u")
	args := append(flags, "push", "batch", "--ids-file", idsFile, "--msg", "hi", "--concurrency", "1",
		"--journal", journal, "--failed-file", failed, "--uncertain-file", uncertain)
	calls := func() int { return len(srv.RequestsTo("push/batch_device")) }

	srv.FailNext("push/batch_device", 1, pushtest.Fault{Code: pushsdk.CodeInvalidParams})
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Drop: true, AfterProcessing: true})
	r := bpush(t, "", nil, args...)
	require.Equal(t, 1, r.code, r.stderr)
	assert.Equal(t, 4, calls())
	assert.Equal(t, ids[:10000], readLines(t, failed))
	assert.Equal(t, ids[10000:20000], readLines(t, uncertain))

	// Resume: only the failed batch goes out again.
	r = bpush(t, "", nil, args...)
	require.Equal(t, 1, r.code, "still uncertain: %s", r.stderr)
	assert.Equal(t, 5, calls())
	assert.Empty(t, readLines(t, failed))
	assert.Equal(t, ids[10000:20000], readLines(t, uncertain))
	assert.Contains(t, r.stdout, "from an earlier run")
	for _, id := range []string{ids[0], ids[9999], ids[10000], ids[39999]} {
		assert.Equal(t, 1, srv.DeliveryCount(id), id)
	}

	// A cut-off last line (a crash mid-write) is dropped.
	f, err := os.OpenFile(journal, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, _ = f.WriteString(`{"batch":3,"state":"fai`)
	require.NoError(t, f.Close())

	// --resend-uncertain sends the uncertain batch again, knowingly.
	r = bpush(t, "", nil, append(args, "--resend-uncertain")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 6, calls())
	assert.Empty(t, readLines(t, uncertain))
	assert.Equal(t, 2, srv.DeliveryCount(ids[10000]), "delivered twice, as --resend-uncertain warns")

	// Done: nothing is sent.
	r = bpush(t, "", nil, args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 6, calls())

	// Another job with this journal is refused.
	for _, other := range [][]string{
		append(flags, "push", "batch", "--ids-file", idsFile, "--msg", "another message", "--journal", journal),
		append(flags, "push", "batch", "--ids-file", writeLines(t, "other.txt", ids[1:]), "--msg", "hi", "--journal", journal),
	} {
		r = bpush(t, "", nil, other...)
		assert.Equal(t, 2, r.code, r.stderr)
		assert.Contains(t, r.stderr, "records another job")
	}
	assert.Equal(t, 6, calls())
}

// TestJournalSurvivesSIGKILL kills bpush with SIGKILL at random points of a
// fan-out, many times, then resumes it from the journal. After the resume,
// no id was delivered twice, and every id that was not reported uncertain
// was delivered exactly once; after a resume with --resend-uncertain every
// id was delivered, and only ids reported uncertain may have been
// delivered twice.
func TestJournalSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	const points = 24
	ids := makeIDs(60000, 1300000000000000000)
	idsFile := writeLines(t, "ids.txt", ids)
	rng := rand.New(rand.NewPCG(1, 2))
	delays := make([]time.Duration, points)
	for i := range delays {
		delays[i] = time.Duration(50+rng.IntN(450)) * time.Millisecond
	}
	for i, delay := range delays {
		t.Run(fmt.Sprint("kill at ", delay), func(t *testing.T) {
			t.Parallel()
			srv, flags := emu(t)
			// Each call is held 40 ms after the emulator processed it: the
			// window in which a kill leaves a batch started, delivered, and
			// without an outcome.
			srv.FailNext("push/batch_device", 100, pushtest.Fault{Delay: 40 * time.Millisecond, AfterProcessing: true})
			dir := t.TempDir()
			journal, failed, uncertain := filepath.Join(dir, "j"), filepath.Join(dir, "f"), filepath.Join(dir, "u")
			args := append(flags, "--no-progress", "push", "batch", "--ids-file", idsFile, "--msg", "hi", "--concurrency", "2",
				"--journal", journal, "--failed-file", failed, "--uncertain-file", uncertain)

			cmd := exec.Command(bin, args...)
			dieWithParent(cmd)
			require.NoError(t, cmd.Start())
			time.Sleep(delay)
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()
			starts, outcomes := journalCounts(journal)
			delivered := 0
			for _, id := range ids {
				delivered += srv.DeliveryCount(id)
			}

			r := bpush(t, "", nil, args...)
			require.Contains(t, []int{0, 1}, r.code, r.stderr)
			unc := set(readLines(t, uncertain))
			assert.Empty(t, readLines(t, failed), "every failed or unsent batch was sent again")
			for _, id := range ids {
				n := srv.DeliveryCount(id)
				require.LessOrEqual(t, n, 1, "id %s delivered twice without --resend-uncertain", id)
				if !unc[id] {
					require.Equal(t, 1, n, "id %s is neither delivered nor reported uncertain", id)
				}
			}

			r = bpush(t, "", nil, append(args, "--resend-uncertain")...)
			require.Equal(t, 0, r.code, r.stderr)
			twice := 0
			for _, id := range ids {
				n := srv.DeliveryCount(id)
				require.GreaterOrEqual(t, n, 1, "id %s never delivered", id)
				if n > 1 {
					require.True(t, unc[id], "id %s delivered twice but never reported uncertain", id)
					twice++
				}
			}
			t.Logf("kill point %2d at %3v: journal had %d starts and %d outcomes, %5d deliveries; resume reported %5d uncertain; %5d delivered twice after --resend-uncertain",
				i+1, delay, starts, outcomes, delivered, len(unc), twice)
		})
	}
}

// journalCounts counts the start and outcome records of a journal.
func journalCounts(path string) (starts, outcomes int) {
	data, _ := os.ReadFile(path)
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.Contains(line, `"state":"started"`):
			starts++
		case strings.Contains(line, `"state":`):
			outcomes++
		}
	}
	return starts, outcomes
}

// TestSignalsEndFanoutCleanly interrupts a fan-out with SIGINT and with
// SIGTERM: no batch starts after the signal, those under way finish and
// are reported, the files are written, and the exit status is 130 / 143.
func TestSignalsEndFanoutCleanly(t *testing.T) {
	t.Parallel()
	ids := makeIDs(80000, 1400000000000000000)
	idsFile := writeLines(t, "ids.txt", ids)
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			t.Parallel()
			srv, flags := emu(t)
			srv.FailNext("push/batch_device", 100, pushtest.Fault{Delay: 150 * time.Millisecond})
			dir := t.TempDir()
			failed, uncertain := filepath.Join(dir, "f"), filepath.Join(dir, "u")
			cmd := exec.Command(bin, append(flags, "--json", "push", "batch", "--ids-file", idsFile, "--msg", "hi", "--concurrency", "2",
				"--failed-file", failed, "--uncertain-file", uncertain)...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			dieWithParent(cmd)
			require.NoError(t, cmd.Start())
			// Once the first batch reached the emulator, others are under
			// way and more are still to start (2 at a time, 150 ms each).
			waitFor(t, "a batch to reach the emulator", func() bool { return len(srv.RequestsTo("push/batch_device")) > 0 })
			require.NoError(t, cmd.Process.Signal(tc.sig))
			err := cmd.Wait()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, stderr.String())
			assert.Equal(t, tc.code, ee.ExitCode(), stderr.String())
			assert.Contains(t, stderr.String(), "interrupted by "+map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM"}[tc.sig])

			var out fanoutJSON
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &out), stdout.String())
			f, u := readLines(t, failed), readLines(t, uncertain)
			assert.Empty(t, u, "the calls under way finished")
			assert.NotEmpty(t, f, "batches not started are safe to send again")
			assert.Equal(t, len(ids), out.Succeeded+out.Failed+out.Uncertain)
			assert.Equal(t, len(f), out.Failed)
			for _, id := range f {
				require.Zero(t, srv.DeliveryCount(id))
			}
			isFailed := set(f)
			for _, id := range ids {
				if !isFailed[id] {
					require.Equal(t, 1, srv.DeliveryCount(id), "an id neither delivered nor in the failed file")
				}
			}
		})
	}
}

// TestSignalWhileReadingInput: SIGINT ends a command that waits for stdin,
// with 130 and nothing sent.
func TestSignalWhileReadingInput(t *testing.T) {
	t.Parallel()
	srv, flags := emu(t)
	cmd := exec.Command(bin, append(flags, "-v", "push", "batch", "-", "--msg", "hi")...)
	stdin, err := cmd.StdinPipe() // open, never written, never closed
	require.NoError(t, err)
	t.Cleanup(func() { stdin.Close() })
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	dieWithParent(cmd)
	require.NoError(t, cmd.Start())
	waitFor(t, "bpush to read stdin", func() bool { return strings.Contains(stderr.String(), "reading channel ids from stdin") })
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	// A bpush that kept reading would never end: the test's timeout
	// would.
	err = cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 130, ee.ExitCode(), stderr.String())
	assert.Empty(t, srv.Requests())
}

// TestInputFiles: id lists with a byte order mark and CRLF are read; a bad
// line is named; /dev/zero as a config or an id list fails fast.
func TestInputFiles(t *testing.T) {
	t.Parallel()
	srv, flags := emu(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	require.NoError(t, os.WriteFile(good, []byte("\uFEFF1001\r\n# a comment\r\n\r\n1002\r\n1003"), 0o600))
	r := bpush(t, "", nil, append(flags, "--json", "push", "batch", "--ids-file", good, "--msg", "hi")...)
	require.Equal(t, 0, r.code, r.stderr)
	for _, id := range []string{"1001", "1002", "1003"} {
		assert.Equal(t, 1, srv.DeliveryCount(id), id)
	}

	bad := filepath.Join(dir, "bad.txt")
	require.NoError(t, os.WriteFile(bad, []byte("1001\n\n12x4\n"), 0o600))
	r = bpush(t, "", nil, append(flags, "push", "batch", "--ids-file", bad, "--msg", "hi")...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "bad.txt:3: \"12x4\" is not a channel id")
	r = bpush(t, "1\n2\nfoo\n", nil, append(flags, "tags", "add", "vip", "-")...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "stdin:3:")

	for _, args := range [][]string{
		append(flags, "push", "batch", "--ids-file", "/dev/zero", "--msg", "hi"),
		{"--config", "/dev/zero", "tags", "list"},
		append(flags, "push", "all", "--msg-file", "/dev/zero"),
	} {
		r = bpush(t, "", nil, args...)
		assert.Equal(t, 2, r.code, r.stderr)
		assert.Regexp(t, `(larger|longer) than`, r.stderr)
	}
	assert.Len(t, srv.RequestsTo("push/batch_device"), 1, "only the good list was sent")
}

// TestTagsAddReportsEveryID: a failed tag call is reported per id, in the
// summary and in --failed-file, with exit status 1.
func TestTagsAddReportsEveryID(t *testing.T) {
	t.Parallel()
	srv, flags := emu(t)
	run1(t, flags, "tags", "create", "vip")
	ids := makeIDs(25, 1500000000000000000)
	failed := filepath.Join(t.TempDir(), "failed.txt")
	srv.FailNext("tag/add_devices", 1, pushtest.Fault{})
	srv.FailNext("tag/add_devices", 1, pushtest.Fault{Code: pushsdk.CodeInvalidParams})
	r := bpush(t, strings.Join(ids, "\n"), nil, append(flags, "tags", "add", "vip", "-", "--concurrency", "1", "--failed-file", failed)...)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stdout, "25 ids: 15 added, 0 not added (service result 1), 10 failed, 0 uncertain")
	assert.Contains(t, r.stdout, ids[10]+"  failed: error 30602")
	assert.Contains(t, r.stderr, "first error 30602")
	assert.Equal(t, ids[10:20], readLines(t, failed))
	members, _ := srv.DefaultApp().TagMembers("vip")
	assert.Len(t, members, 15)

	// Sending the failed file again completes the job.
	failed2 := filepath.Join(t.TempDir(), "failed2.txt")
	r = bpush(t, "", nil, append(flags, "tags", "add", "vip", "--ids-file", failed, "--failed-file", failed2)...)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, readLines(t, failed2))
	members, _ = srv.DefaultApp().TagMembers("vip")
	assert.Len(t, members, 25)
}

// TestStatusReportsMissingIDs: an id the service does not return is shown,
// and the command fails.
func TestStatusReportsMissingIDs(t *testing.T) {
	t.Parallel()
	_, flags := emu(t)
	r := run1(t, flags, "--json", "push", "device", "1001", "--msg", "m")
	var push map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &push))
	msgID := push["msg_id"].(string)
	r = bpush(t, "", nil, append(flags, "status", msgID, "123")...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "123")
	assert.Contains(t, r.stdout, "not returned by the service")
	assert.Contains(t, r.stderr, "no status for 1 of 2 msg ids: 123")
	r = bpush(t, "", nil, append(flags, "--json", "status", msgID, "123")...)
	assert.Equal(t, 1, r.code)
	var st map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &st))
	assert.Equal(t, []any{"123"}, st["missing"])
}

// TestConfigErrorsDoNotLeakTheSecret: a malformed sdk.conf holding the
// secret is reported, in a table and in --json, without it.
func TestConfigErrorsDoNotLeakTheSecret(t *testing.T) {
	t.Parallel()
	const secret = "CliS3cretThatMustStayHidden00001"
	dir := t.TempDir()
	for i, body := range []string{
		"[SDK]\napiKey = k\nsecretKey " + secret + "\n",
		"[SDK]\napiKey = k\nsecretKey = \"\"\"" + secret + "\n",
		"[SDK]\n" + secret + "\n",
	} {
		conf := filepath.Join(dir, fmt.Sprint(i, ".conf"))
		require.NoError(t, os.WriteFile(conf, []byte(body), 0o600))
		for _, args := range [][]string{{"--config", conf, "tags", "list"}, {"--json", "--config", conf, "tags", "list"}} {
			r := bpush(t, "", nil, args...)
			assert.Equal(t, 2, r.code)
			assert.Contains(t, r.stderr, conf+":")
			for j := 0; j+8 <= len(secret); j++ {
				require.NotContains(t, r.stdout+r.stderr, secret[j:j+8])
			}
		}
	}
}
