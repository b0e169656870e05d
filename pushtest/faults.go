package pushtest

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is a failure to inject into the next calls of an endpoint; see
// [Emulator.FailNext]. Exactly one of Code, Status and Drop is normally
// set; Delay may be combined with any of them, or used alone to slow the
// answers down.
type Fault struct {
	// Code answers with this service error code, its HTTP status and
	// phrase (e.g. 30600, 30699).
	Code int
	// Status answers with this HTTP status and an HTML gateway page, or
	// with Body when it is set.
	Status int
	// Body replaces the body of a Status answer (e.g. truncated JSON).
	Body string
	// Drop closes the connection without an answer (a reset).
	Drop bool
	// Delay waits this long before answering or failing.
	Delay time.Duration
	// AfterProcessing lets the call take effect (a push is delivered, a tag
	// created) before the answer is replaced by the fault: the case where
	// a client must not retry. Without it the call is refused untouched.
	AfterProcessing bool
}

type faultEntry struct {
	Fault
	left int
}

// FailNext makes the next n calls to an endpoint fail with f. path is the
// endpoint below /rest/3.0/ ("push/batch_device"), or "*" for every
// endpoint. Faults queue per path in the order given; a path's own faults
// come before "*" faults.
func (e *Emulator) FailNext(path string, n int, f Fault) {
	if n <= 0 {
		return
	}
	path = strings.TrimPrefix(path, "/rest/3.0/")
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults[path] = append(e.faults[path], &faultEntry{Fault: f, left: n})
}

// ClearFaults drops every pending fault.
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.faults)
}

func (e *Emulator) takeFault(path string) *Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, key := range []string{path, "*"} {
		q := e.faults[key]
		if len(q) == 0 {
			continue
		}
		f := q[0].Fault
		q[0].left--
		if q[0].left == 0 {
			e.faults[key] = q[1:]
		}
		return &f
	}
	return nil
}

// apply carries the fault out; done is false for a pure delay, after which
// the request is answered normally.
func (f *Fault) apply(w http.ResponseWriter, rid int64) (ans answer, done bool) {
	if f.Delay > 0 {
		time.Sleep(f.Delay)
	}
	switch {
	case f.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // a reset, not a clean close
				}
				_ = conn.Close()
				return answer{}, true
			}
		}
		panic(http.ErrAbortHandler) // HTTP/2 or a recorder: abort the stream
	case f.Code != 0:
		return writeError(w, rid, &apiError{code: f.Code, detail: "injected fault"}), true
	case f.Status != 0:
		body := f.Body
		if body == "" {
			body = "<html>\r\n<head><title>" + strconv.Itoa(f.Status) + " " + http.StatusText(f.Status) +
				"</title></head>\r\n<body>\r\n<center><h1>" + strconv.Itoa(f.Status) + " " + http.StatusText(f.Status) +
				"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
			w.Header().Set("Content-Type", "text/html")
		}
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, body)
		return answer{status: f.Status}, true
	}
	return answer{}, false
}
