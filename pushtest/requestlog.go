package pushtest

import (
	"net/url"
	"time"
)

// Request is one request as the emulator received and answered it. Only a
// request that passed authentication has its parameters kept; one that did
// not keeps a Note of why.
type Request struct {
	Time       time.Time  // emulator time of arrival
	Method     string     // "POST" or "GET"
	Path       string     // URL path, e.g. "/rest/3.0/push/all"
	Params     url.Values // every parameter, sign included (secretKey masked); nil when authentication failed
	Note       string     // why authentication failed, or ""
	UserAgent  string     // at most 256 bytes
	RemoteAddr string
	Status     int   // HTTP status answered
	Code       int   // service error code answered; 0 on success
	RequestID  int64 // request_id answered (0 for a dropped connection)
}

// size is about what a Request holds in memory.
func (r *Request) size() int64 {
	n := 200 + len(r.Method) + len(r.Path) + len(r.Note) + len(r.UserAgent) + len(r.RemoteAddr)
	for k, vs := range r.Params {
		n += len(k) + 40
		for _, v := range vs {
			n += len(v) + 16
		}
	}
	return int64(n)
}

// record keeps r in the request log, dropping the oldest entries beyond
// the log's size in entries and in bytes.
func (e *Emulator) record(r Request) {
	if e.cfg.recordLimit == 0 || e.cfg.recordBytes == 0 {
		return
	}
	size := r.size()
	e.mu.Lock()
	defer e.mu.Unlock()
	if size > e.cfg.recordBytes {
		r.Params, r.Note = nil, "too large to keep"
		size = r.size()
	}
	e.records = append(e.records, r)
	e.recBytes += size
	for len(e.records)-e.recHead > e.cfg.recordLimit || e.recBytes > e.cfg.recordBytes {
		e.recBytes -= e.records[e.recHead].size()
		e.records[e.recHead] = Request{}
		e.recHead++
	}
	if e.recHead > len(e.records)/2 && e.recHead > 64 {
		e.records = append(e.records[:0], e.records[e.recHead:]...)
		e.recHead = 0
	}
}

// Requests returns the requests received so far, oldest first: the last
// ones, within the log's size (see [WithRequestLog]).
func (e *Emulator) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Request(nil), e.records[e.recHead:]...)
}

// RequestsTo returns the recorded requests to one endpoint, named by its
// path below /rest/3.0/ ("push/all").
func (e *Emulator) RequestsTo(path string) []Request {
	var out []Request
	for _, r := range e.Requests() {
		if r.Path == apiPrefix+path {
			out = append(out, r)
		}
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (e *Emulator) ResetRequests() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.records, e.recHead, e.recBytes = nil, 0, 0
}
