package main

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bdpush/pushsdk/pushredis/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A console block of README.md is a shell session: "$ command" lines, each
// followed by what it prints. TestReadmeTranscript runs every such block
// as it stands, in a fresh directory and a shell whose PATH finds this
// bpush, on a free port instead of 8088, and compares what each command
// prints with the README, where numbers (ids, times, the port) may differ
// and "…" stands for anything: a whole "…" line for any lines, "…" in a
// line for any text.
func TestReadmeTranscript(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	blocks := consoleBlocks(string(data))
	require.GreaterOrEqual(t, len(blocks), 2, "README.md's bpush sessions")
	for _, b := range blocks {
		t.Run("README.md:"+strconv.Itoa(b.line), func(t *testing.T) {
			t.Parallel()
			runTranscript(t, b.lines)
		})
	}
}

type consoleBlock struct {
	line  int
	lines []string
}

func consoleBlocks(readme string) []consoleBlock {
	var out []consoleBlock
	lines := strings.Split(readme, "\n")
	for i := 0; i < len(lines); i++ {
		if lines[i] != "```console" {
			continue
		}
		b := consoleBlock{line: i + 1}
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			b.lines = append(b.lines, lines[i])
		}
		out = append(out, b)
	}
	return out
}

func runTranscript(t *testing.T, lines []string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	dir := t.TempDir()
	env := []string{
		"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + dir, "TZ=UTC", "LC_ALL=C",
	}

	type step struct {
		cmd  string
		want []string
	}
	var steps []step
	// A session that uses a Redis at 127.0.0.1:6379 gets a redis-server of
	// its own instead.
	redisAddr := ""
	if slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "127.0.0.1:6379") }) {
		redisAddr = redistest.Start(t).Addr()
	}
	for _, line := range lines {
		line = strings.ReplaceAll(line, "127.0.0.1:8088", "127.0.0.1:"+strconv.Itoa(port))
		if redisAddr != "" {
			line = strings.ReplaceAll(line, "127.0.0.1:6379", redisAddr)
		}
		if cmd, ok := strings.CutPrefix(line, "$ "); ok {
			steps = append(steps, step{cmd: cmd})
			continue
		}
		require.NotEmpty(t, steps, "the block starts with output, not a $ command")
		steps[len(steps)-1].want = append(steps[len(steps)-1].want, line)
	}

	for _, s := range steps {
		switch {
		case strings.HasPrefix(s.cmd, "export "):
			for _, kv := range strings.Fields(strings.TrimPrefix(s.cmd, "export ")) {
				require.Contains(t, kv, "=", s.cmd)
				require.NotContains(t, kv, `"`, "keep exports simple")
				env = append(env, kv)
			}
			assert.Empty(t, s.want, s.cmd)
		case strings.HasSuffix(s.cmd, " &"):
			got := startBackground(t, dir, env, strings.TrimSuffix(s.cmd, " &"), len(s.want))
			assert.True(t, linesMatch(s.want, got), "$ %s\nREADME shows:\n%s\nit printed:\n%s", s.cmd, strings.Join(s.want, "\n"), strings.Join(got, "\n"))
		default:
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			cmd := exec.CommandContext(ctx, "bash", "-c", s.cmd)
			cmd.Dir, cmd.Env = dir, env
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out // one pipe, in the order printed, as a terminal shows them
			err := cmd.Run()
			cancel()
			got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if out.Len() == 0 {
				got = nil
			}
			assert.NoError(t, err, "$ %s\n%s", s.cmd, out.String())
			assert.True(t, linesMatch(s.want, got), "$ %s\nREADME shows:\n%s\nit printed:\n%s", s.cmd, strings.Join(s.want, "\n"), out.String())
		}
	}
}

// startBackground starts a command as "cmd &" does and returns the first n
// lines it prints; it is stopped at the end of the test.
func startBackground(t *testing.T, dir string, env []string, command string, n int) []string {
	cmd := exec.Command("bash", "-c", "exec "+command)
	cmd.Dir, cmd.Env = dir, env
	r, w, err := os.Pipe()
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = w, w
	dieWithParent(cmd)
	require.NoError(t, cmd.Start())
	w.Close()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); r.Close() })
	got := make(chan []string, 1)
	go func() {
		var lines []string
		sc := bufio.NewScanner(r)
		for len(lines) < n && sc.Scan() {
			lines = append(lines, sc.Text())
		}
		got <- lines
		for sc.Scan() { // keep the pipe drained
		}
	}()
	select {
	case lines := <-got:
		return lines
	case <-time.After(30 * time.Second):
		t.Fatalf("%s printed fewer than %d lines in 30 s", command, n)
		return nil
	}
}

var (
	spaces = regexp.MustCompile(`\s+`)
	digits = regexp.MustCompile(`[0-9]+`)
)

// normal is a line with its numbers and runs of spaces made alike.
func normal(s string) string {
	return digits.ReplaceAllString(spaces.ReplaceAllString(strings.TrimSpace(s), " "), "0")
}

// linesMatch reports whether got is what want shows.
func linesMatch(want, got []string) bool {
	if len(want) == 0 {
		return len(got) == 0
	}
	if strings.TrimSpace(want[0]) == "…" {
		for skip := 0; skip <= len(got); skip++ {
			if linesMatch(want[1:], got[skip:]) {
				return true
			}
		}
		return false
	}
	if len(got) == 0 {
		return false
	}
	parts := strings.Split(normal(want[0]), "…")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	if !regexp.MustCompile("^" + strings.Join(parts, ".*") + "$").MatchString(normal(got[0])) {
		return false
	}
	return linesMatch(want[1:], got[1:])
}

func TestLinesMatch(t *testing.T) {
	assert.True(t, linesMatch([]string{"MSG_ID  TIME", "7205759403792793001  2026-12-01 16:45:04 UTC"},
		[]string{"MSG_ID    TIME", "7205759403792793099  2026-12-01 09:01:02 UTC"}))
	assert.False(t, linesMatch([]string{"vip  ok"}, []string{"vip  failed"}))
	assert.False(t, linesMatch([]string{"a"}, []string{"a", "b"}), "extra lines")
	assert.False(t, linesMatch([]string{"a", "b"}, []string{"a"}), "missing lines")
	assert.True(t, linesMatch([]string{"a", "…"}, []string{"a", "b", "c"}))
	assert.True(t, linesMatch([]string{"…", "c"}, []string{"a", "b", "c"}))
	assert.False(t, linesMatch([]string{"…", "d"}, []string{"a", "b", "c"}))
	assert.True(t, linesMatch([]string{"export KEY=… SECRET=…"}, []string{"export KEY=abc SECRET=def"}))
	assert.False(t, linesMatch([]string{"export KEY=… SECRET=…"}, []string{"export KEY=abc"}))
	assert.False(t, linesMatch([]string{"TAG (android app)"}, []string{"TAG (ios app)"}))
}
