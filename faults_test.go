package pushsdk_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawServer accepts TCP connections and hands each to handle; it counts
// them. Each connection serves one exchange: answers say Connection: close,
// so that the client never races a closing connection.
func rawServer(t *testing.T, handle func(c net.Conn)) (url string, conns *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	conns = new(atomic.Int32)
	var wg sync.WaitGroup
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() { l.Close(); wg.Wait() })
	return "http://" + l.Addr().String(), conns
}

// readRequest consumes one HTTP request from c.
func readRequest(c net.Conn) bool {
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, req.Body)
	return true
}

func rawChannel(t *testing.T, url string, opts ...pushsdk.Option) *pushsdk.Channel {
	c, err := pushsdk.NewChannel(testKey, testSecret, append([]pushsdk.Option{pushsdk.WithHost(url), fastRetry}, opts...)...)
	require.NoError(t, err)
	return c
}

func TestHostileServers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		handle     func(c net.Conn)
		code       int
		status     int
		pushTries  int32
		queryTries int32
		deadline   bool
	}{
		{"headers never sent", func(c net.Conn) {
			readRequest(c)
			time.Sleep(2 * time.Second)
		}, pushsdk.CodeSDKRunning, 0, 1, 3, true},
		{"not HTTP", func(c net.Conn) {
			readRequest(c)
			_, _ = io.WriteString(c, "SSH-2.0-OpenSSH_9.0\r\n\r\n")
		}, pushsdk.CodeSDKRunning, 0, 1, 3, false},
		{"closed before answering", func(c net.Conn) { readRequest(c) }, pushsdk.CodeSDKRunning, 0, 1, 3, false},
		{"body cut short", func(c net.Conn) {
			readRequest(c)
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"request_id\":1,")
		}, pushsdk.CodeSDKRunning, 200, 1, 3, false},
		{"truncated JSON", func(c net.Conn) {
			readRequest(c)
			body := `{"request_id":1,"response_params":{"msg_id":"1"`
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		}, pushsdk.CodeBadResult, 200, 1, 1, false},
		{"HTML 502", func(c net.Conn) {
			readRequest(c)
			body := "<html><body>502 Bad Gateway</body></html>"
			fmt.Fprintf(c, "HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		}, pushsdk.CodeBadError, 502, 1, 3, false},
		{"10 MiB body", func(c net.Conn) {
			readRequest(c)
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", 10<<20)
			chunk := []byte(strings.Repeat("9", 64<<10))
			for i := 0; i < 160; i++ {
				if _, err := c.Write(chunk); err != nil {
					return
				}
			}
		}, pushsdk.CodeBadResult, 200, 1, 1, false},
		{"chunked endless body", func(c net.Conn) {
			readRequest(c)
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
			chunk := fmt.Sprintf("%x\r\n%s\r\n", 32<<10, strings.Repeat(" ", 32<<10))
			for i := 0; i < 400; i++ {
				if _, err := io.WriteString(c, chunk); err != nil {
					return
				}
			}
		}, pushsdk.CodeBadResult, 200, 1, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url, conns := rawServer(t, tc.handle)
			c := rawChannel(t, url, pushsdk.WithTimeout(300*time.Millisecond))
			_, err := c.PushMsgToAll(context.Background(), "m", nil)
			var ce *pushsdk.ChannelError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.code, ce.Code, "%v", err)
			assert.Equal(t, tc.status, ce.HTTPStatus)
			if tc.deadline {
				assert.ErrorIs(t, err, context.DeadlineExceeded)
			}
			assert.Equal(t, tc.pushTries, conns.Load(), "push attempts: a push that reached the server is not retried")
			assert.True(t, ce.MaybeProcessed(), "the request reached the server: its fate is unknown")

			conns.Store(0)
			_, err = c.QueryTags(context.Background(), nil)
			assert.Equal(t, tc.code, pushsdk.ErrorCode(err))
			assert.Equal(t, tc.queryTries, conns.Load(), "query attempts")
		})
	}
}

// TestRetryStorms: an endpoint that keeps failing gets a bounded number of
// attempts, with backoff, never past ctx, and a push is never delivered twice.
func TestRetryStorms(t *testing.T) {
	t.Parallel()
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel(pushsdk.WithRetry(pushsdk.RetryPolicy{MaxRetries: 3, BaseDelay: 10 * time.Millisecond, MaxDelay: 40 * time.Millisecond}))
	require.NoError(t, err)
	bg := context.Background()
	const id = "3973380163216521844"

	for _, code := range []int{pushsdk.CodeInternalError, pushsdk.CodeTooFrequent} {
		srv.ResetRequests()
		srv.FailNext("*", 1000, pushtest.Fault{Code: code})
		start := time.Now()
		_, err = c.QueryDeviceNumInTag(bg, "default")
		assert.Equal(t, code, pushsdk.ErrorCode(err))
		assert.Len(t, srv.Requests(), 4, "1 attempt + 3 retries")
		assert.GreaterOrEqual(t, time.Since(start), (5+10+20)*time.Millisecond, "half of each backoff at least")

		srv.ResetRequests()
		_, err = c.PushMsgToSingleDevice(bg, id, "m", nil)
		assert.Equal(t, code, pushsdk.ErrorCode(err))
		want := 1
		if code == pushsdk.CodeTooFrequent {
			want = 4 // refused for rate: not processed, so retried
		}
		assert.Len(t, srv.Requests(), want)
		assert.Equal(t, 0, srv.DeliveryCount(id), "refused calls deliver nothing")
		srv.ClearFaults()
	}

	// Storms that end: the push goes through exactly once.
	srv.FailNext("push/single_device", 3, pushtest.Fault{Code: pushsdk.CodeTooFrequent})
	_, err = c.PushMsgToSingleDevice(bg, id, "m", nil)
	require.NoError(t, err)
	assert.Equal(t, 1, srv.DeliveryCount(id))

	// A ctx deadline ends a storm early.
	slow, err := srv.NewChannel(pushsdk.WithRetry(pushsdk.RetryPolicy{MaxRetries: 10, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}))
	require.NoError(t, err)
	srv.FailNext("*", 1000, pushtest.Fault{Code: pushsdk.CodeTooFrequent})
	srv.ResetRequests()
	ctx, cancel := context.WithTimeout(bg, 250*time.Millisecond)
	defer cancel()
	_, err = slow.PushMsgToSingleDevice(ctx, id, "m", nil)
	// Either the last refusal (no retry could finish in time) or, when the
	// deadline struck during an attempt, the deadline itself.
	assert.True(t, pushsdk.ErrorCode(err) == pushsdk.CodeTooFrequent || errors.Is(err, context.DeadlineExceeded), "%v", err)
	// Ten retries need over 5 s of backoff: the deadline (250 ms) ended
	// the storm before that, whatever the machine's load.
	assert.Less(t, len(srv.RequestsTo("push/single_device")), 11, "the deadline wins over ten retries")
	srv.ClearFaults()
	assert.Equal(t, 1, srv.DeliveryCount(id))
}

var goroutineHeader = regexp.MustCompile(`(?m)^goroutine (\d+) \[`)

func goroutineIDs() map[string]string {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	out := map[string]string{}
	stacks := strings.Split(string(buf), "\n\n")
	for _, s := range stacks {
		if m := goroutineHeader.FindStringSubmatch(s); m != nil {
			out[m[1]] = s
		}
	}
	return out
}

// TestThousandConcurrentCallsWithRotation makes 1 000 calls at once on one
// Channel while its key pair is rotated midway, under -race, and checks that
// every call succeeded with a consistent pair and that no goroutine is left
// behind.
func TestThousandConcurrentCallsWithRotation(t *testing.T) {
	before := goroutineIDs()
	// Every message is kept, so that each call can be found in one app.
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0), pushtest.WithLimits(pushtest.Limits{Messages: 2 * 1000}))
	second := srv.NewApp(pushsdk.DeviceAndroid)
	c, err := srv.NewChannel(pushsdk.WithRetry(pushsdk.RetryPolicy{}))
	require.NoError(t, err)

	const n = 1000
	var wg sync.WaitGroup
	var ok, failed atomic.Int32
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := c.PushMsgToSingleDevice(context.Background(), "3973380163216521844", "m", nil); err != nil {
				failed.Add(1)
				t.Log(err)
				return
			}
			ok.Add(1)
		}()
	}
	close(start)
	time.Sleep(time.Millisecond)
	require.NoError(t, c.SetCredentials(second.APIKey, second.SecretKey))
	wg.Wait()
	assert.Equal(t, int32(n), ok.Load())
	assert.Zero(t, failed.Load())
	first := srv.DefaultApp().Messages()
	rotated := second.Messages()
	assert.Equal(t, n, len(first)+len(rotated), "every call landed in one app or the other")
	for _, r := range srv.Requests() {
		assert.Zero(t, r.Code, "no call was signed with a mixed key pair")
	}
	t.Logf("%d calls before the rotation took effect, %d after", len(first), len(rotated))

	pushsdk.CloseIdleConnectionsForTest(c)
	srv.Close()
	deadline := time.Now().Add(10 * time.Second)
	var leaked []string
	for time.Now().Before(deadline) {
		leaked = leaked[:0]
		for id, stack := range goroutineIDs() {
			if _, old := before[id]; !old && !strings.Contains(stack, "testing.(*T)") && !strings.Contains(stack, "goroutineIDs") {
				leaked = append(leaked, stack)
			}
		}
		if len(leaked) == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	assert.Empty(t, leaked, "goroutines left behind")
}
