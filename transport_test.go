package pushsdk_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clients are the ways a Channel can send: its own transport, a bare
// http.Client as WithHTTPClient gets it, and a client whose transport is
// not net/http's (it wraps it), which the SDK cannot trace.
func clients() map[string][]pushsdk.Option {
	wrapped := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return http.DefaultTransport.RoundTrip(r)
	})}
	following := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	return map[string][]pushsdk.Option{
		"own transport":         nil,
		"bare http.Client":      {pushsdk.WithHTTPClient(&http.Client{})},
		"wrapped transport":     {pushsdk.WithHTTPClient(wrapped)},
		"client that redirects": {pushsdk.WithHTTPClient(following)},
	}
}

// TestRedirectsAreNeverFollowed answers every kind of redirect towards
// another server: the signed request never reaches it, whatever the client,
// and the redirect is a code-5 error with its status, not retried.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		_, _ = io.WriteString(w, `{"request_id":1,"response_params":{"msg_id":"1","send_time":1}}`)
	}))
	t.Cleanup(other.Close)
	for _, status := range []int{301, 302, 303, 307, 308} {
		for name, opts := range clients() {
			t.Run(fmt.Sprint(status, " ", name), func(t *testing.T) {
				t.Parallel()
				var hits atomic.Int32
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					hits.Add(1)
					http.Redirect(w, r, other.URL+r.URL.Path, status)
				}))
				t.Cleanup(srv.Close)
				c := rawChannel(t, srv.URL, opts...)
				for _, call := range []func() error{
					func() error { _, err := c.PushMsgToAll(ctx(t), "m", nil); return err },
					func() error { _, err := c.QueryTags(ctx(t), nil); return err },
				} {
					hits.Store(0)
					err := call()
					var ce *pushsdk.ChannelError
					require.ErrorAs(t, err, &ce)
					assert.Equal(t, pushsdk.CodeBadError, ce.Code)
					assert.Equal(t, status, ce.HTTPStatus)
					assert.Contains(t, err.Error(), "redirect to "+other.URL)
					assert.Equal(t, int32(1), hits.Load(), "not retried")
				}
			})
		}
	}
	t.Cleanup(func() { assert.Zero(t, elsewhere.Load(), "a signed request reached another server") })
}

// TestTimeoutBoundsEveryAttempt: WithTimeout (and its default) bounds an
// attempt through any client, against servers that never answer, answer
// forever, or switch protocols.
func TestTimeoutBoundsEveryAttempt(t *testing.T) {
	t.Parallel()
	// The handlers end when the client hangs up (or after a minute, far
	// beyond the 300 ms that WithTimeout gives each attempt).
	hang := func(c net.Conn) {
		readRequest(c)
		_ = c.SetReadDeadline(time.Now().Add(time.Minute))
		_, _ = io.Copy(io.Discard, c)
	}
	dribble := func(c net.Conn) {
		readRequest(c)
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n{")
		for i := 0; i < 1200; i++ {
			time.Sleep(50 * time.Millisecond)
			if _, err := io.WriteString(c, " "); err != nil {
				return
			}
		}
	}
	switching := func(c net.Conn) {
		readRequest(c)
		_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		_ = c.SetReadDeadline(time.Now().Add(time.Minute))
		_, _ = io.Copy(io.Discard, c)
	}
	for name, opts := range clients() {
		for _, tc := range []struct {
			server string
			handle func(net.Conn)
			code   int
			status int
		}{
			{"no answer", hang, pushsdk.CodeSDKRunning, 0},
			{"endless body", dribble, pushsdk.CodeSDKRunning, 200},
			{"101", switching, pushsdk.CodeBadError, 101},
		} {
			t.Run(name+"/"+tc.server, func(t *testing.T) {
				t.Parallel()
				url, conns := rawServer(t, tc.handle)
				c := rawChannel(t, url, append(opts, pushsdk.WithTimeout(300*time.Millisecond))...)
				// The servers never end the exchange on their own within the
				// test: only WithTimeout can.
				_, err := c.PushMsgToAll(context.Background(), "m", nil)
				var ce *pushsdk.ChannelError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, tc.code, ce.Code, "%v", err)
				assert.Equal(t, tc.status, ce.HTTPStatus)
				assert.True(t, ce.MaybeProcessed(), "the request was written")
				assert.Equal(t, int32(1), conns.Load(), "a push that was written is not retried")
				if tc.code == pushsdk.CodeSDKRunning {
					assert.ErrorIs(t, err, context.DeadlineExceeded)
					assert.Contains(t, err.Error(), "within 300ms (WithTimeout)")
				}
			})
		}
	}

	t.Run("default applies to a client without a timeout", func(t *testing.T) {
		t.Parallel()
		var deadline atomic.Value
		f := newFakeService(t, nil)
		hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if d, ok := r.Context().Deadline(); ok {
				deadline.Store(d)
			}
			return http.DefaultTransport.RoundTrip(r)
		})}
		c := f.channel(pushsdk.WithHTTPClient(hc))
		start := time.Now()
		_, err := c.CancelTimer(context.Background(), "1")
		end := time.Now()
		require.NoError(t, err)
		d, ok := deadline.Load().(time.Time)
		require.True(t, ok, "the attempt has a deadline")
		// The attempt started between start and end, and its deadline is
		// 30 s after that.
		assert.False(t, d.Before(start.Add(30*time.Second)), "deadline %v, call from %v", d, start)
		assert.False(t, d.After(end.Add(30*time.Second)), "deadline %v, call until %v", d, end)
	})
}

// TestNothingSentIsSafeToRetry: a failure before any byte of the request
// can have reached the service (an untrusted certificate, a proxy refusing
// the tunnel, a TLS handshake that never ends, a refused connection) is not
// "maybe processed", whatever the client.
func TestNothingSentIsSafeToRetry(t *testing.T) {
	t.Parallel()
	for name, opts := range clients() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			// An untrusted certificate: never retried, since it will not change.
			var handshakes, requests atomic.Int32
			tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { requests.Add(1) }))
			tlsSrv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					handshakes.Add(1)
				}
			}
			tlsSrv.Config.ErrorLog = log0()
			tlsSrv.StartTLS()
			t.Cleanup(tlsSrv.Close)
			_, err := rawChannel(t, tlsSrv.URL, opts...).PushMsgToAll(ctx(t), "m", nil)
			var ce *pushsdk.ChannelError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, pushsdk.CodeSDKRunning, ce.Code)
			assert.False(t, ce.MaybeProcessed(), "the certificate was refused before anything was sent: %v", err)
			var unknown x509.UnknownAuthorityError
			assert.ErrorAs(t, err, &unknown)
			assert.Zero(t, requests.Load())
			assert.Equal(t, int32(1), handshakes.Load(), "a certificate error is not retried")

			// A handshake that never ends.
			url, _ := rawServer(t, func(c net.Conn) {
				_ = c.SetReadDeadline(time.Now().Add(time.Second))
				_, _ = io.Copy(io.Discard, c)
			})
			_, err = rawChannel(t, strings.Replace(url, "http://", "https://", 1), append(opts, pushsdk.WithConnectTimeout(200*time.Millisecond), pushsdk.WithTimeout(400*time.Millisecond), pushsdk.WithRetry(pushsdk.RetryPolicy{}))...).
				PushMsgToAll(ctx(t), "m", nil)
			require.ErrorAs(t, err, &ce)
			if name == "own transport" {
				assert.False(t, ce.MaybeProcessed(), "the handshake never finished: %v", err)
			} else {
				// A client's own transport has no TLS handshake timeout; the
				// attempt's timeout struck mid-handshake. Traced clients know
				// that nothing was sent; an untraced one cannot tell.
				assert.Equal(t, name != "wrapped transport", !ce.MaybeProcessed(), "%v", err)
			}
		})
	}

	t.Run("proxy refuses the tunnel", func(t *testing.T) {
		t.Parallel()
		var connects, others atomic.Int32
		proxy, _ := rawServer(t, func(c net.Conn) {
			req, err := http.ReadRequest(bufio.NewReader(c))
			if err != nil {
				return
			}
			if req.Method == http.MethodConnect {
				connects.Add(1)
			} else {
				others.Add(1)
			}
			_, _ = io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
		})
		pu, err := url.Parse(proxy)
		require.NoError(t, err)
		hc := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}}
		c := rawChannel(t, "https://api.push.baidu.com", pushsdk.WithHTTPClient(hc))
		_, err = c.PushMsgToAll(ctx(t), "m", nil)
		var ce *pushsdk.ChannelError
		require.ErrorAs(t, err, &ce)
		assert.False(t, ce.MaybeProcessed(), "the tunnel was refused before anything was sent: %v", err)
		assert.Equal(t, int32(3), connects.Load(), "nothing was sent, so the push was retried")
		assert.Zero(t, others.Load())
	})
}

// TestIdleConnectionsClosedBeforeServers: the SDK's own transport drops an
// idle connection before common server keep-alive limits (nginx 75 s, cloud
// load balancers 60 s) would close it under a request.
func TestIdleConnectionsClosedBeforeServers(t *testing.T) {
	c, err := pushsdk.NewChannel("k", "s")
	require.NoError(t, err)
	idle, attempt := pushsdk.IdleConnTimeoutForTest(c)
	assert.Positive(t, idle)
	assert.LessOrEqual(t, idle, 45*time.Second)
	assert.Equal(t, (30 * time.Second), attempt)
}

// TestServiceCodesNeverPassForSDKCodes: an error_code outside the service's
// ranges (30600–30699, 40000–41999) — such as 3 — is not taken for the
// service's, and above all not for one of the SDK's own codes 1–5.
func TestServiceCodesNeverPassForSDKCodes(t *testing.T) {
	t.Parallel()
	for _, code := range []int{-1, 1, 2, 3, 4, 5, 99, 29999, 30599, 30700, 39999, 42000, 50000} {
		for _, status := range []int{200, 400, 500} {
			f := newFakeService(t, func(*seen) reply {
				return reply{status, fmt.Sprintf(`{"request_id":77,"error_code":%d,"error_msg":"Request Params Not Valid"}`, code)}
			})
			_, err := f.channel().PushMsgToAll(ctx(t), "m", nil)
			var ce *pushsdk.ChannelError
			require.ErrorAs(t, err, &ce)
			want := pushsdk.CodeBadError
			if status == 200 {
				want = pushsdk.CodeBadResult
			}
			assert.Equal(t, want, ce.Code, "error_code %d, http %d", code, status)
			assert.Equal(t, int64(77), ce.RequestID)
			assert.True(t, ce.MaybeProcessed(), "an answer the SDK cannot read says nothing about what the service did")
			assert.Contains(t, err.Error(), fmt.Sprintf("error_code %d is not a code of the service", code))
		}
	}
	for _, code := range []int{30600, 30602, 30650, 30699, 40000, 40001, 40012, 41001, 41005, 41999} {
		f := newFakeService(t, func(*seen) reply {
			return reply{400, fmt.Sprintf(`{"request_id":77,"error_code":%d,"error_msg":"x"}`, code)}
		})
		_, err := f.channel().PushMsgToAll(ctx(t), "m", nil)
		assert.Equal(t, code, pushsdk.ErrorCode(err))
	}
}

// TestServerTextIsSanitised: control characters, bidirectional overrides
// and invalid UTF-8 from the server never reach Error(), Msg or a log line.
func TestServerTextIsSanitised(t *testing.T) {
	t.Parallel()
	nasty := "red\x1b[31m alert\r\nInjected-Header: yes\x00\u202egnp.exe\u2028\u009b2J\xff"
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, body := range []string{
		`{"request_id":5,"error_code":30602,"error_msg":"` + jsonEscape(nasty) + `"}`,
		"<html>" + nasty + "</html>",
	} {
		f := newFakeService(t, func(*seen) reply { return reply{400, body} })
		_, err := f.channel(pushsdk.WithLogger(logger)).PushMsgToAll(ctx(t), "m", nil)
		var ce *pushsdk.ChannelError
		require.ErrorAs(t, err, &ce)
		for _, text := range []string{err.Error(), ce.Msg, fmt.Sprintf("%v", err)} {
			assertPrintable(t, text)
		}
		assert.Contains(t, err.Error(), "alert", "the text is kept, cleaned")
	}
	assertPrintable(t, strings.ReplaceAll(logs.String(), "\n", " "))
}

func assertPrintable(t *testing.T, s string) {
	t.Helper()
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0x202e || r == 0x2028 {
			t.Errorf("control character %U in %q", r, s)
			return
		}
	}
	assert.True(t, strings.ToValidUTF8(s, "") == s, "invalid UTF-8 in %q", s)
}

func jsonEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c == '"' || c == '\\':
			b.WriteString(`\` + string(c))
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// log0 is a server error log that drops everything (TLS handshake noise).
func log0() *log.Logger { return log.New(io.Discard, "", 0) }

// TestServerTextIsBounded: a long error_msg, clean or not, is cut to about
// 512 bytes, marked with "…", so that a hostile server cannot fill logs.
func TestServerTextIsBounded(t *testing.T) {
	t.Parallel()
	for _, msg := range []string{strings.Repeat("a", 5000), strings.Repeat("b\x01", 2500)} {
		f := newFakeService(t, func(*seen) reply {
			return reply{400, `{"request_id":5,"error_code":30602,"error_msg":"` + jsonEscape(msg) + `"}`}
		})
		_, err := f.channel().PushMsgToAll(ctx(t), "m", nil)
		var ce *pushsdk.ChannelError
		require.ErrorAs(t, err, &ce)
		assert.LessOrEqual(t, len(ce.Msg), 512+len("…"), "Msg is bounded")
		assert.GreaterOrEqual(t, len(ce.Msg), 500, "and keeps what fits")
		assert.True(t, strings.HasSuffix(ce.Msg, "…"), "and says it was cut: %q", ce.Msg[len(ce.Msg)-10:])
		assertPrintable(t, err.Error())
	}
}
