package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/spf13/cobra"
)

func (a *app) emulatorCommand() *cobra.Command {
	var (
		addr           string
		requireBinding bool
		delay          time.Duration
		ratePerSecond  float64
		bind           []string
	)
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Serve an offline emulator of the REST API until interrupted",
		Long: `Serve an emulator of the Baidu Cloud Push REST API 3.0 on a local address,
for trying out clients and running their tests offline. It checks every
request as the service does (signature, timestamp, parameters) and keeps
state: tags, devices, messages, timers, topics and statistics.

--apikey and --secretkey set the app's keys (generated when absent) and
--device-type its platform (3 android, the default, or 4 ios). It prints its
URL and keys on start and logs each request in one line on stderr.`,
		Example: `  bpush emulator --addr 127.0.0.1:8088 --apikey KEY --secretkey SECRET
  bpush --host http://127.0.0.1:8088 --apikey KEY --secretkey SECRET push all --msg hi`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := []pushtest.Option{
				pushtest.WithLogger(slog.New(slog.NewTextHandler(a.stderr, nil))),
				pushtest.WithDeliveryDelay(delay, delay),
			}
			if a.apiKey != "" || a.secretKey != "" {
				if a.apiKey == "" || a.secretKey == "" {
					return errors.New("--apikey and --secretkey go together")
				}
				opts = append(opts, pushtest.WithKeys(a.apiKey, a.secretKey))
			}
			if a.deviceType != "" {
				dt, err := parseDeviceType(a.deviceType)
				if err != nil {
					return err
				}
				opts = append(opts, pushtest.WithPlatform(dt))
			}
			if requireBinding {
				opts = append(opts, pushtest.WithRequireBinding())
			}
			if ratePerSecond > 0 {
				opts = append(opts, pushtest.WithRateLimit(ratePerSecond, max(1, int(ratePerSecond))))
			}
			emu := pushtest.New(opts...)
			if len(bind) > 0 {
				if err := emu.Bind(bind...); err != nil {
					return err
				}
			}
			l, err := net.Listen("tcp", addr)
			if err != nil {
				return fail(err)
			}
			a.serves = true
			app := emu.DefaultApp()
			url := "http://" + l.Addr().String()
			fmt.Fprintf(a.stdout, "pushtest emulator listening on %s\n  apikey:    %s\n  secretkey: %s\n  platform:  %s\n",
				url, app.APIKey, app.SecretKey, app.Platform)
			fmt.Fprintf(a.stdout, "try: bpush --host %s --apikey %s --secretkey %s push all --msg hello\n", url, app.APIKey, app.SecretKey)
			return serve(cmd.Context(), l, emu)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8088", "address to listen on")
	f.BoolVar(&requireBinding, "require-binding", false, "only ids bound with --bind are devices; others get 30608")
	f.StringSliceVar(&bind, "bind", nil, "channel ids to bind as devices at start")
	f.DurationVar(&delay, "delivery-delay", time.Second, "how long a message stays pending, then sending")
	f.Float64Var(&ratePerSecond, "rate-limit", 0, "answer 30699 beyond this many calls per second (0: no limit)")
	return cmd
}

// serve runs the emulator until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, l net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
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

func parseDeviceType(s string) (pushsdk.DeviceType, error) {
	switch s {
	case "3", "android":
		return pushsdk.DeviceAndroid, nil
	case "4", "ios":
		return pushsdk.DeviceIOS, nil
	}
	return 0, fmt.Errorf("--device-type %q: want 3 (android) or 4 (ios)", s)
}
