package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bdpush/pushsdk"
)

// Caps on what bpush reads, so that a wrong file (/dev/zero, a log) fails
// fast instead of filling memory.
const (
	maxIDsBytes  = 256 << 20 // an id list: ~12 million ids
	maxIDLine    = 1024      // one line of an id list
	maxMsgBytes  = 64 << 10  // a message file (the service takes 4 KB)
	maxChannelID = 64        // digits of a channel id
)

// interruptibly runs f and returns its result, or the stop context's cause
// as soon as a first SIGINT or SIGTERM arrives: a read from a terminal or a
// pipe that never ends does not hold the command. f must not touch shared
// state; it runs on, unobserved, until the process exits.
func interruptibly[T any](stop context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-stop.Done():
		var zero T
		return zero, context.Cause(stop)
	}
}

// readIDs collects channel ids from arguments, where "-" reads stdin, and
// from --ids-file. A list has one id per line; blank lines and # comments
// are skipped, a UTF-8 byte order mark and CRLF line ends are accepted, and
// a line that is not a channel id is an error that names the file and line.
func (a *app) readIDs(args []string, file string) ([]string, error) {
	var ids []string
	for _, arg := range args {
		if arg != "-" {
			ids = append(ids, arg)
			continue
		}
		a.note("reading channel ids from stdin, one per line, until end of input")
		got, err := interruptibly(a.stop, func() ([]string, error) { return readIDList(a.stdin, "stdin") })
		if err != nil {
			return nil, err
		}
		ids = append(ids, got...)
	}
	if file != "" {
		a.note("reading channel ids from " + file)
		got, err := interruptibly(a.stop, func() ([]string, error) {
			f, err := os.Open(file)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return readIDList(f, file)
		})
		if err != nil {
			return nil, err
		}
		ids = append(ids, got...)
	}
	if len(ids) == 0 {
		return nil, errors.New("no channel ids: give them as arguments, - for stdin, or --ids-file")
	}
	return ids, nil
}

// readIDList reads one id list; name is the file's name for errors.
func readIDList(r io.Reader, name string) ([]string, error) {
	var ids []string
	for id, err := range idLines(&io.LimitedReader{R: r, N: maxIDsBytes + 1}, name, maxIDsBytes) {
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// idLines reads an id list as a stream: one id per line; blank lines and
// # comments are skipped, a UTF-8 byte order mark and CRLF line ends are
// accepted, and a line that is not a channel id ends the list with an
// error that names the file and line. limit > 0 is the size of r (a
// LimitedReader) beyond which the list is refused.
func idLines(r io.Reader, name string, limit int64) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 4096), maxIDLine)
		n := 1
		for ; sc.Scan(); n++ {
			line := sc.Bytes()
			if n == 1 {
				line = bytes.TrimPrefix(line, []byte("\uFEFF"))
			}
			s := strings.TrimSpace(string(line))
			if s == "" || s[0] == '#' {
				continue
			}
			if !isChannelID(s) {
				yield("", fmt.Errorf("%s:%d: %s is not a channel id (1–%d digits)", name, n, quoteShort(s), maxChannelID))
				return
			}
			if !yield(s, nil) {
				return
			}
		}
		switch err := sc.Err(); {
		case errors.Is(err, bufio.ErrTooLong):
			yield("", fmt.Errorf("%s:%d: line longer than %d bytes; not a list of channel ids", name, n, maxIDLine))
		case err != nil:
			yield("", fmt.Errorf("reading %s: %w", name, err))
		case limit > 0:
			if lr, ok := r.(*io.LimitedReader); ok && lr.N <= 0 {
				yield("", fmt.Errorf("%s: larger than %d MiB", name, limit>>20))
			}
		}
	}
}

func isChannelID(s string) bool {
	if len(s) == 0 || len(s) > maxChannelID {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// readMessage reads --msg-file (- for stdin), at most maxMsgBytes.
func (a *app) readMessage(path string) (string, error) {
	return interruptibly(a.stop, func() (string, error) {
		var r io.Reader = a.stdin
		if path != "-" {
			f, err := os.Open(path)
			if err != nil {
				return "", err
			}
			defer f.Close()
			r = f
		}
		data, err := io.ReadAll(io.LimitReader(r, maxMsgBytes+1))
		if err != nil {
			return "", err
		}
		if len(data) > maxMsgBytes {
			return "", fmt.Errorf("--msg-file %s: larger than %d KiB (the service takes 4 KB)", path, maxMsgBytes>>10)
		}
		data = bytes.TrimPrefix(data, []byte("\uFEFF"))
		return strings.TrimRight(string(data), "\r\n"), nil
	})
}

// loadConfig reads --config and the environment, interruptibly.
func (a *app) loadConfig() (*pushsdk.Config, error) {
	return interruptibly(a.stop, func() (*pushsdk.Config, error) { return pushsdk.LoadConfig(a.configPath) })
}

// dedup drops repeated ids, keeping the order of first appearance, as the
// SDK's fan-outs do.
func dedup(ids []string) []string {
	seen := make(map[string]struct{}, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, ok := seen[id]; !ok {
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	return out
}

// clean makes text from elsewhere (a server, a file) safe for a terminal:
// control characters and bidirectional overrides become spaces, invalid
// UTF-8 becomes U+FFFD.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

func quoteShort(s string) string {
	if len(s) > 40 {
		cut := 40
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strconv.Quote(s)
}
