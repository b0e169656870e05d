package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startEmulator runs bpush emulator with args and env, and returns its URL
// and the lines it printed before serving; it is stopped at the end of the
// test.
func startEmulator(tb testing.TB, env []string, args ...string) (string, []string) {
	tb.Helper()
	_, url, banner := startEmulatorProcess(tb, env, io.Discard, args...)
	return url, banner
}

// startEmulatorProcess is startEmulator that also returns the process, and
// sends its log (stderr) to log.
func startEmulatorProcess(tb testing.TB, env []string, log io.Writer, args ...string) (*exec.Cmd, string, []string) {
	tb.Helper()
	cmd := exec.Command(bin, append([]string{"emulator", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + tb.TempDir()}, env...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(tb, err)
	cmd.Stderr = log
	dieWithParent(cmd)
	require.NoError(tb, cmd.Start())
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	var url string
	var banner []string
	for sc.Scan() {
		banner = append(banner, sc.Text())
		if _, after, ok := strings.Cut(sc.Text(), "listening on "); ok {
			url, _, _ = strings.Cut(after, " ")
		}
		if strings.HasPrefix(sc.Text(), "export ") {
			break
		}
	}
	require.NotEmpty(tb, url, banner)
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return cmd, url, banner
}

// TestEmulatorKeys: the emulator takes BAIDU_PUSH_API_KEY and
// BAIDU_PUSH_SECRET_KEY when they are set, so that a shell that exported
// them keeps working; otherwise it prints the export line of its keys.
func TestEmulatorKeys(t *testing.T) {
	t.Parallel()
	env := []string{"BAIDU_PUSH_API_KEY=EnvKey000000000000000000", "BAIDU_PUSH_SECRET_KEY=EnvSecret0000000000000000000000S"}
	url, banner := startEmulator(t, env)
	assert.Equal(t, []string{"pushtest emulator listening on " + url + " (android app)",
		"keys from BAIDU_PUSH_API_KEY and BAIDU_PUSH_SECRET_KEY", "export BAIDU_PUSH_HOST=" + url}, banner)
	r := bpush(t, "", append(env, "BAIDU_PUSH_HOST="+url), "tags", "count", "default")
	assert.Equal(t, 0, r.code, r.stderr)

	url, banner = startEmulator(t, nil)
	require.Len(t, banner, 2)
	export := strings.Fields(strings.TrimPrefix(banner[1], "export "))
	require.Len(t, export, 3, banner[1])
	assert.Equal(t, "BAIDU_PUSH_HOST="+url, export[0])
	r = bpush(t, "", export, "tags", "count", "default")
	assert.Equal(t, 0, r.code, "the export line points bpush at the emulator: %s", r.stderr)

	// Half a key pair is refused, naming what is missing.
	r = bpush(t, "", []string{"BAIDU_PUSH_API_KEY=OnlyTheKey"}, "emulator", "--addr", "127.0.0.1:0")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "BAIDU_PUSH_API_KEY and BAIDU_PUSH_SECRET_KEY go together")
	r = bpush(t, "", []string{"BAIDU_PUSH_HOST=" + url, "BAIDU_PUSH_API_KEY=k"}, "tags", "list")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "no secret key: give --secretkey or BAIDU_PUSH_SECRET_KEY")
	assert.Contains(t, r.stderr, "Run 'bpush tags list --help' for usage.", "usage errors point at the subcommand's help")
}

// TestEmulatorShrugsOffSlowClients opens connections that send their
// headers or their body one byte at a time, more of them than the
// emulator serves at once: they are cut off by its timeouts, and a normal
// client is still served.
func TestEmulatorShrugsOffSlowClients(t *testing.T) {
	t.Parallel()
	url, banner := startEmulator(t, nil, "--header-timeout", "300ms", "--read-timeout", "600ms", "--max-conns", "40")
	export := strings.Fields(strings.TrimPrefix(banner[1], "export "))
	addr := strings.TrimPrefix(url, "http://")

	var slow []net.Conn
	for i := range 60 {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		slow = append(slow, c)
		if i%2 == 0 {
			_, _ = io.WriteString(c, "POST /rest/3.0/push/all HTTP/1.1\r\nHost: x\r\n") // headers never finished
		} else {
			_, _ = io.WriteString(c, "POST /rest/3.0/push/all HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nmsg=") // a body that dribbles
		}
	}
	t.Cleanup(func() {
		for _, c := range slow {
			c.Close()
		}
	})
	go func() {
		for range 20 {
			time.Sleep(100 * time.Millisecond)
			for _, c := range slow {
				_, _ = c.Write([]byte("x"))
			}
		}
	}()

	start := time.Now()
	r := bpush(t, "", export, "tags", "count", "default")
	assert.Equal(t, 0, r.code, r.stderr)
	// Served at all: the slow clients cannot hold the places for good
	// (BenchmarkEmulatorLatencyUnderSlowConnections measures how fast).
	t.Logf("a normal call took %v with 60 slow connections against 40 places", time.Since(start).Round(time.Millisecond))

	// The slow connections were closed by the emulator: reading them ends
	// in EOF or a reset (perhaps after an error reply), not in our own
	// read deadline.
	deadline := time.Now().Add(10 * time.Second)
	closed := 0
	for _, c := range slow {
		_ = c.SetReadDeadline(deadline)
		_, err := io.Copy(io.Discard, c)
		var ne net.Error
		if !(errors.As(err, &ne) && ne.Timeout()) {
			closed++
		}
	}
	assert.Equal(t, len(slow), closed, "every slow connection is closed by the emulator")
}

// TestEmulatorServesWhileManyConnectionsAreOpen opens 2 000 connections
// that never finish their headers: every normal call is still answered.
// (BenchmarkEmulatorLatencyUnderSlowConnections measures how fast.)
func TestEmulatorServesWhileManyConnectionsAreOpen(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 2 000 connections")
	}
	t.Parallel()
	url, banner := startEmulator(t, nil)
	export := strings.Fields(strings.TrimPrefix(banner[1], "export "))
	addr := strings.TrimPrefix(url, "http://")
	var slow []net.Conn
	t.Cleanup(func() {
		for _, c := range slow {
			c.Close()
		}
	})
	for range 2000 {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		_, _ = io.WriteString(c, "POST /rest/3.0/push/all HTTP/1.1\r\nHost: x\r\n")
		slow = append(slow, c)
	}
	client := &http.Client{Timeout: 20 * time.Second}
	for range 50 {
		req, _ := http.NewRequest(http.MethodPost, url+"/rest/3.0/app/query_tags", strings.NewReader("apikey=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("User-Agent", "BCCS_SDK/3.0 (test)")
		resp, err := client.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "a 30602 for the call without timestamp and sign: it was served")
	}
	r := bpush(t, "", export, "tags", "count", "default")
	assert.Equal(t, 0, r.code, r.stderr)
}

// TestEmulatorAPIScript runs examples/emulator-api/check.sh as a team in
// another language would in its CI: bpush emulator, a push, curl on the
// JSON API.
func TestEmulatorAPIScript(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatalf("the script needs curl: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	script, err := filepath.Abs(filepath.Join("..", "..", "examples", "emulator-api", "check.sh"))
	require.NoError(t, err)
	cmd := exec.Command("bash", script)
	cmd.Env = []string{"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + t.TempDir(), "PORT=" + strconv.Itoa(port)}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "ok: device 3973380163216521844 received the notification, once\n", string(out))
}

// TestEmulatorInspectorFlags: the banner names the inspector; --ui=false
// turns the API and the pages off (404).
func TestEmulatorInspectorFlags(t *testing.T) {
	t.Parallel()
	url, banner := startEmulator(t, nil)
	_ = banner
	resp, err := http.Get(url + "/api/v1/requests")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)

	off, _ := startEmulator(t, nil, "--ui=false")
	for _, path := range []string{"/api/v1/requests", "/ui/", "/ui/devices/1"} {
		resp, err := http.Get(off + path)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 404, resp.StatusCode, path)
	}
	r := bpush(t, "", nil, "emulator", "--max-devices", "0")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--max-devices 0: want at least 1")
}
