package pushtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/require"
)

// phpEncode is an independent PHP urlencode, written from docs/PROTOCOL.md ("Signature").
func phpEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// sign is the tests' own implementation of the signature (docs/PROTOCOL.md,
// "Signature"), independent of the SDK and the emulator.
func sign(method, u string, params map[string]string, secret string) string {
	return mistaken{}.sign(method, u, params, secret) // no mistake: the protocol's algorithm
}

// raw drives the emulator with hand-made HTTP requests.
type raw struct {
	t           *testing.T
	srv         *pushtest.Server
	key, secret string
}

func newRaw(t *testing.T, opts ...pushtest.Option) *raw {
	t.Helper()
	srv := pushtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return &raw{t: t, srv: srv, key: srv.APIKey, secret: srv.SecretKey}
}

// req describes one request; zero fields get sensible defaults.
type req struct {
	method    string            // POST
	path      string            // below /rest/3.0/
	params    map[string]string // endpoint parameters
	timestamp int64             // 0: the emulator's now
	noCommon  bool              // send params exactly as given, unsigned
	secret    string            // sign with this secret instead
	ua        *string           // nil: a BCCS_SDK/3.0 agent
	tamper    func(form url.Values)
	signURL   string // sign over this URL instead of the one addressed
	ctype     string
	// signer signs instead of sign, for requests signed the wrong way.
	signer func(method, u string, params map[string]string, secret string) string
	order  []string // the body's keys in this order (default: sorted)
}

// reply is a decoded answer.
type reply struct {
	status int
	body   string
	env    map[string]any
}

func (r reply) code() int {
	if c, ok := r.env["error_code"].(float64); ok {
		return int(c)
	}
	return 0
}

func (r reply) params() map[string]any {
	p, _ := r.env["response_params"].(map[string]any)
	return p
}

func (r reply) msg() string { s, _ := r.env["error_msg"].(string); return s }

func (c *raw) do(q req) reply {
	c.t.Helper()
	if q.method == "" {
		q.method = http.MethodPost
	}
	p := map[string]string{}
	for k, v := range q.params {
		p[k] = v
	}
	u := c.srv.URL + "/rest/3.0/" + q.path
	if !q.noCommon {
		ts := q.timestamp
		if ts == 0 {
			ts = c.srv.Now().Unix()
		}
		if _, ok := p["apikey"]; !ok {
			p["apikey"] = c.key
		}
		p["timestamp"] = strconv.FormatInt(ts, 10)
		secret := c.secret
		if q.secret != "" {
			secret = q.secret
		}
		signURL := u
		if q.signURL != "" {
			signURL = q.signURL
		}
		signer := sign
		if q.signer != nil {
			signer = q.signer
		}
		p["sign"] = signer(q.method, signURL, without(p, "sign"), secret)
	}
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	if q.tamper != nil {
		q.tamper(form)
	}
	encoded := form.Encode()
	if q.order != nil {
		var parts []string
		for _, k := range q.order {
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(form.Get(k)))
		}
		encoded = strings.Join(parts, "&")
	}
	var hr *http.Request
	var err error
	if q.method == http.MethodGet {
		hr, err = http.NewRequest(q.method, u+"?"+encoded, nil)
	} else {
		hr, err = http.NewRequest(q.method, u, strings.NewReader(encoded))
		ct := "application/x-www-form-urlencoded;charset=utf-8"
		if q.ctype != "" {
			ct = q.ctype
		}
		hr.Header.Set("Content-Type", ct)
	}
	require.NoError(c.t, err)
	ua := "BCCS_SDK/3.0 (test) raw"
	if q.ua != nil {
		ua = *q.ua
	}
	hr.Header.Set("User-Agent", ua)
	resp, err := http.DefaultClient.Do(hr)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	out := reply{status: resp.StatusCode, body: string(body)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(c.t, json.Unmarshal(body, &out.env), "body %s", body)
		checkServiceJSON(c.t, body)
		_, hasRID := out.env["request_id"]
		require.True(c.t, hasRID, "every answer has a request_id: %s", body)
	}
	return out
}

func without(m map[string]string, key string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// checkServiceJSON checks the service's JSON conventions: ASCII only, / as
// \/, request_id a number.
func checkServiceJSON(t *testing.T, body []byte) {
	t.Helper()
	for i, c := range body {
		require.Less(t, c, byte(0x80), "non-ASCII byte at %d in %s", i, body)
		if c == '/' {
			require.True(t, i > 0 && body[i-1] == '\\', "unescaped / in %s", body)
		}
	}
	require.Regexp(t, `^\{"request_id":\d+[,}]`, string(body))
}

// ok calls and requires success, returning response_params.
func (c *raw) ok(path string, params map[string]string) map[string]any {
	c.t.Helper()
	r := c.do(req{path: path, params: params})
	require.Equal(c.t, 200, r.status, "%s: %s", path, r.body)
	require.Zero(c.t, r.code(), r.body)
	return r.params()
}

// fail calls and requires the given error code and its HTTP status.
func (c *raw) fail(q req, code, status int) reply {
	c.t.Helper()
	r := c.do(q)
	require.Equal(c.t, code, r.code(), "%s: %s", q.path, r.body)
	require.Equal(c.t, status, r.status, "%s: %s", q.path, r.body)
	return r
}

func str(v any) string {
	s, ok := v.(string)
	if !ok {
		panic(fmt.Sprintf("%v (%T) is not a JSON string", v, v))
	}
	return s
}

func num(v any) int64 {
	f, ok := v.(float64)
	if !ok {
		panic(fmt.Sprintf("%v (%T) is not a JSON number", v, v))
	}
	return int64(f)
}

func list(v any) []any {
	l, ok := v.([]any)
	if !ok {
		panic(fmt.Sprintf("%v (%T) is not a JSON array", v, v))
	}
	return l
}

func obj(v any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		panic(fmt.Sprintf("%v (%T) is not a JSON object", v, v))
	}
	return m
}

func ptr(s string) *string { return &s }
