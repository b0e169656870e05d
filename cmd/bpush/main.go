// Command bpush is a command-line tool over the Baidu Cloud Push REST API
// 3.0 (package pushsdk), and an offline emulator of it (bpush emulator).
//
// Run "bpush --help" for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/bdpush/pushsdk"
)

func main() {
	os.Exit(mainWithSignals())
}

// mainWithSignals runs bpush with SIGINT and SIGTERM handled in two stages.
// The first signal stops what can be stopped without losing track: reading
// input ends, and a fan-out starts no new batch but lets the calls under
// way finish, so that their outcomes are reported and journaled. A second
// signal abandons the calls under way (they are reported as uncertain). A
// third one exits at once. The exit status is then 130 (SIGINT) or 143
// (SIGTERM), after the output files and the journal are written.
func mainWithSignals() int {
	sigs := make(chan os.Signal, 3)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	stop, stopNow := context.WithCancelCause(context.Background())
	hard, hardStop := context.WithCancelCause(context.Background())
	go func() {
		s := <-sigs
		stopNow(&interrupted{s})
		s = <-sigs
		hardStop(&interrupted{s})
		s = <-sigs
		os.Exit((&interrupted{s}).exitCode())
	}()
	return runWith(stop, hard, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// interrupted is the cause of a context ended by a signal.
type interrupted struct{ sig os.Signal }

func (i *interrupted) Error() string { return "interrupted by " + signalName(i.sig) }

func (i *interrupted) exitCode() int {
	if i.sig == syscall.SIGTERM {
		return exitSIGTERM
	}
	return exitSIGINT
}

func signalName(s os.Signal) string {
	if s == syscall.SIGTERM {
		return "SIGTERM"
	}
	return "SIGINT"
}

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1   // a call failed, or an id of a fan-out is not done
	exitUsage   = 2   // bad command line
	exitSIGINT  = 130 // ended by SIGINT (128 + 2)
	exitSIGTERM = 143 // ended by SIGTERM (128 + 15)
)

// failure marks an error of a command that ran (exit status 1); every
// other error is a usage error (exit status 2).
type failure struct{ err error }

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

func fail(err error) error {
	if err == nil {
		return nil
	}
	return &failure{err}
}

func failf(format string, args ...any) error { return fail(fmt.Errorf(format, args...)) }

// runWith executes one command line. stop ends at the first signal, hard at
// the second (see mainWithSignals).
func runWith(stop, hard context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, stop: stop, hard: hard}
	tel, err := newTelemetry(context.Background())
	if err != nil {
		fmt.Fprintf(stderr, "bpush: telemetry (OTEL_* variables): %s\n", clean(err.Error()))
		return exitUsage
	}
	a.tel = tel
	// Whatever ended the run — success, failure, SIGINT or SIGTERM — what
	// the export still buffers is flushed before bpush exits.
	defer func() {
		if err := tel.shutdown(); err != nil {
			fmt.Fprintf(stderr, "bpush: telemetry: %s\n", clean(err.Error()))
		}
	}()
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(stop)
	var in *interrupted
	if err == nil && errors.As(context.Cause(stop), &in) && !a.serves {
		// The command finished what it could after a signal, and wrote its
		// files: it still says it was interrupted.
		return in.exitCode()
	}
	if err == nil {
		return exitOK
	}
	if errors.As(err, &in) || errors.As(context.Cause(stop), &in) || errors.Is(err, context.Canceled) && stop.Err() != nil {
		a.printError(err)
		if in != nil {
			return in.exitCode()
		}
		return exitSIGINT
	}
	// Arguments or configuration the SDK refused are usage errors too.
	var ce *pushsdk.ChannelError
	if errors.As(err, &ce) && (ce.Code == pushsdk.CodeSDKParams || ce.Code == pushsdk.CodeSDKInit) {
		a.printError(ce)
		return exitUsage
	}
	var f *failure
	if errors.As(err, &f) {
		a.printError(f.err)
		return exitFailure
	}
	if a.jsonOut {
		a.printError(err)
	} else {
		fmt.Fprintf(stderr, "bpush: %s\nRun '%s --help' for usage.\n", clean(err.Error()), cmd.CommandPath())
	}
	return exitUsage
}
