package pushsdk_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestResponseMapping drives status + body combinations through a query and
// a push, and checks the error or result each becomes.
func TestResponseMapping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		status    int
		body      string
		code      int // 0: success
		requestID int64
		msg       string // substring of Error()
	}{
		{"service error", 404, `{"request_id":3000000001,"error_code":30611,"error_msg":"Tag Not Found, tag vip"}`, 30611, 3000000001, "Tag Not Found, tag vip (code 30611, request id 3000000001, http 404)"},
		{"service error without message", 400, `{"request_id":1,"error_code":30602}`, 30602, 1, "service error 30602"},
		{"service error in a 200", 200, `{"request_id":5,"error_code":30699,"error_msg":"Requests Are Too Frequent"}`, 30699, 5, "Requests Are Too Frequent"},
		{"request id as string", 403, `{"request_id":"77","error_code":30603,"error_msg":"Authentication Failed"}`, 30603, 77, "request id 77"},
		{"HTML gateway page", 502, `<html><body><h1>502 Bad Gateway</h1></body></html>`, pushsdk.CodeBadError, 0,
			"pushsdk: http status is error and result error: HTTP 502 Bad Gateway with an HTML page instead of the service's JSON: a proxy or gateway between the SDK and the service answered for it (try again later); the call may have been processed; body: \"<html>"},
		{"empty 500", 500, ``, pushsdk.CodeBadError, 0, "HTTP 500 Internal Server Error with an empty body instead of the service's JSON"},
		{"error without code", 400, `{"request_id":1,"error_msg":"x"}`, pushsdk.CodeBadError, 0, "no error_code"},
		{"truncated JSON", 200, `{"request_id":1,"response_params":{"msg_id":"1"`, pushsdk.CodeBadResult, 0, "unexpected end of JSON input"},
		{"not JSON", 200, `OK`, pushsdk.CodeBadResult, 0, "http status is ok but result error: HTTP 200 OK with plain text instead of the service's JSON: something other than the push service answered (a proxy, a captive portal, or a host that is not the service: check WithHost)"},
		{"no request id", 200, `{"response_params":{"msg_id":"1","send_time":1}}`, pushsdk.CodeBadResult, 0, "no request_id"},
		{"no response_params", 200, `{"request_id":1}`, pushsdk.CodeBadResult, 1, "response_params is missing"},
		{"null response_params", 200, `{"request_id":1,"response_params":null}`, pushsdk.CodeBadResult, 1, "response_params is missing"},
		{"array body", 200, `[1,2]`, pushsdk.CodeBadResult, 0, "HTTP 200 OK with a JSON value that is not an object (an array) instead of the service's JSON"},
		{"request id float", 200, `{"request_id":1.5,"response_params":{"msg_id":"1"}}`, pushsdk.CodeBadResult, 0, "not an integer"},
		{"request id overflow", 200, `{"request_id":99999999999999999999,"response_params":{"msg_id":"1"}}`, pushsdk.CodeBadResult, 0, "out of range"},
		{"valid", 200, `{"request_id":9,"response_params":{"msg_id":"1","send_time":1}}`, 0, 9, ""},
		{"valid with spaces and escapes", 200, " {\"request_id\" : 9 ,\n\"response_params\":{\"msg_id\":\"\\u0031\",\"send_time\":\"1\"}} ", 0, 9, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeService(t, func(*seen) reply { return reply{tc.status, tc.body} })
			res, err := f.channel().PushMsgToAll(context.Background(), "m", nil)
			if tc.code == 0 {
				require.NoError(t, err)
				assert.Equal(t, tc.requestID, res.RequestID)
				assert.Equal(t, "1", res.MsgID)
				return
			}
			require.Error(t, err)
			assert.Nil(t, res, "a non-nil error comes with a nil result")
			var ce *pushsdk.ChannelError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.code, ce.Code)
			assert.Equal(t, tc.status, ce.HTTPStatus)
			assert.Equal(t, tc.requestID, ce.RequestID)
			assert.Contains(t, err.Error(), tc.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "pushsdk: "))
		})
	}
}

// TestMalformedResultBodies feeds each result type bodies that are valid
// JSON envelopes but not valid results; each must be a code-4 error.
func TestMalformedResultBodies(t *testing.T) {
	t.Parallel()
	bg := context.Background()
	cases := []struct {
		name   string
		params string
		call   func(c *pushsdk.Channel) error
	}{
		{"push without ids", `{"send_time":1}`, func(c *pushsdk.Channel) error { _, err := c.PushMsgToAll(bg, "m", nil); return err }},
		{"push id float", `{"msg_id":1.5}`, func(c *pushsdk.Channel) error { _, err := c.PushMsgToAll(bg, "m", nil); return err }},
		{"push id object", `{"msg_id":{}}`, func(c *pushsdk.Channel) error { _, err := c.PushMsgToAll(bg, "m", nil); return err }},
		{"push send_time word", `{"msg_id":"1","send_time":"soon"}`, func(c *pushsdk.Channel) error { _, err := c.PushMsgToAll(bg, "m", nil); return err }},
		{"params is a string", `"x"`, func(c *pushsdk.Channel) error { _, err := c.PushMsgToAll(bg, "m", nil); return err }},
		{"status without result", `{"total_num":3}`, func(c *pushsdk.Channel) error { _, err := c.QueryMsgStatus(bg, "1"); return err }},
		{"status entry without msg_id", `{"result":[{"status":0}]}`, func(c *pushsdk.Channel) error { _, err := c.QueryMsgStatus(bg, "1"); return err }},
		{"status entry without status", `{"result":[{"msg_id":"1"}]}`, func(c *pushsdk.Channel) error { _, err := c.QueryMsgStatus(bg, "1"); return err }},
		{"result is an object", `{"result":{"a":1}}`, func(c *pushsdk.Channel) error { _, err := c.QueryTimerRecords(bg, "1", nil); return err }},
		{"timer without id", `{"result":[{"msg":"x"}]}`, func(c *pushsdk.Channel) error { _, err := c.QueryTimerList(bg, nil); return err }},
		{"topic without id", `{"result":[{"push_cnt":1}]}`, func(c *pushsdk.Channel) error { _, err := c.QueryTopicList(bg, nil); return err }},
		{"tag without name", `{"result":[{"tid":"1"}]}`, func(c *pushsdk.Channel) error { _, err := c.QueryTags(bg, nil); return err }},
		{"create tag without result", `{"tag":"x"}`, func(c *pushsdk.Channel) error { _, err := c.CreateTag(bg, "x"); return err }},
		{"devices missing", `{}`, func(c *pushsdk.Channel) error { _, err := c.AddDevicesToTag(bg, "x", []string{"1"}); return err }},
		{"device without result", `{"result":[{"channel_id":"1"}]}`, func(c *pushsdk.Channel) error { _, err := c.AddDevicesToTag(bg, "x", []string{"1"}); return err }},
		{"device num missing", `{}`, func(c *pushsdk.Channel) error { _, err := c.QueryDeviceNumInTag(bg, "x"); return err }},
		{"device num string word", `{"device_num":"many"}`, func(c *pushsdk.Channel) error { _, err := c.QueryDeviceNumInTag(bg, "x"); return err }},
		{"stats without result", `{"total_num":1}`, func(c *pushsdk.Channel) error { _, err := c.QueryStatisticDevice(bg); return err }},
		{"stats bad day key", `{"total_num":1,"result":{"yesterday":{"new_term":1}}}`, func(c *pushsdk.Channel) error { _, err := c.QueryStatisticDevice(bg); return err }},
		{"stats value not object", `{"result":{"1429977600":5}}`, func(c *pushsdk.Channel) error { _, err := c.QueryStatisticTopic(bg, "t"); return err }},
		{"msg stats without range type", `{"result":[{"result":{}}]}`, func(c *pushsdk.Channel) error { _, err := c.QueryStatisticMsg(bg); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeService(t, func(*seen) reply { return ok(tc.params) })
			err := tc.call(f.channel())
			require.Error(t, err)
			assert.Equal(t, pushsdk.CodeBadResult, pushsdk.ErrorCode(err), "%v", err)
			var ce *pushsdk.ChannelError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, 200, ce.HTTPStatus)
		})
	}
}

// TestLosslessIDs checks that msg ids beyond 2^53 survive as numbers and as
// strings, and timestamps arrive as numbers or strings.
func TestLosslessIDs(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"msg_id":9007199254740993123,"send_time":1700000000,"timer_id":18446744073709551615}`,
		`{"msg_id":"9007199254740993123","send_time":"1700000000","timer_id":"18446744073709551615"}`,
	} {
		f := newFakeService(t, func(*seen) reply { return ok(body) })
		res, err := f.channel().PushMsgToAll(context.Background(), "m", nil)
		require.NoError(t, err)
		assert.Equal(t, "9007199254740993123", res.MsgID)
		assert.Equal(t, "18446744073709551615", res.TimerID)
		assert.Equal(t, int64(1700000000), res.SendTime.Unix())
	}
}

func TestTransportErrors(t *testing.T) {
	t.Parallel()
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := l.Addr().String()
		require.NoError(t, l.Close())
		c, err := pushsdk.NewChannel(testKey, testSecret, pushsdk.WithHost("http://"+addr), pushsdk.WithRetry(pushsdk.RetryPolicy{}))
		require.NoError(t, err)
		_, err = c.QueryTags(context.Background(), nil)
		var ce *pushsdk.ChannelError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, pushsdk.CodeSDKRunning, ce.Code)
		assert.Zero(t, ce.HTTPStatus)
		assert.True(t, errors.Is(err, syscall.ECONNREFUSED), "%v", err)
		assert.False(t, ce.MaybeProcessed(), "nothing was sent")
	})
	t.Run("ctx deadline while the server stalls", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) })
		c, err := pushsdk.NewChannel(testKey, testSecret, pushsdk.WithHost(srv.URL))
		require.NoError(t, err)
		cctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err = c.QueryTags(cctx, nil)
		// The server stalls until the test ends: only the deadline can end
		// the call (asserted below).
		var ce *pushsdk.ChannelError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, pushsdk.CodeSDKRunning, ce.Code)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("client timeout while the server stalls", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) })
		c, err := pushsdk.NewChannel(testKey, testSecret, pushsdk.WithHost(srv.URL), pushsdk.WithTimeout(50*time.Millisecond), pushsdk.WithRetry(pushsdk.RetryPolicy{}))
		require.NoError(t, err)
		_, err = c.PushMsgToAll(context.Background(), "m", nil)
		assert.Equal(t, pushsdk.CodeSDKRunning, pushsdk.ErrorCode(err))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("cancelled ctx", func(t *testing.T) {
		t.Parallel()
		f := newFakeService(t, nil)
		cctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := f.channel().QueryTags(cctx, nil)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, pushsdk.CodeSDKRunning, pushsdk.ErrorCode(err))
	})
	t.Run("body over 1 MiB", func(t *testing.T) {
		t.Parallel()
		for _, chunked := range []bool{false, true} {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !chunked {
					w.Header().Set("Content-Length", fmt.Sprint(10<<20))
				}
				chunk := strings.Repeat(" ", 64<<10)
				for i := 0; i < 160; i++ {
					if _, err := io.WriteString(w, chunk); err != nil {
						return
					}
				}
			}))
			c, err := pushsdk.NewChannel(testKey, testSecret, pushsdk.WithHost(srv.URL), pushsdk.WithRetry(pushsdk.RetryPolicy{}))
			require.NoError(t, err)
			_, err = c.QueryTags(context.Background(), nil)
			assert.Equal(t, pushsdk.CodeBadResult, pushsdk.ErrorCode(err))
			assert.ErrorContains(t, err, "exceeds 1 MiB")
			srv.Close()
		}
	})
	t.Run("connection reset mid-body", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "500")
			w.WriteHeader(200)
			_, _ = io.WriteString(w, `{"request_id":1,"resp`)
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.(*net.TCPConn).SetLinger(0)
				conn.Close()
			}
		}))
		t.Cleanup(srv.Close)
		c, err := pushsdk.NewChannel(testKey, testSecret, pushsdk.WithHost(srv.URL), pushsdk.WithRetry(pushsdk.RetryPolicy{}))
		require.NoError(t, err)
		_, err = c.PushMsgToAll(context.Background(), "m", nil)
		var ce *pushsdk.ChannelError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, pushsdk.CodeSDKRunning, ce.Code)
		assert.Equal(t, 200, ce.HTTPStatus)
	})
}

func TestErrorCodeAndText(t *testing.T) {
	t.Parallel()
	wrap := func(code int) error {
		return fmt.Errorf("outer: %w", &pushsdk.ChannelError{Code: code, Msg: "m"})
	}
	for _, code := range []int{pushsdk.CodeAuthFailed, pushsdk.CodeTagNotFound, pushsdk.CodeSDKParams, pushsdk.CodeTimerNotExist} {
		assert.Equal(t, code, pushsdk.ErrorCode(wrap(code)), "through a wrapping error")
	}
	assert.Equal(t, 0, pushsdk.ErrorCode(errors.New("plain")))
	assert.Equal(t, 0, pushsdk.ErrorCode(nil))

	e := &pushsdk.ChannelError{Code: 30611, Msg: "Tag Not Found", RequestID: 12, HTTPStatus: 404}
	assert.Equal(t, "pushsdk: Tag Not Found (code 30611, request id 12, http 404)", e.Error())
	e2 := &pushsdk.ChannelError{Code: pushsdk.CodeSDKRunning, Err: io.ErrUnexpectedEOF}
	assert.Equal(t, "pushsdk: SDK running error: unexpected EOF (code 2)", e2.Error())
	assert.ErrorIs(t, e2, io.ErrUnexpectedEOF)
}
