package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// app holds the global flags and the streams of one bpush run.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// stop ends at the first SIGINT or SIGTERM: no new work starts. hard
	// ends at the second: work under way is abandoned.
	stop, hard context.Context

	configPath string
	host       string
	apiKey     string
	secretKey  string
	deviceType string
	timeout    time.Duration
	jsonOut    bool
	useEmu     bool
	verbose    bool
	noProgress bool

	tel    *telemetry       // OpenTelemetry export, nil when off
	emu    *pushtest.Server // with --emulator
	serves bool             // a server, for which a signal is the normal end
	target string           // the service and app the Channel talks to, for journals
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

Output is a table; --json prints the result with the service's own field
names. Errors go to stderr with the service's code, message and request id.
Exit status: 0 on success, 1 when a call failed, 2 on a usage error.`,
		Example: `  bpush --emulator push all --msg "hello"
  bpush --config sdk.conf tags count vip
  cat ids.txt | bpush push batch - --title Sale --description "50% off"
  bpush emulator --addr 127.0.0.1:8088`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       pushsdk.Version,
		PersistentPostRun: func(*cobra.Command, []string) {
			if a.emu != nil {
				a.emu.Close()
			}
		},
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return err })
	f := root.PersistentFlags()
	f.StringVar(&a.configPath, "config", "", "read settings from this sdk.conf (the Python SDK's file)")
	f.StringVar(&a.host, "host", "", "service host or URL (default api.push.baidu.com over https)")
	f.StringVar(&a.apiKey, "apikey", "", "the app's API key")
	f.StringVar(&a.secretKey, "secretkey", "", "the app's secret key")
	f.StringVar(&a.deviceType, "device-type", "", "device type of the app: 3 (android) or 4 (ios)")
	f.DurationVar(&a.timeout, "timeout", 0, "bound the whole command, retries included (e.g. 30s; default none)")
	f.BoolVar(&a.jsonOut, "json", false, "print results as JSON with the service's field names")
	f.BoolVar(&a.useEmu, "emulator", false, "run against an in-process emulator (offline, state is lost on exit)")
	f.BoolVarP(&a.verbose, "verbose", "v", false, "log each HTTP attempt to stderr")
	f.BoolVar(&a.noProgress, "no-progress", false, "no progress bar, even on a terminal")

	root.AddGroup(&cobra.Group{ID: "push", Title: "Pushing:"}, &cobra.Group{ID: "manage", Title: "Tags, timers, topics and reports:"},
		&cobra.Group{ID: "tools", Title: "Tools:"})
	for _, c := range []*cobra.Command{a.pushCommand(), a.statusCommand(), a.campaignCommand()} {
		c.GroupID = "push"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{a.tagsCommand(), a.timersCommand(), a.topicsCommand(), a.statsCommand()} {
		c.GroupID = "manage"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{a.signCommand(), a.emulatorCommand()} {
		c.GroupID = "tools"
		root.AddCommand(c)
	}
	return root
}

// config resolves the settings: --config file, then the environment, then
// flags, each overriding the one before.
func (a *app) config() (*pushsdk.Config, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	if a.host != "" {
		cfg.Host = a.host
	}
	if a.apiKey != "" {
		cfg.APIKey = a.apiKey
	}
	if a.secretKey != "" {
		cfg.SecretKey = a.secretKey
	}
	if a.deviceType != "" {
		dt, err := parseDeviceType(a.deviceType)
		if err != nil {
			return nil, err
		}
		cfg.DeviceType = dt
	}
	return cfg, nil
}

// channel makes the Channel the command talks through.
func (a *app) channel(extra ...pushsdk.Option) (*pushsdk.Channel, error) {
	opts := append([]pushsdk.Option{pushsdk.WithUserAgent("bpush/" + pushsdk.Version)}, extra...)
	if o := a.tel.option(); o != nil {
		opts = append(opts, o)
	}
	if l := a.logger(); l != nil {
		opts = append(opts, pushsdk.WithLogger(l))
	}
	if a.useEmu {
		if a.emu == nil {
			a.emu = pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
		}
		a.target = a.emu.URL + " " + a.emu.APIKey + " " + a.deviceType
		if a.deviceType != "" {
			dt, err := parseDeviceType(a.deviceType)
			if err != nil {
				return nil, err
			}
			opts = append(opts, pushsdk.WithDeviceType(dt))
			if dt != pushsdk.DeviceAndroid {
				return a.emu.NewChannelFor(a.emu.NewApp(dt), opts...)
			}
		}
		return a.emu.NewChannel(opts...)
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	if missing := missingKeys(cfg); missing != "" {
		return nil, fmt.Errorf("no %s: give %s; or try --emulator", missing, a.keyHints(cfg))
	}
	c, err := pushsdk.NewChannelFromConfig(cfg, opts...)
	if err != nil {
		return nil, fail(err)
	}
	a.target = fmt.Sprint(cfg.Host, " ", cfg.APIKey, " ", int(cfg.DeviceType))
	return c, nil
}

// missingKeys names the keys cfg lacks ("API key", "secret key", or both),
// or "".
func missingKeys(cfg *pushsdk.Config) string {
	switch {
	case cfg.APIKey == "" && cfg.SecretKey == "":
		return "API key and no secret key"
	case cfg.APIKey == "":
		return "API key"
	case cfg.SecretKey == "":
		return "secret key"
	}
	return ""
}

// keyHints says where the missing keys can come from: flags, the
// environment, and the sdk.conf given with --config (its keys), or
// --config itself when none was given.
func (a *app) keyHints(cfg *pushsdk.Config) string {
	var hints, conf []string
	if cfg.APIKey == "" {
		hints = append(hints, "--apikey or BAIDU_PUSH_API_KEY")
		conf = append(conf, "apiKey")
	}
	if cfg.SecretKey == "" {
		hints = append(hints, "--secretkey or BAIDU_PUSH_SECRET_KEY")
		conf = append(conf, "secretKey")
	}
	s := strings.Join(hints, ", and ")
	if a.configPath != "" {
		return s + ", or set " + strings.Join(conf, " and ") + " under [SDK] in " + a.configPath
	}
	return s + ", or --config sdk.conf"
}

// ctx bounds a single call with --timeout; it ends at the first signal.
func (a *app) ctx(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	if a.timeout > 0 {
		return context.WithTimeout(cmd.Context(), a.timeout)
	}
	return context.WithCancel(cmd.Context())
}

// callCtx bounds the calls of a fan-out with --timeout; it ends at the
// second signal only, so that the calls under way at the first can finish
// and be reported.
func (a *app) callCtx() (context.Context, context.CancelFunc) {
	if a.timeout > 0 {
		return context.WithTimeout(a.hard, a.timeout)
	}
	return context.WithCancel(a.hard)
}

// logger is the debug logger of --verbose, or nil.
func (a *app) logger() *slog.Logger {
	if !a.verbose {
		return nil
	}
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// note tells what bpush is doing on stderr with --verbose.
func (a *app) note(what string) {
	if a.verbose {
		fmt.Fprintln(a.stderr, "bpush: "+what)
	}
}

// progress returns a function that draws a progress bar of done ids out of
// total on stderr when it is a terminal, and does nothing otherwise.
func (a *app) progress(what string, total int) func(done int) {
	f, ok := a.stderr.(*os.File)
	if a.noProgress || a.jsonOut || !ok || !term.IsTerminal(int(f.Fd())) {
		return func(int) {}
	}
	bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(a.stderr), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
	return func(done int) { _ = bar.Set(done) }
}

// emit prints a result: as JSON with --json, else as the table that
// table() writes.
func (a *app) emit(v any, table func(w io.Writer)) error {
	if a.jsonOut {
		enc := json.NewEncoder(a.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	table(tw)
	return tw.Flush()
}

// printError writes a failure to stderr: the service code, message and
// request id when there are any; as JSON with --json. Text from the server
// is cleaned of control characters first.
func (a *app) printError(err error) {
	var ce *pushsdk.ChannelError
	if !errors.As(err, &ce) {
		if a.jsonOut {
			_ = json.NewEncoder(a.stderr).Encode(map[string]any{"error_msg": clean(err.Error())})
			return
		}
		fmt.Fprintf(a.stderr, "bpush: %s\n", clean(err.Error()))
		return
	}
	msg := clean(errText(ce))
	if a.jsonOut {
		_ = json.NewEncoder(a.stderr).Encode(struct {
			RequestID  int64  `json:"request_id,omitempty"`
			ErrorCode  int    `json:"error_code"`
			ErrorMsg   string `json:"error_msg"`
			HTTPStatus int    `json:"http_status,omitempty"`
		}{ce.RequestID, ce.Code, msg, ce.HTTPStatus})
		return
	}
	fmt.Fprintf(a.stderr, "bpush: error %d: %s", ce.Code, msg)
	if ce.RequestID != 0 {
		fmt.Fprintf(a.stderr, " (request id %d)", ce.RequestID)
	}
	if ce.HTTPStatus != 0 {
		fmt.Fprintf(a.stderr, " [http %d]", ce.HTTPStatus)
	}
	fmt.Fprintln(a.stderr)
	if ce.Code == pushsdk.CodeAuthFailed {
		fmt.Fprintln(a.stderr, "bpush: compare the secret key's md5 fingerprint above with the one of the app's key in the push console "+
			"(bpush sign --explain PATH prints the fingerprint of the key bpush uses, and what it signs)")
	}
}

// unixOrZero renders a time as unix seconds, 0 for none.
func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// when renders a time for tables, in the local zone, with the zone.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}
