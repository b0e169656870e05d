package pushtest

import (
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

// apply turns the fault into the answer; done is false for a pure delay,
// after which the request is answered normally.
func (f *Fault) apply(rid int64) (ans answer, done bool) {
	if f.Delay > 0 {
		time.Sleep(f.Delay)
	}
	switch {
	case f.Drop:
		return answer{drop: true}, true
	case f.Code != 0:
		return errorAnswer(rid, &apiError{code: f.Code, detail: "injected fault"}), true
	case f.Status != 0:
		if f.Body != "" {
			return answer{status: f.Status, body: []byte(f.Body)}, true
		}
		text := strconv.Itoa(f.Status) + " " + http.StatusText(f.Status)
		body := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text +
			"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
		return answer{status: f.Status, body: []byte(body), html: true}, true
	}
	return answer{}, false
}
