package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/spf13/cobra"
)

// app holds the global flags and the streams of one bpush run.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	configPath string
	host       string
	apiKey     string
	secretKey  string
	deviceType string
	timeout    time.Duration
	jsonOut    bool
	useEmu     bool
	verbose    bool
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "bpush",
		Short: "Push notifications and manage tags, timers and topics of Baidu Cloud Push",
		Long: `bpush talks to the Baidu Cloud Push REST API 3.0 (百度云推送) through pushsdk.

Configuration, first found wins: flags (--host, --apikey, --secretkey,
--device-type), then the environment (BAIDU_PUSH_HOST, BAIDU_PUSH_API_KEY,
BAIDU_PUSH_SECRET_KEY, BAIDU_PUSH_DEVICE_TYPE), then --config sdk.conf (the
Python SDK's file). --emulator runs a command against an in-process
emulator instead, for trying things out.

Exit status: 0 on success, 1 when the call failed, 2 on a usage error.`,
		Example: `  bpush --emulator push all --msg "hello"
  bpush --config sdk.conf tags count vip
  bpush emulator --addr 127.0.0.1:8088`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       pushsdk.Version,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return err })
	f := root.PersistentFlags()
	f.StringVar(&a.configPath, "config", "", "read settings from this sdk.conf (the Python SDK's file)")
	f.StringVar(&a.host, "host", "", "service host or URL (default api.push.baidu.com over https)")
	f.StringVar(&a.apiKey, "apikey", "", "the app's API key")
	f.StringVar(&a.secretKey, "secretkey", "", "the app's secret key")
	f.StringVar(&a.deviceType, "device-type", "", "device type of the app: 3 (android) or 4 (ios)")
	f.DurationVar(&a.timeout, "timeout", 0, "timeout of each call, retries included (default 60s)")
	f.BoolVar(&a.jsonOut, "json", false, "print results as JSON with the service's field names")
	f.BoolVar(&a.useEmu, "emulator", false, "run against an in-process emulator (offline)")
	f.BoolVarP(&a.verbose, "verbose", "v", false, "log each HTTP attempt to stderr")

	root.AddCommand(a.emulatorCommand())
	return root
}

// logger is the debug logger of --verbose, or nil.
func (a *app) logger() *slog.Logger {
	if !a.verbose {
		return nil
	}
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// printError writes a failure to stderr: the service code, message and
// request id when there are any.
func (a *app) printError(err error) {
	var ce *pushsdk.ChannelError
	if errors.As(err, &ce) {
		fmt.Fprintf(a.stderr, "bpush: error %d: %s", ce.Code, ce.Msg)
		if ce.Err != nil && ce.Code < 30000 {
			fmt.Fprintf(a.stderr, ": %v", ce.Err)
		}
		if ce.RequestID != 0 {
			fmt.Fprintf(a.stderr, " (request id %d)", ce.RequestID)
		}
		if ce.HTTPStatus != 0 {
			fmt.Fprintf(a.stderr, " [http %d]", ce.HTTPStatus)
		}
		fmt.Fprintln(a.stderr)
		return
	}
	fmt.Fprintf(a.stderr, "bpush: %v\n", err)
}
