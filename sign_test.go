package pushsdk_test

import (
	"crypto/md5"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bdpush/pushsdk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refURLEncode is an independent, deliberately naive PHP urlencode: it
// looks every byte up in the literal set of characters PHP leaves alone.
func refURLEncode(s string) string {
	const keep = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case strings.IndexByte(keep, c) >= 0:
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// refSign is an independent implementation of the signature (docs/PROTOCOL.md, "Signature").
func refSign(method, fullURL string, form url.Values, secret string) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		if k != "sign" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	s := strings.ToUpper(method) + fullURL
	for _, k := range keys {
		for _, v := range form[k] {
			s += k + "=" + v
		}
	}
	s += secret
	return fmt.Sprintf("%x", md5.Sum([]byte(refURLEncode(s))))
}

func TestSignKnownAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, method, url, secret string
		params                    url.Values
		want                      string
	}{
		{
			name: "public vector", method: "POST", url: "http://api.tuisong.baidu.com/rest/3.0/push/all",
			secret: "qQ1h43yGQYG6H6mYgSPizDuCmtbMj6Ld",
			params: url.Values{
				"apikey": {"tf9G7QicWAh2aEGFlrI1Ohyb"}, "timestamp": {"1447401600"}, "device_type": {"3"},
				"msg": {`{"title":"hello","description":"test"}`}, "msg_expires": {"3600"}, "msg_type": {"1"},
			},
			want: "f462b3fdac8b92d28bc52fc47c54f56e",
		},
		{
			name: "non-ASCII, space, tilde, star", method: "POST", url: "https://api.push.baidu.com/rest/3.0/push/tags",
			secret: "DevSecretForSpec000000000000000B",
			params: url.Values{
				"apikey": {"DevKeyForSpec0000000000A"}, "timestamp": {"1700000000"}, "type": {"1"},
				"tag": {"beta testers"}, "msg_type": {"1"}, "device_type": {"3"},
				"msg": {`{"title":"新版本 ~ v2.0*","description":"点击查看 (更新)!"}`},
			},
			want: "466817cdf3d4c6470c76fbc01efafa63",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, pushsdk.Sign(tc.method, tc.url, tc.params, tc.secret))
			assert.Equal(t, tc.want, refSign(tc.method, tc.url, tc.params, tc.secret), "the reference implementation must agree with the spec too")
			// A sign parameter already present is ignored; the method is upper-cased.
			withSign := url.Values{"sign": {"deadbeef"}}
			for k, v := range tc.params {
				withSign[k] = v
			}
			assert.Equal(t, tc.want, pushsdk.Sign(strings.ToLower(tc.method), tc.url, withSign, tc.secret))
			// A query string on the URL is not part of U.
			assert.Equal(t, tc.want, pushsdk.Sign(tc.method, tc.url+"?x=1", tc.params, tc.secret))
		})
	}
}

func TestSignGoldenEdgeCases(t *testing.T) {
	t.Parallel()
	// Each vector's expectation is computed by hand from the algorithm's
	// canonical string, so that a change in ordering, encoding or joining
	// breaks exactly one visible line.
	cases := []struct {
		name   string
		params url.Values
		canon  string // B without the secret
	}{
		{"empty value", url.Values{"a": {""}, "b": {"x"}}, "a=b=x"},
		{"byte order, upper before lower", url.Values{"b": {"1"}, "B": {"2"}, "a_": {"3"}, "a": {"4"}}, "B=2a=4a_=3b=1"},
		{"reserved characters", url.Values{"msg": {"a+b&c=d%e/f?g#h~i*j'k(l)m!"}}, "msg=a+b&c=d%e/f?g#h~i*j'k(l)m!"},
		{"spaces and tabs", url.Values{"m": {" x \t y "}}, "m= x \t y "},
		{"emoji and CJK", url.Values{"m": {"推送 🚀"}}, "m=推送 🚀"},
		{"repeated key keeps order", url.Values{"k": {"2", "1"}}, "k=2k=1"},
	}
	const u, secret = "http://127.0.0.1:8088/rest/3.0/app/query_tags", "s3cr3t"
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := fmt.Sprintf("%x", md5.Sum([]byte(refURLEncode("POST"+u+tc.canon+secret))))
			assert.Equal(t, want, pushsdk.Sign("POST", u, tc.params, secret))
		})
	}
}

func TestPHPURLEncodeMatchesReferenceOnRandomStrings(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("aZ09-_.~*' +&=%/?#!()\t\n\x00\x7f中文ü€🚀\u00a0\ufffd")
	for i := 0; i < 5000; i++ {
		var b strings.Builder
		n := rng.IntN(40)
		for j := 0; j < n; j++ {
			if rng.IntN(3) == 0 {
				b.WriteRune(alphabet[rng.IntN(len(alphabet))])
			} else {
				b.WriteRune(rune(rng.IntN(0x2FFFF)))
			}
		}
		s := strings.ToValidUTF8(b.String(), "?")
		require.True(t, utf8.ValidString(s))
		require.Equal(t, refURLEncode(s), pushsdk.PHPURLEncodeForTest(s), "input %q", s)
	}
}

func TestSignMatchesReferenceOnRandomParams(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	randString := func() string {
		var b strings.Builder
		for j := rng.IntN(20); j > 0; j-- {
			b.WriteRune(rune(0x20 + rng.IntN(0x3000)))
		}
		return strings.ToValidUTF8(b.String(), "")
	}
	for i := 0; i < 1000; i++ {
		form := url.Values{}
		for j := rng.IntN(8); j >= 0; j-- {
			form.Set(randString()+"k", randString())
		}
		u := "http://h:1/rest/3.0/" + strings.NewReplacer("?", "", "#", "").Replace(randString())
		secret := randString()
		require.Equal(t, refSign("POST", u, form, secret), pushsdk.Sign("POST", u, form, secret))
	}
}

func FuzzPHPURLEncode(f *testing.F) {
	for _, s := range []string{"", "abc", "a b", "~*", "中", "\x00\xff", "%2A+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := pushsdk.PHPURLEncodeForTest(s), refURLEncode(s); got != want {
			t.Fatalf("PHPURLEncode(%q) = %q, want %q", s, got, want)
		}
		// Decoding the encoding gives the input back.
		back, err := url.QueryUnescape(pushsdk.PHPURLEncodeForTest(s))
		if err != nil || back != s {
			t.Fatalf("QueryUnescape(PHPURLEncode(%q)) = %q, %v", s, back, err)
		}
	})
}

func FuzzSign(f *testing.F) {
	f.Add("POST", "http://h/rest/3.0/push/all", "msg", "hello 中", "secret")
	f.Add("get", "https://x:8/p?q", "a~", "*", "")
	f.Fuzz(func(t *testing.T, method, u, k, v, secret string) {
		if k == "sign" {
			return
		}
		form := url.Values{k: {v}, "apikey": {"key"}}
		ref := refSign(method, strings.SplitN(strings.SplitN(u, "?", 2)[0], "#", 2)[0], form, secret)
		if got := pushsdk.Sign(method, u, form, secret); got != ref {
			t.Fatalf("Sign = %s, reference %s", got, ref)
		}
	})
}
