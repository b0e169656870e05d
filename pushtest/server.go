package pushtest

import (
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/internal/hooks"
)

// Server is an [Emulator] served on a loopback address by httptest, for
// tests and offline programs:
//
//	srv := pushtest.NewServer()
//	defer srv.Close()
//	ch, _ := srv.NewChannel()
//	res, err := ch.PushMsgToAll(ctx, "hello", nil)
type Server struct {
	*Emulator

	// URL is the base URL of the server, e.g. "http://127.0.0.1:37251";
	// give it to pushsdk.WithHost.
	URL string
	// APIKey and SecretKey are the default app's keys.
	APIKey    string
	SecretKey string

	ts *httptest.Server
}

// NewServer starts an emulator on a loopback address. Call Close when done.
// Its HTTP server has the timeouts of [ServerTimeouts].
func NewServer(opts ...Option) *Server {
	e := New(opts...)
	ts := httptest.NewUnstartedServer(e)
	ServerTimeouts(ts.Config)
	ts.Start()
	return &Server{Emulator: e, URL: ts.URL, APIKey: e.def.key, SecretKey: e.def.secret, ts: ts}
}

// ServerTimeouts gives srv the emulator's defaults against slow or idle
// clients: 5 s to send the request headers, 30 s for the whole request,
// 60 s idle between requests, 64 KiB of headers. bpush emulator starts from
// them too.
func ServerTimeouts(srv *http.Server) {
	srv.ReadHeaderTimeout = 5 * time.Second
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.IdleTimeout = 60 * time.Second
	srv.MaxHeaderBytes = 64 << 10
}

// Close shuts the server down and waits for the requests under way.
func (s *Server) Close() { s.ts.Close() }

// NewChannel returns a pushsdk Channel for the default app, aimed at the
// server and signing with the emulator's clock (so that it keeps working
// after [Emulator.Advance]); opts come after those settings and may
// override them.
func (s *Server) NewChannel(opts ...pushsdk.Option) (*pushsdk.Channel, error) {
	return s.NewChannelFor(s.DefaultApp(), opts...)
}

// NewChannelFor returns a pushsdk Channel for one of the emulator's apps.
func (s *Server) NewChannelFor(app *App, opts ...pushsdk.Option) (*pushsdk.Channel, error) {
	base := []pushsdk.Option{pushsdk.WithHost(s.URL), hooks.WithClock(s.Now).(pushsdk.Option)}
	return pushsdk.NewChannel(app.APIKey, app.SecretKey, append(base, opts...)...)
}
