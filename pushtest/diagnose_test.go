package pushtest_test

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/bdpush/pushsdk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mistaken is the tests' own implementation of the signature, with one
// step changed the way a faulty client would; the zero value changes
// nothing and signs as the protocol says.
type mistaken struct {
	encode     func(string) string // instead of PHP's urlencode
	method     string              // signed method, when not the one sent
	url        string              // signed URL, when not the one requested
	skip       string              // a parameter left out
	timestamp  func(string) string // the signed timestamp
	unsorted   []string            // sign in this key order
	encodeVals bool
	noSecret   bool
	upper      bool
}

func (m mistaken) sign(method, u string, params map[string]string, secret string) string {
	if m.method != "" {
		method = m.method
	}
	if m.url != "" {
		u = m.url
	}
	keys := m.unsorted
	if keys == nil {
		for k := range params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
	}
	var b strings.Builder
	b.WriteString(method + u)
	for _, k := range keys {
		if k == m.skip {
			continue
		}
		v := params[k]
		if k == "timestamp" && m.timestamp != nil {
			v = m.timestamp(v)
		}
		if m.encodeVals {
			v = url.QueryEscape(v)
		}
		b.WriteString(k + "=" + v)
	}
	if !m.noSecret {
		b.WriteString(secret)
	}
	enc := phpEncode
	if m.encode != nil {
		enc = m.encode
	}
	s := fmt.Sprintf("%x", md5.Sum([]byte(enc(b.String()))))
	if m.upper {
		s = strings.ToUpper(s)
	}
	return s
}

// TestSignatureMistakesAreNamed signs requests with each usual client
// mistake; the 30603 names it.
func TestSignatureMistakesAreNamed(t *testing.T) {
	t.Parallel()
	c := newRaw(t, frozen())
	other := c.srv.NewApp(pushsdk.DeviceAndroid)
	msg := map[string]string{"msg": "new ~ v2.0 / 50% off"}
	tildeSafe := func(s string) string { return strings.ReplaceAll(phpEncode(s), "%7E", "~") }
	space20 := func(s string) string { return strings.ReplaceAll(phpEncode(s), "+", "%20") }
	lowerHex := func(s string) string {
		return strings.NewReplacer("%2F", "%2f", "%3A", "%3a", "%3D", "%3d", "%25", "%25", "%7E", "%7e").Replace(phpEncode(s))
	}
	https := strings.Replace(c.srv.URL, "http://", "https://", 1) + "/rest/3.0/push/all"
	host := "http://api.push.baidu.com/rest/3.0/push/all"
	noPrefix := c.srv.URL + "/push/all"
	ms := func(ts string) string { n, _ := strconv.ParseInt(ts, 10, 64); return strconv.FormatInt(n*1000, 10) }

	cases := []struct {
		name   string
		m      mistaken
		params map[string]string
		order  []string
		want   string
	}{
		{"tilde unencoded", mistaken{encode: tildeSafe}, msg, nil, `"~" was left unencoded`},
		{"spaces as %20", mistaken{encode: space20}, map[string]string{"msg": "a b"}, nil, "spaces were encoded as %20"},
		{"rawurlencode", mistaken{encode: func(s string) string {
			return strings.ReplaceAll(strings.ReplaceAll(phpEncode(s), "+", "%20"), "%7E", "~")
		}}, msg, nil, "rawurlencode style"},
		{"lower-case hex", mistaken{encode: lowerHex}, map[string]string{"msg": "a/b"}, nil, "lower-case hex"},
		{"values encoded first", mistaken{encodeVals: true}, map[string]string{"msg": "a b&c"}, nil, "URL-encoded before they were signed"},
		{"secret left out", mistaken{noSecret: true}, msg, nil, "secret key was left out"},
		{"secret sent, not signed", mistaken{skip: "secretKey"}, map[string]string{"msg": "m", "secretKey": c.secret}, nil, `"secretKey" holds the secret key and was not signed`},
		{"parameter not signed", mistaken{skip: "msg_expires"}, map[string]string{"msg": "m", "msg_expires": "60"}, nil, `"msg_expires" was sent but not signed`},
		{"milliseconds", mistaken{timestamp: ms}, msg, nil, "timestamp was signed in milliseconds"},
		{"https signed", mistaken{url: https}, msg, nil, "the signed URL was " + https},
		{"another host", mistaken{url: host}, msg, nil, "the signed URL was " + host},
		{"another path", mistaken{url: noPrefix}, msg, nil, "the signed URL was " + noPrefix},
		{"unsorted", mistaken{unsorted: []string{"timestamp", "msg", "apikey"}}, map[string]string{"msg": "m"}, []string{"timestamp", "msg", "apikey", "sign"},
			"signed in the order they were sent"},
		{"another method", mistaken{method: "GET"}, msg, nil, "signed as GET but sent as POST"},
		{"upper-case signature", mistaken{upper: true}, msg, nil, "upper-case hex"},
	}
	for _, tc := range cases {
		q := req{path: "push/all", params: tc.params, signer: tc.m.sign, order: tc.order}
		r := c.fail(q, pushsdk.CodeAuthFailed, 403)
		assert.Contains(t, r.msg(), tc.want, tc.name)
		assert.Contains(t, r.msg(), "bpush sign --explain", tc.name)
		assert.NotContains(t, r.body, c.secret, tc.name)
	}
	// The secret key of another app.
	r := c.fail(req{path: "push/all", params: msg, secret: other.SecretKey}, pushsdk.CodeAuthFailed, 403)
	assert.Contains(t, r.msg(), "secret key of another app (apikey "+other.APIKey+")")
	assert.NotContains(t, r.body, other.SecretKey)
	// Something else entirely: no guess.
	r = c.fail(req{path: "push/all", params: msg, secret: "no app has this secret"}, pushsdk.CodeAuthFailed, 403)
	sum := md5.Sum([]byte(c.secret))
	assert.Equal(t, "Authentication Failed, signature mismatch: no usual signing mistake explains it, so the secret key most likely "+
		"does not belong to this API key (a typo, or another app's key): compare its md5 fingerprint, which bpush sign --explain prints, "+
		"with this app's: md5 "+hex.EncodeToString(sum[:4]), r.msg())
	// The request log keeps the cause, not the parameters.
	last := c.srv.Requests()[len(c.srv.Requests())-1]
	assert.Nil(t, last.Params)
	assert.Contains(t, last.Note, "signature mismatch")

	// A timestamp in milliseconds, signed and sent as such, is named too.
	r = c.fail(req{path: "push/all", params: msg, timestamp: c.srv.Now().UnixMilli()}, pushsdk.CodeRequestExpired, 408)
	assert.Contains(t, r.msg(), "is in milliseconds")
	require.NotEmpty(t, r.body)
}
