package pushsdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentUseWithKeyRotation shares one Channel between many
// goroutines while the key pair is rotated back and forth; every request
// must be signed with a matching pair (the fake service checks each), and
// every result must carry its own request id.
func TestConcurrentUseWithKeyRotation(t *testing.T) {
	t.Parallel()
	const altKey, altSecret = "AltKey000000000000000000", "AltSecret0000000000000000000000Z"
	var mu sync.Mutex
	next := int64(0)
	f := newFakeService(t, func(s *seen) reply {
		mu.Lock()
		next++
		id := next
		mu.Unlock()
		return reply{200, fmt.Sprintf(`{"request_id":%d,"response_params":{"msg_id":"%d","send_time":1}}`, id, id)}
	})
	f.secrets[altKey] = altSecret
	c := f.channel()

	const workers, calls = 64, 20
	var wg sync.WaitGroup
	ids := make(chan int64, workers*calls)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				res, err := c.PushMsgToSingleDevice(context.Background(), "1", "m", nil)
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, fmt.Sprint(res.RequestID), res.MsgID, "a result carries its own request id")
				ids <- res.RequestID
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			if i%2 == 0 {
				assert.NoError(t, c.SetCredentials(altKey, altSecret))
			} else {
				assert.NoError(t, c.SetCredentials(testKey, testSecret))
			}
			_ = c.String()
		}
	}()
	wg.Wait()
	close(ids)
	unique := map[int64]bool{}
	for id := range ids {
		unique[id] = true
	}
	assert.Len(t, unique, workers*calls)
	keys := map[string]int{}
	for _, r := range f.requests() {
		require.Empty(t, r.Problems)
		keys[r.Form.Get("apikey")]++
	}
	assert.Equal(t, workers*calls, keys[testKey]+keys[altKey])
}

// TestSecretNeverShown looks for the secret key in every text the SDK
// produces: String/GoString/%v of the Channel, errors of every kind, and
// debug logs.
func TestSecretNeverShown(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFakeService(t, func(s *seen) reply {
		if s.Path == "app/create_tag" {
			return reply{409, `{"request_id":4,"error_code":30610,"error_msg":"Duplicate Operation"}`}
		}
		return ok(`{"msg_id":"1","send_time":1}`)
	})
	c := f.channel(pushsdk.WithLogger(logger))
	var texts []string
	texts = append(texts, c.String(), fmt.Sprintf("%v|%+v|%#v|%s|%q", c, c, c, c, c))
	_, err := c.PushMsgToAll(context.Background(), "m", nil)
	require.NoError(t, err)
	_, err = c.CreateTag(context.Background(), "dup")
	require.Error(t, err)
	texts = append(texts, err.Error(), fmt.Sprintf("%v|%+v|%#v", err, err, err))
	_, err = c.PushMsgToSingleDevice(context.Background(), "bad", "", nil)
	texts = append(texts, err.Error(), fmt.Sprintf("%+v|%#v", err, err))
	bad, err := pushsdk.NewChannel("k", testSecret, pushsdk.WithHost("http://127.0.0.1:1"), pushsdk.WithRetry(pushsdk.RetryPolicy{}), pushsdk.WithLogger(logger))
	require.NoError(t, err)
	_, err = bad.QueryTags(context.Background(), nil)
	texts = append(texts, err.Error(), fmt.Sprintf("%+v|%#v", err, err))
	_, err = pushsdk.NewChannel("", testSecret)
	texts = append(texts, err.Error())

	// A 30603 with its signature explanation, a 502 page, a fan-out failure.
	emu := pushtest.NewServer()
	defer emu.Close()
	wrong, err := pushsdk.NewChannel(emu.APIKey, testSecret, pushsdk.WithHost(emu.URL), pushsdk.WithClockForTest(emu.Now), pushsdk.WithLogger(logger), pushsdk.WithRetry(pushsdk.RetryPolicy{}))
	require.NoError(t, err)
	_, err = wrong.PushMsgToAll(context.Background(), "m", nil)
	require.True(t, (pushsdk.ErrorCode(err) == pushsdk.CodeAuthFailed))
	var expl *pushsdk.SignatureExplanation
	require.ErrorAs(t, err, &expl)
	texts = append(texts, err.Error(), fmt.Sprintf("%v|%+v|%#v|%s", err, err, err, expl), expl.Error(), expl.Error(), fmt.Sprintf("%#v", *expl))
	fan, err := wrong.PushToDevices(context.Background(), []string{"1", "2"}, "m", nil)
	require.Error(t, err)
	texts = append(texts, err.Error(), fmt.Sprintf("%+v", fan))
	emu.FailNext("*", 1, pushtest.Fault{Status: 502})
	right, err := emu.NewChannel(pushsdk.WithRetry(pushsdk.RetryPolicy{}), pushsdk.WithLogger(logger))
	require.NoError(t, err)
	_, err = right.QueryTags(context.Background(), nil)
	require.Error(t, err)
	texts = append(texts, err.Error(), fmt.Sprintf("%+v", err))
	cfg := &pushsdk.Config{APIKey: "k", SecretKey: testSecret}
	texts = append(texts, fmt.Sprintf("%v|%+v|%#v|%s", cfg, cfg, cfg, cfg))

	texts = append(texts, logs.String())
	for _, r := range f.requests() {
		texts = append(texts, r.Form.Get("sign"))
	}
	all := strings.Join(texts, "\n")
	assert.NotContains(t, all, testSecret)
	assert.NotContains(t, all, testSecret[:12], "not even part of it")
	// The signature itself is not logged either.
	for _, r := range f.requests() {
		assert.NotContains(t, logs.String(), r.Form.Get("sign"))
	}
	assert.Contains(t, c.String(), "Test…000A", "the api key is shown masked")
}

// TestDebugLogOneLinePerAttempt checks the fields of the attempt log.
func TestDebugLogOneLinePerAttempt(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	n := 0
	var mu sync.Mutex
	f := newFakeService(t, func(*seen) reply {
		mu.Lock()
		defer mu.Unlock()
		n++
		if n == 1 {
			return reply{500, `{"request_id":11,"error_code":30600,"error_msg":"Internal Server Error"}`}
		}
		return ok(`{"device_num":1}`)
	})
	c := f.channel(pushsdk.WithLogger(logger), fastRetry)
	_, err := c.QueryDeviceNumInTag(context.Background(), "t")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 2)
	var first, second map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &second))
	assert.Equal(t, "DEBUG", first["level"])
	assert.Equal(t, "tag/device_num", first["endpoint"])
	assert.Equal(t, float64(1), first["attempt"])
	assert.Equal(t, float64(500), first["status"])
	assert.Equal(t, float64(30600), first["code"])
	assert.Equal(t, float64(11), first["request_id"])
	assert.Contains(t, first, "duration")
	assert.Equal(t, float64(2), second["attempt"])
	assert.Equal(t, float64(200), second["status"])
	assert.Equal(t, float64(0), second["code"])
	assert.Equal(t, float64(987654321012), second["request_id"])

	// Below debug level nothing is logged.
	var quiet bytes.Buffer
	q := f.channel(pushsdk.WithLogger(slog.New(slog.NewTextHandler(&quiet, nil))))
	_, err = q.QueryDeviceNumInTag(context.Background(), "t")
	require.NoError(t, err)
	assert.Empty(t, quiet.String())
}
