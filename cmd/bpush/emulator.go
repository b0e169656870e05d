package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/spf13/cobra"
)

// emulatorFlags are the settings of bpush emulator.
type emulatorFlags struct {
	addr           string
	requireBinding bool
	delay          time.Duration
	ratePerSecond  float64
	bind           []string
	headerTimeout  time.Duration
	readTimeout    time.Duration
	idleTimeout    time.Duration
	maxConns       int
	maxBody        int64
	logEntries     int
	logBytes       int64
	ui             bool
	apiToken       string
	maxLive        int
	limits         pushtest.Limits
}

func (a *app) emulatorCommand() *cobra.Command {
	var f emulatorFlags
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Serve an offline emulator of the REST API until interrupted",
		Long: `Serve an emulator of the Baidu Cloud Push REST API 3.0 on a local address,
for trying out clients and running their tests offline. It checks every
request as the service does (signature, timestamp, parameters) and keeps
state: tags, devices, messages, timers, topics and statistics. A 30603 names
the usual client mistake that explains a signature that does not match.

Keys: --apikey and --secretkey, else BAIDU_PUSH_API_KEY and
BAIDU_PUSH_SECRET_KEY, else generated; the emulator prints the export line
that points bpush (and the SDK's LoadConfig) at it. --device-type sets the
app's platform (3 android, the default, or 4 ios).

It logs one line per request on stderr; with -v the line holds the request's
parameters (the signature and secrets masked). It is built to be left
running as a shared test double: a request that fails authentication is
logged without its parameters, the request log has a byte budget, a
broadcast costs one record whatever the number of devices, and slow or idle
clients are cut off by the timeouts below. What it keeps per app is capped
(--max-devices, --max-messages, --max-deliveries, --max-tags, --max-topics,
--max-timers): past a cap it answers as the service does, or forgets the
oldest.

On the same address it serves a web inspector, /ui/ — the live request log
with the 30603 diagnoses, devices and their inboxes drawn as a phone shows
them, messages, tags, timers, topics, statistics — and its JSON API,
/api/v1/, for tests in any language: what a device received
(GET /api/v1/devices/ID/messages), the request log (GET /api/v1/requests),
and actions (POST /api/v1/devices/bind, /api/v1/clock/advance,
/api/v1/reset). --ui=false turns both off. Actions refuse cross-site browser
requests, and from beyond loopback need --api-token.`,
		Example: `  bpush emulator
  eval "$(bpush emulator --addr 127.0.0.1:8088 | grep ^export)"   # in one shell, then:
  bpush push all --msg hi
  bpush emulator --addr 0.0.0.0:8088 --max-conns 1000 --rate-limit 50`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.serveEmulator(cmd.Context(), &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8088", "address to listen on")
	fl.BoolVar(&f.requireBinding, "require-binding", false, "only ids bound with --bind are devices; others get 30608")
	fl.StringSliceVar(&f.bind, "bind", nil, "channel ids to bind as devices at start")
	fl.DurationVar(&f.delay, "delivery-delay", time.Second, "how long a message stays pending, then sending")
	fl.Float64Var(&f.ratePerSecond, "rate-limit", 0, "answer 30699 beyond this many calls per second (0: no limit)")
	fl.DurationVar(&f.headerTimeout, "header-timeout", 5*time.Second, "cut off a client that takes longer to send its request headers")
	fl.DurationVar(&f.readTimeout, "read-timeout", 30*time.Second, "cut off a client that takes longer to send a whole request")
	fl.DurationVar(&f.idleTimeout, "idle-timeout", 60*time.Second, "close a keep-alive connection idle this long")
	fl.IntVar(&f.maxConns, "max-conns", 4096, "connections served at once; more wait to be accepted")
	fl.Int64Var(&f.maxBody, "max-body", 2<<20, "largest request body, in bytes (larger: 30602)")
	fl.IntVar(&f.logEntries, "log-requests", 10000, "requests kept in the emulator's request log")
	fl.Int64Var(&f.logBytes, "log-bytes", 32<<20, "bytes the request log may hold")
	fl.BoolVar(&f.ui, "ui", true, "serve the web inspector (/ui/) and its JSON API (/api/v1/); --ui=false: neither (404)")
	fl.StringVar(&f.apiToken, "api-token", "", "token the API's actions need from beyond loopback (Authorization: Bearer TOKEN)")
	fl.IntVar(&f.maxLive, "max-live", 100, "live clients of the inspector at once (Server-Sent Events)")
	d := pushtest.DefaultLimits
	fl.IntVar(&f.limits.Devices, "max-devices", d.Devices, "devices per app; past it new ids are not bound (30609)")
	fl.IntVar(&f.limits.Messages, "max-messages", d.Messages, "messages kept per app; the oldest delivered ones are forgotten")
	fl.IntVar(&f.limits.Deliveries, "max-deliveries", d.Deliveries, "messages kept in each device's inbox, the newest")
	fl.IntVar(&f.limits.Tags, "max-tags", d.Tags, "tags per app; past it creating one gets 30602")
	fl.IntVar(&f.limits.Topics, "max-topics", d.Topics, "topics per app; the oldest is forgotten for a new one")
	fl.IntVar(&f.limits.Timers, "max-timers", d.Timers, "timers that fired or were cancelled kept per app, the newest")
	return cmd
}

// serveEmulator runs bpush emulator until ctx ends.
func (a *app) serveEmulator(ctx context.Context, f *emulatorFlags) error {
	level := slog.LevelInfo
	if a.verbose {
		level = slog.LevelDebug
	}
	if f.maxConns < 1 || f.maxBody < 1 || f.logEntries < 0 || f.logBytes < 0 || f.maxLive < 1 {
		return errors.New("--max-conns, --max-body and --max-live must be positive, --log-requests and --log-bytes not negative")
	}
	for name, v := range map[string]int{"--max-devices": f.limits.Devices, "--max-messages": f.limits.Messages, "--max-deliveries": f.limits.Deliveries,
		"--max-tags": f.limits.Tags, "--max-topics": f.limits.Topics, "--max-timers": f.limits.Timers} {
		if v < 1 {
			return fmt.Errorf("%s %d: want at least 1", name, v)
		}
	}
	opts := []pushtest.Option{
		pushtest.WithLogger(slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))),
		pushtest.WithDeliveryDelay(f.delay, f.delay),
		pushtest.WithMaxBody(f.maxBody),
		pushtest.WithRequestLog(f.logEntries, f.logBytes),
		pushtest.WithLimits(f.limits),
		pushtest.WithInspector(f.ui),
		pushtest.WithLiveClients(f.maxLive),
	}
	if f.apiToken != "" {
		opts = append(opts, pushtest.WithAPIToken(f.apiToken))
	}
	key, secret, source := a.apiKey, a.secretKey, "--apikey and --secretkey"
	if key == "" && secret == "" {
		key, secret, source = os.Getenv("BAIDU_PUSH_API_KEY"), os.Getenv("BAIDU_PUSH_SECRET_KEY"), "BAIDU_PUSH_API_KEY and BAIDU_PUSH_SECRET_KEY"
	}
	switch {
	case key != "" && secret != "":
		opts = append(opts, pushtest.WithKeys(key, secret))
	case key != "" || secret != "":
		return fmt.Errorf("%s go together: give both, or neither for generated keys", source)
	default:
		source = ""
	}
	if a.deviceType != "" {
		dt, err := parseDeviceType(a.deviceType)
		if err != nil {
			return err
		}
		opts = append(opts, pushtest.WithPlatform(dt))
	}
	if f.requireBinding {
		opts = append(opts, pushtest.WithRequireBinding())
	}
	if f.ratePerSecond > 0 {
		opts = append(opts, pushtest.WithRateLimit(f.ratePerSecond, max(1, int(f.ratePerSecond))))
	}
	emu := pushtest.New(opts...)
	if len(f.bind) > 0 {
		if err := emu.Bind(f.bind...); err != nil {
			return err
		}
	}
	l, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fail(err)
	}
	a.serves = true
	app := emu.DefaultApp()
	url := "http://" + l.Addr().String()
	fmt.Fprintf(a.stdout, "pushtest emulator listening on %s (%s app)\n", url, app.Platform)
	if source != "" {
		fmt.Fprintf(a.stdout, "keys from %s\nexport BAIDU_PUSH_HOST=%s\n", source, url)
	} else {
		fmt.Fprintf(a.stdout, "export BAIDU_PUSH_HOST=%s BAIDU_PUSH_API_KEY=%s BAIDU_PUSH_SECRET_KEY=%s\n", url, app.APIKey, app.SecretKey)
	}
	if f.ui {
		fmt.Fprintf(a.stdout, "inspector: %s/ui/ (JSON API under %s/api/v1/)\n", url, url)
		if ip := l.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() && f.apiToken == "" {
			fmt.Fprintln(a.stdout, "note: listening beyond loopback: the API's actions (bind, advance, reset) need --api-token from other hosts")
		}
	}
	srv := &http.Server{Handler: emu}
	pushtest.ServerTimeouts(srv)
	srv.ReadHeaderTimeout, srv.ReadTimeout, srv.IdleTimeout = f.headerTimeout, f.readTimeout, f.idleTimeout
	return serve(ctx, limitListener(l, f.maxConns), srv)
}

// serve runs srv until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, l net.Listener, srv *http.Server) error {
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		return fail(err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fail(err)
	}
	return nil
}

// limitListener accepts at most n connections at once; more wait in the
// kernel's backlog until one closes. The server's timeouts bound how long a
// slow client can hold a place.
func limitListener(l net.Listener, n int) net.Listener {
	return &limited{Listener: l, slots: make(chan struct{}, n), closed: make(chan struct{})}
}

type limited struct {
	net.Listener
	slots     chan struct{}
	closed    chan struct{}
	closeOnce sync.Once
}

func (l *limited) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.closed:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &slotConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *limited) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// slotConn gives its place back when it closes, once.
type slotConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

func parseDeviceType(s string) (pushsdk.DeviceType, error) {
	switch s {
	case "3", "android":
		return pushsdk.DeviceAndroid, nil
	case "4", "ios":
		return pushsdk.DeviceIOS, nil
	}
	return 0, fmt.Errorf("--device-type %q: want 3 (android) or 4 (ios)", s)
}
