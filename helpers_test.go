package pushsdk_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/stretchr/testify/require"
)

const (
	testKey    = "TestApiKey0000000000000A"
	testSecret = "TestSecretKey000000000000000000S"
	// prefix mounts the fake service under a path, so that a client that
	// builds URLs from the host alone fails loudly.
	prefix = "/gateway/baidu"
)

// seen is one request as the fake service received and checked it.
type seen struct {
	Method      string
	Path        string // below /rest/3.0/
	ContentType string
	UserAgent   string
	Form        url.Values
	Problems    []string // what the independent checks found wrong
}

// reply is what the fake service answers.
type reply struct {
	status int
	body   string
}

// fakeService is an httptest server that checks every request the way the
// service does, with an independent signature implementation, records it,
// and answers with what the test's handler says.
type fakeService struct {
	*httptest.Server
	t       *testing.T
	secrets map[string]string // apikey → secret
	handler func(s *seen) reply

	mu   sync.Mutex
	reqs []*seen
}

func newFakeService(t *testing.T, handler func(s *seen) reply) *fakeService {
	t.Helper()
	f := &fakeService{t: t, secrets: map[string]string{testKey: testSecret}, handler: handler}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeService) serve(w http.ResponseWriter, r *http.Request) {
	s := &seen{Method: r.Method, ContentType: r.Header.Get("Content-Type"), UserAgent: r.Header.Get("User-Agent")}
	full := "http://" + r.Host + r.URL.Path
	if !strings.HasPrefix(r.URL.Path, prefix+"/rest/3.0/") {
		s.Problems = append(s.Problems, "path "+r.URL.Path+" lacks the prefix "+prefix+"/rest/3.0/")
	}
	s.Path = strings.TrimPrefix(r.URL.Path, prefix+"/rest/3.0/")
	body, _ := io.ReadAll(r.Body)
	form, err := url.ParseQuery(string(body))
	if err != nil {
		s.Problems = append(s.Problems, "body is not a form: "+err.Error())
	}
	s.Form = form
	if r.Method != http.MethodPost {
		s.Problems = append(s.Problems, "method "+r.Method)
	}
	if r.URL.RawQuery != "" {
		s.Problems = append(s.Problems, "query string "+r.URL.RawQuery)
	}
	if s.ContentType != "application/x-www-form-urlencoded;charset=utf-8" {
		s.Problems = append(s.Problems, "content type "+s.ContentType)
	}
	if !strings.HasPrefix(s.UserAgent, "BCCS_SDK/3.0 ") {
		s.Problems = append(s.Problems, "user agent "+s.UserAgent)
	}
	for k, v := range form {
		if len(v) != 1 {
			s.Problems = append(s.Problems, fmt.Sprintf("parameter %s sent %d times", k, len(v)))
		}
	}
	secret, ok := f.secrets[form.Get("apikey")]
	if !ok {
		s.Problems = append(s.Problems, "unknown apikey "+form.Get("apikey"))
	} else if want := refSign(r.Method, full, form, secret); form.Get("sign") != want {
		s.Problems = append(s.Problems, "sign "+form.Get("sign")+" != "+want)
	}
	for k, v := range form {
		if strings.Contains(k+"="+v[0], secret) {
			s.Problems = append(s.Problems, "the secret key was sent in "+k)
		}
	}
	if ts, err := strconv.ParseInt(form.Get("timestamp"), 10, 64); err != nil || ts < time.Now().Unix()-600 || ts > time.Now().Unix()+600 {
		s.Problems = append(s.Problems, "timestamp "+form.Get("timestamp"))
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, s)
	f.mu.Unlock()
	rep := reply{200, `{"request_id":1,"response_params":{}}`}
	if f.handler != nil {
		rep = f.handler(s)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.body)
}

// requests returns what was received so far.
func (f *fakeService) requests() []*seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*seen(nil), f.reqs...)
}

// only returns the single request received, and fails the test unless
// exactly one came and it passed every check.
func (f *fakeService) only() *seen {
	f.t.Helper()
	reqs := f.requests()
	require.Len(f.t, reqs, 1, "requests received")
	require.Empty(f.t, reqs[0].Problems, "wire problems")
	return reqs[0]
}

// channel returns a Channel aimed at the fake service, without retries.
func (f *fakeService) channel(opts ...pushsdk.Option) *pushsdk.Channel {
	f.t.Helper()
	opts = append([]pushsdk.Option{pushsdk.WithHost(f.URL + prefix), pushsdk.WithRetry(pushsdk.RetryPolicy{})}, opts...)
	c, err := pushsdk.NewChannel(testKey, testSecret, opts...)
	require.NoError(f.t, err)
	return c
}

// params returns the form without the common parameters that vary
// (apikey, timestamp, sign), for exact comparison.
func params(s *seen) map[string]string {
	out := map[string]string{}
	for k, v := range s.Form {
		switch k {
		case "apikey", "timestamp", "sign":
		default:
			out[k] = v[0]
		}
	}
	return out
}

func ok(params string) reply {
	return reply{200, `{"request_id":987654321012,"response_params":` + params + `}`}
}

func ctx(t *testing.T) context.Context { return t.Context() }

// fieldsOf returns the names of the bad fields of a validation error, in
// the order they were found.
func fieldsOf(ve *pushsdk.ValidationError) []string {
	out := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		out[i] = p.Field
	}
	return out
}

// rejectedIDs lists the ids the service answered with result 1 in a call
// that succeeded.
func rejectedIDs(r *pushsdk.DeviceResults) []string {
	var out []string
	for _, d := range r.Devices {
		if d.Err == nil && !d.OK {
			out = append(out, d.ChannelID)
		}
	}
	return out
}
