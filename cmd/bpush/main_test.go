package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests run the built binary (os/exec) against an emulator in this
// process, as a user's shell would.

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bpush-test")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "bpush")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// bpush runs the binary with args, stdin and extra environment.
func bpush(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{code, out.String(), errb.String()}
}

// emu starts an emulator and returns it with the flags that reach it.
func emu(t *testing.T, opts ...pushtest.Option) (*pushtest.Server, []string) {
	t.Helper()
	srv := pushtest.NewServer(append([]pushtest.Option{pushtest.WithDeliveryDelay(0, 0)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv, []string{"--host", srv.URL, "--apikey", srv.APIKey, "--secretkey", srv.SecretKey}
}

func run1(t *testing.T, flags []string, args ...string) result {
	t.Helper()
	r := bpush(t, "", nil, append(append([]string{}, flags...), args...)...)
	require.Equal(t, 0, r.code, "bpush %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.stdout, r.stderr)
	return r
}

func jsonOf(t *testing.T, r result) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &m), r.stdout)
	return m
}

func TestPushCommands(t *testing.T) {
	t.Parallel()
	srv, flags := emu(t)
	const dev = "3973380163216521844"

	r := run1(t, flags, "push", "device", dev, "--msg", "hello 世界")
	assert.Contains(t, r.stdout, "MSG_ID")
	assert.Contains(t, r.stdout, "7205759403792793001")
	assert.Equal(t, "hello 世界", srv.Received(dev)[0].Msg)

	r = run1(t, flags, "--json", "push", "all", "--title", "Sale", "--description", "50% off", "--url", "https://x/y?a=1&b=2", "--custom", "k=v")
	m := jsonOf(t, r)
	assert.Equal(t, []string{"msg_id", "request_id", "send_time"}, keys(m))
	got := srv.Received(dev)
	require.Len(t, got, 2)
	assert.Equal(t, `{"title":"Sale","description":"50% off","open_type":1,"url":"https://x/y?a=1&b=2","custom_content":{"k":"v"}}`, got[1].Msg)
	assert.Equal(t, pushsdk.MsgTypeNotification, got[1].MsgType)
	assert.Equal(t, m["msg_id"], got[1].MsgID)

	run1(t, flags, "tags", "create", "vip")
	run1(t, flags, "tags", "add", "vip", dev)
	r = run1(t, flags, "--json", "push", "tag", "vip", "--msg", `{"description":"d"}`, "--notification", "--expires", "2h")
	assert.NotEmpty(t, jsonOf(t, r)["msg_id"])
	last := srv.RequestsTo("push/tags")[0].Params
	assert.Equal(t, "1", last.Get("type"))
	assert.Equal(t, "7200", last.Get("msg_expires"))
	assert.Equal(t, "1", last.Get("msg_type"))

	msgFile := filepath.Join(t.TempDir(), "msg.txt")
	require.NoError(t, os.WriteFile(msgFile, []byte("from a file\n"), 0o600))
	run1(t, flags, "push", "device", dev, "--msg-file", msgFile)
	assert.Equal(t, "from a file", srv.Received(dev)[3].Msg)

	// A timed broadcast appears as a timer.
	r = run1(t, flags, "--json", "push", "all", "--msg", "later", "--at", "10m")
	timer := jsonOf(t, r)["timer_id"].(string)
	assert.NotEmpty(t, timer)
	r = run1(t, flags, "timers", "list")
	assert.Contains(t, r.stdout, timer)
	assert.Contains(t, r.stdout, "broadcast")
	r = run1(t, flags, "--json", "timers", "list")
	assert.Equal(t, float64(1), jsonOf(t, r)["total_num"])
	r = run1(t, flags, "--json", "timers", "records", timer)
	assert.Equal(t, timer, jsonOf(t, r)["timer_id"])
	r = run1(t, flags, "timers", "cancel", timer)
	assert.Contains(t, r.stdout, "cancelled")
	r = bpush(t, "", nil, append(flags, "timers", "cancel", timer)...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "error 41001: Timer Task Not Exist")
	assert.Regexp(t, `request id \d+`, r.stderr)

	// iOS flags build an iOS payload.
	ios := srv.NewApp(pushsdk.DeviceIOS)
	iosFlags := []string{"--host", srv.URL, "--apikey", ios.APIKey, "--secretkey", ios.SecretKey, "--device-type", "4"}
	run1(t, iosFlags, "push", "device", dev, "--alert", "hi", "--badge", "2", "--sound", "default", "--deploy", "dev")
	msgs := ios.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, `{"aps":{"alert":"hi","badge":2,"sound":"default"}}`, msgs[0].Msg)
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestPushSmartTag(t *testing.T) {
	t.Parallel()
	srv, flags := emu(t)
	r := run1(t, flags, "--json", "push", "smart-tag", "combination", `{"OR":[{"tag":"vip"}]}`, "--msg", "hi", "--deploy", "dev")
	msgID := jsonOf(t, r)["msg_id"].(string)
	m, ok := srv.DefaultApp().Message(msgID)
	require.True(t, ok)
	assert.Equal(t, pushsdk.SmartTagCombination, m.SmartTag)
	assert.Equal(t, `{"OR":[{"tag":"vip"}]}`, m.Selector)
	assert.Equal(t, "1", srv.RequestsTo("push/tags")[0].Params.Get("deploy_status"))
	r = run1(t, flags, "--json", "push", "smart-tag", "2", `{"city":"Beijing"}`, "--title", "T", "--description", "D", "--at", "1h")
	assert.NotEmpty(t, jsonOf(t, r)["timer_id"], "--at schedules it")

	r = bpush(t, "", nil, append(flags, "push", "smart-tag", "astrology", `{}`, "--msg", "hi")...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "want 2–6 or lbs, interest, age, sex, combination")
	r = bpush(t, "", nil, append(flags, "push", "smart-tag", "lbs", `{not json`, "--msg", "hi")...)
	assert.Equal(t, 2, r.code, "refused by the SDK before sending")
	assert.Contains(t, r.stderr, "selector: must be valid JSON")
	assert.Len(t, srv.RequestsTo("push/tags"), 2)
}

func TestStatusTopicsAndStats(t *testing.T) {
	t.Parallel()
	_, flags := emu(t)
	r := run1(t, flags, "--json", "push", "batch", "1", "2", "3", "--msg", "m", "--topic", "news")
	out := jsonOf(t, r)
	batch := out["batches"].([]any)[0].(map[string]any)
	msgID := batch["msg_id"].(string)
	assert.Equal(t, float64(3), batch["device_num"])
	assert.Equal(t, "ok", batch["outcome"])
	assert.Equal(t, float64(0), out["failed"])
	assert.Equal(t, float64(3), out["succeeded"])

	r = run1(t, flags, "status", msgID)
	assert.Contains(t, r.stdout, msgID)
	assert.Contains(t, r.stdout, "sent")
	r = run1(t, flags, "--json", "status", msgID)
	res := jsonOf(t, r)["result"].([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{"msg_id": msgID, "status": float64(0), "send_time": res["send_time"], "success": float64(3)}, res)

	r = run1(t, flags, "--json", "topics", "list")
	topic := jsonOf(t, r)["result"].([]any)[0].(map[string]any)
	assert.Equal(t, "news", topic["topic_id"])
	assert.Equal(t, float64(3), topic["push_cnt"])
	r = run1(t, flags, "topics", "records", "news")
	assert.Contains(t, r.stdout, msgID)

	r = run1(t, flags, "--json", "stats", "devices")
	m := jsonOf(t, r)
	assert.Equal(t, float64(30), m["total_num"])
	assert.Len(t, m["result"], 30)
	r = run1(t, flags, "stats", "topic", "news")
	assert.Contains(t, r.stdout, "REACHED")
	r = run1(t, flags, "--json", "stats", "msg", "batch", "lbs")
	ranges := jsonOf(t, r)["result"].([]any)
	require.Len(t, ranges, 2)
	assert.Equal(t, float64(2), ranges[0].(map[string]any)["range_type"])
	r = run1(t, flags, "stats", "msg", "5")
	assert.Contains(t, r.stdout, "lbs")
	assert.Contains(t, r.stdout, "-", "no data shows as -")
}

func TestTagCommands(t *testing.T) {
	t.Parallel()
	srv, flags := emu(t)
	run1(t, flags, "tags", "create", "vip")
	r := bpush(t, "", nil, append(flags, "tags", "create", "vip")...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "error 30610: Duplicate Operation")

	ids := make([]string, 25)
	for i := range ids {
		ids[i] = fmt.Sprintf("%019d", 3973380163216521000+i)
	}
	// From stdin, with a blank line and a comment.
	r = bpush(t, strings.Join(ids[:20], "\n")+"\n\n# end\n", nil, append(flags, "--json", "tags", "add", "vip", "-")...)
	require.Equal(t, 0, r.code, r.stderr)
	res := jsonOf(t, r)["result"].([]any)
	require.Len(t, res, 20)
	assert.Equal(t, map[string]any{"channel_id": ids[0], "ok": true, "outcome": "ok"}, res[0])
	// From a file, overlapping: the repeats are reported as failed.
	file := filepath.Join(t.TempDir(), "ids.txt")
	require.NoError(t, os.WriteFile(file, []byte(strings.Join(ids[15:], "\n")), 0o600))
	r = run1(t, flags, "tags", "add", "vip", "--ids-file", file)
	assert.Contains(t, r.stdout, ids[15]+"  not added (service result 1)", "the service gives no reason; bpush guesses none")
	assert.NotContains(t, r.stdout, "already")
	assert.Contains(t, r.stdout, "10 ids: 5 added, 5 not added (service result 1), 0 failed, 0 uncertain")
	members, _ := srv.DefaultApp().TagMembers("vip")
	assert.Len(t, members, 25)

	r = run1(t, flags, "tags", "count", "vip")
	assert.Regexp(t, `vip\s+25`, r.stdout)
	r = run1(t, flags, "--json", "tags", "count", "vip")
	assert.Equal(t, float64(25), jsonOf(t, r)["device_num"])
	run1(t, flags, "tags", "remove", "vip", ids[0], ids[1])
	r = run1(t, flags, "--json", "tags", "count", "vip")
	assert.Equal(t, float64(23), jsonOf(t, r)["device_num"])

	r = run1(t, flags, "tags", "list")
	assert.Contains(t, r.stdout, "default")
	assert.Contains(t, r.stdout, "vip")
	r = run1(t, flags, "--json", "tags", "list", "--limit", "1", "--start", "1")
	m := jsonOf(t, r)
	assert.Equal(t, float64(2), m["total_num"])
	assert.Equal(t, "vip", m["result"].([]any)[0].(map[string]any)["tag"])

	run1(t, flags, "tags", "delete", "vip")
	r = bpush(t, "", nil, append(flags, "--json", "tags", "count", "vip")...)
	assert.Equal(t, 1, r.code)
	var e map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stderr), &e), r.stderr)
	assert.Equal(t, float64(30611), e["error_code"])
	assert.NotZero(t, e["request_id"])
	assert.Equal(t, float64(404), e["http_status"])

	// Removing from an unknown tag: every id fails with the error, exit 1.
	r = bpush(t, "", nil, append(flags, "tags", "remove", "nope", ids[0])...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "30611")
}

// TestFanoutFromStdin pushes to 25 000 ids read from stdin, with one batch
// call failing: exit 1, and --failed-file holds exactly that batch's ids.
func TestFanoutFromStdin(t *testing.T) {
	t.Parallel()
	srv, flags := emu(t)
	ids := make([]string, 25000)
	for i := range ids {
		ids[i] = fmt.Sprintf("%019d", 4000000000000000000+i)
	}
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Code: pushsdk.CodeInvalidParams})
	failed := filepath.Join(t.TempDir(), "failed.txt")
	r := bpush(t, strings.Join(ids, "\n"), nil, append(flags, "push", "batch", "-", "--msg", "hi", "--failed-file", failed, "--concurrency", "1")...)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stdout, "25000 ids in 3 batches: 15000 ok, 10000 failed, 0 uncertain")
	assert.NotContains(t, r.stderr, "\r", "no progress bar when stderr is not a terminal")
	data, err := os.ReadFile(failed)
	require.NoError(t, err)
	lines := strings.Fields(string(data))
	require.NotEmpty(t, lines)
	for _, id := range lines {
		assert.Equal(t, 0, srv.DeliveryCount(id))
	}
	delivered := 0
	for _, m := range srv.DefaultApp().Messages() {
		delivered += int(m.Success)
	}
	assert.Equal(t, 25000-len(lines), delivered)

	// Retrying the failed file completes the job.
	r = bpush(t, "", nil, append(flags, "push", "batch", "--ids-file", failed, "--msg", "hi")...)
	assert.Equal(t, 0, r.code, r.stderr)
	for _, id := range []string{ids[0], ids[24999], lines[0]} {
		assert.Equal(t, 1, srv.DeliveryCount(id), id)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	_, flags := emu(t)
	cases := [][]string{
		{"push", "all"}, // no message
		{"push", "all", "--msg", "a", "--title", "b"},      // two messages
		{"push", "device", "--msg", "a"},                   // no id
		{"push", "device", "abc", "--msg", "a"},            // bad id (refused by the SDK)
		{"push", "all", "--msg", "a", "--at", "yesterday"}, // bad time
		{"push", "all", "--msg", "a", "--nope"},            // unknown flag
		{"push", "batch", "--msg", "a"},                    // no ids
		{"nosuchcommand"},
		{"tags", "count"},
		{"stats", "msg", "sideways"},
		{"sign"},
		{"--device-type", "9", "push", "all", "--msg", "a"},
	}
	for _, args := range cases {
		r := bpush(t, "", nil, append(append([]string{}, flags...), args...)...)
		assert.Equal(t, 2, r.code, "bpush %v: %s", args, r.stderr)
		assert.NotEmpty(t, r.stderr, "%v", args)
		assert.Empty(t, r.stdout, "%v", args)
	}
	// No keys at all: a usage error that says what to do.
	r := bpush(t, "", []string{"BAIDU_PUSH_API_KEY=", "BAIDU_PUSH_SECRET_KEY="}, "push", "all", "--msg", "a")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--apikey")
	// A server that is not there: a failure.
	r = bpush(t, "", nil, "--host", "http://127.0.0.1:1", "--apikey", "k", "--secretkey", "s", "--timeout", "5s", "tags", "list")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "error 2:")
	assert.NotContains(t, r.stderr, " s ")
}

func TestConfigurationOrder(t *testing.T) {
	t.Parallel()
	srv, _ := emu(t)
	other := srv.NewApp(pushsdk.DeviceAndroid)
	third := srv.NewApp(pushsdk.DeviceAndroid)
	conf := filepath.Join(t.TempDir(), "sdk.conf")
	require.NoError(t, os.WriteFile(conf, []byte("[SDK]\nhost = "+srv.URL+"\napiKey = "+srv.APIKey+"\nsecretKey = "+srv.SecretKey+"\n"), 0o600))
	last := func() string {
		reqs := srv.Requests()
		return reqs[len(reqs)-1].Params.Get("apikey")
	}
	r := bpush(t, "", nil, "--config", conf, "tags", "count", "default")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, srv.APIKey, last(), "the config file")
	env := []string{"BAIDU_PUSH_API_KEY=" + other.APIKey, "BAIDU_PUSH_SECRET_KEY=" + other.SecretKey}
	r = bpush(t, "", env, "--config", conf, "tags", "count", "default")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, other.APIKey, last(), "the environment overrides the file")
	r = bpush(t, "", env, "--config", conf, "--apikey", third.APIKey, "--secretkey", third.SecretKey, "tags", "count", "default")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, third.APIKey, last(), "flags override both")
	r = bpush(t, "", nil, "--config", filepath.Join(t.TempDir(), "missing.conf"), "tags", "list")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "missing.conf")
}

func TestSignExplain(t *testing.T) {
	t.Parallel()
	srv, flags := emu(t)
	r := run1(t, flags, "sign", "push/all", "msg=hello world", "--explain")
	assert.Contains(t, r.stdout, "url:       "+srv.URL+"/rest/3.0/push/all")
	assert.Contains(t, r.stdout, "msg=hello world")
	assert.Contains(t, r.stdout, "<secret key: 32 bytes, md5 ")
	assert.NotContains(t, r.stdout, srv.SecretKey)
	r = run1(t, flags, "--json", "sign", "push/all", "msg=hi")
	m := jsonOf(t, r)
	assert.Regexp(t, `^[0-9a-f]{32}$`, m["sign"])
	assert.NotContains(t, r.stdout, srv.SecretKey)
	r = run1(t, flags, "sign", "app/query_tags")
	assert.Regexp(t, `^[0-9a-f]{32}\n$`, r.stdout)

	// --explain lists the mistakes the emulator names.
	r = run1(t, flags, "sign", "push/all", "msg=hi", "--explain")
	for _, mistake := range []string{`"~" left unencoded`, "%20 instead of +", "URL-encoded before signing", "not signed",
		"milliseconds", "scheme, host, port or path", "sorted by key", "another method", "another app"} {
		assert.Contains(t, r.stdout, mistake)
	}

	// A 30603 says how to find out why.
	r = bpush(t, "", nil, "--host", srv.URL, "--apikey", srv.APIKey, "--secretkey", "not the secret", "tags", "list")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "error 30603")
	assert.Contains(t, r.stderr, "bpush sign --explain")
}

func TestEmulatorFlag(t *testing.T) {
	t.Parallel()
	r := bpush(t, "", nil, "--emulator", "--json", "push", "all", "--msg", "offline")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "7205759403792793001", jsonOf(t, r)["msg_id"])
	r = bpush(t, "", nil, "--emulator", "--device-type", "4", "push", "all", "--alert", "hi")
	require.Equal(t, 0, r.code, r.stderr)
	r = bpush(t, "", nil, "--emulator", "--device-type", "4", "push", "all", "--msg", "pass-through")
	assert.Equal(t, 2, r.code, "iOS takes notifications only: refused before sending")
}

// TestEmulatorCommand starts `bpush emulator`, drives it with another bpush,
// and interrupts it.
func TestEmulatorCommand(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	cmd, url, banner := startEmulatorProcess(t, nil, &stderr, "--apikey", "EmuKey", "--secretkey", "EmuSecret", "--device-type", "3", "--bind", "1,2")
	assert.Equal(t, []string{"pushtest emulator listening on " + url + " (android app)", "keys from --apikey and --secretkey",
		"export BAIDU_PUSH_HOST=" + url}, banner)
	flags := []string{"--host", url, "--apikey", "EmuKey", "--secretkey", "EmuSecret"}
	r := run1(t, flags, "--json", "tags", "count", "default")
	assert.Equal(t, float64(2), jsonOf(t, r)["device_num"], "--bind bound two devices")
	r = bpush(t, "", nil, "--host", url, "--apikey", "EmuKey", "--secretkey", "wrong", "tags", "list")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "30603")

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		assert.NoError(t, err, "exits 0 when interrupted")
	case <-time.After(10 * time.Second):
		t.Fatal("bpush emulator did not stop")
	}
	log := stderr.String()
	assert.Contains(t, log, "path=/rest/3.0/tag/device_num")
	assert.Contains(t, log, "code=30603")
	assert.Equal(t, 2, strings.Count(log, "msg=pushtest"), "one line per request:\n%s", log)
}

// TestEveryCommandHasHelpWithAnExample walks the command tree.
func TestEveryCommandHasHelpWithAnExample(t *testing.T) {
	t.Parallel()
	root := (&app{}).rootCommand()
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		if c.Name() == "help" || c.Name() == "completion" || c.Hidden {
			return
		}
		n++
		assert.NotEmpty(t, c.Short, c.CommandPath())
		assert.NotEmpty(t, c.Example, "%s has no example", c.CommandPath())
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	assert.GreaterOrEqual(t, n, 25)
	r := bpush(t, "", nil, "tags", "add", "--help")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "Examples:")
	assert.Contains(t, r.stdout, "bpush tags add vip")
}

// waitFor polls cond until it holds; the test fails after a minute (a
// bound against hanging, not a measure of speed).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s after a minute", what)
		}
	}
}

// syncBuffer is a bytes.Buffer that a running process writes to while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
