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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // the call failed
	exitUsage   = 2 // bad command line
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

// run executes one command line and returns its exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
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
		fmt.Fprintf(stderr, "bpush: %v\nRun 'bpush --help' for usage.\n", err)
	}
	return exitUsage
}
