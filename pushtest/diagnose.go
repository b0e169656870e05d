package pushtest

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// A signature that does not match is most often one of a few client
// mistakes. When one happens, the emulator signs the request again the
// mistaken way; the mistake that gives the client's signature is named in
// the 30603's error_msg and in the log. Only the emulator's own test keys
// are ever used, and no secret is ever shown.
//
// The list (pushsdk's SignatureExplanation and `bpush sign --explain`
// document the same one):
//
//   - "~" left unencoded (Go's url.QueryEscape, Python 3's quote_plus);
//   - spaces encoded as %20 instead of + (rawurlencode, quote);
//   - lower-case hex in the %XX escapes;
//   - values URL-encoded before signing, or left out of the encoding;
//   - a parameter sent but not signed (the official Python SDK's
//     secretKey), or the secret key left out of the signed string;
//   - a timestamp signed in milliseconds, or signed as another value than
//     the one sent;
//   - http instead of https (or back), another host or port, or another
//     path in the signed URL;
//   - parameters signed in the order sent, not sorted by key;
//   - another method (GET for POST, or lower case);
//   - the secret key of another app;
//   - the signature in upper-case hex.

// fingerprint is the first eight hex digits of a secret key's MD5, as
// pushsdk's SignatureExplanation shows them: enough to tell two keys
// apart, nothing to sign with.
func fingerprint(secret string) string {
	sum := md5.Sum([]byte(secret))
	return hex.EncodeToString(sum[:4])
}

// maxDiagnosedBytes bounds the requests the emulator diagnoses: trying
// each mistake signs the request again some 60 times.
const maxDiagnosedBytes = 64 << 10

// pair is one parameter in the order the client sent it.
type pair struct{ key, val string }

// orderedPairs parses a form or query string, keeping the order.
func orderedPairs(raw string) []pair {
	var out []pair
	for _, kv := range strings.Split(raw, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil
		}
		out = append(out, pair{k, v})
	}
	return out
}

// encoding is a way to urlencode the signed string.
type encoding struct {
	tildeSafe, space20, lowerHex bool
}

func (enc encoding) encode(s string) string {
	const upper, lower = "0123456789ABCDEF", "0123456789abcdef"
	hexDigits := upper
	if enc.lowerHex {
		hexDigits = lower
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
			b.WriteByte(c)
		case c == '~' && enc.tildeSafe:
			b.WriteByte(c)
		case c == ' ' && !enc.space20:
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// variant is one way to sign a request.
type variant struct {
	method, url string
	pairs       []pair // in signing order
	secret      string
	enc         encoding
	encodeVals  bool // values URL-encoded before they were joined
	noSecret    bool
}

func (v variant) sign() string {
	var b strings.Builder
	b.WriteString(v.method)
	b.WriteString(v.url)
	for _, p := range v.pairs {
		b.WriteString(p.key)
		b.WriteByte('=')
		if v.encodeVals {
			b.WriteString(url.QueryEscape(p.val))
		} else {
			b.WriteString(p.val)
		}
	}
	if !v.noSecret {
		b.WriteString(v.secret)
	}
	sum := md5.Sum([]byte(v.enc.encode(b.String())))
	return hex.EncodeToString(sum[:])
}

// diagnose returns the mistake that explains sent, the signature a client
// sent for r, or "" when none of the usual ones does. raw is the request's
// form or query string; secret the app's; others the secret keys of the
// other apps, by API key.
func diagnose(r *http.Request, raw, sent, secret string, others map[string]string) string {
	if len(raw) > maxDiagnosedBytes {
		return ""
	}
	pairs := orderedPairs(raw)
	if pairs == nil {
		return ""
	}
	var signed []pair // every parameter but sign, as sent
	for _, p := range pairs {
		if p.key != "sign" {
			signed = append(signed, p)
		}
	}
	sorted := slices.Clone(signed)
	slices.SortStableFunc(sorted, func(a, b pair) int { return strings.Compare(a.key, b.key) })
	base := variant{method: r.Method, url: signedURL(r), pairs: sorted, secret: secret}
	if strings.EqualFold(sent, base.sign()) {
		return "the signature is in upper-case hex; the service expects lower case"
	}
	try := func(v variant) bool { return v.sign() == sent }

	for _, enc := range []struct {
		encoding
		what string
	}{
		{encoding{tildeSafe: true}, `"~" was left unencoded (as Go's url.QueryEscape and Python 3's quote_plus do); PHP's urlencode, the service's, makes it %7E`},
		{encoding{space20: true}, "spaces were encoded as %20; the service's urlencode makes them +"},
		{encoding{tildeSafe: true, space20: true}, `"~" was left unencoded and spaces were encoded as %20 (rawurlencode style); the service encodes ~ as %7E and spaces as +`},
		{encoding{lowerHex: true}, "the %XX escapes are in lower-case hex; the service's are upper case"},
		{encoding{tildeSafe: true, lowerHex: true}, `"~" was left unencoded and the %XX escapes are in lower case`},
	} {
		v := base
		v.enc = enc.encoding
		if try(v) {
			return enc.what
		}
	}
	if v := base; func() bool { v.encodeVals = true; return try(v) }() {
		return "the values were URL-encoded before they were signed; the signed string holds them raw, and is encoded as a whole"
	}
	if try(variant{method: base.method, url: base.url, pairs: sorted, secret: secret, noSecret: true}) {
		return "the secret key was left out of the signed string (method + URL + parameters + secret key)"
	}
	for i, p := range sorted {
		rest := slices.Delete(slices.Clone(sorted), i, i+1)
		if v := base; func() bool { v.pairs = rest; return try(v) }() {
			if p.val == secret {
				return "the parameter " + strconv.Quote(p.key) + " holds the secret key and was not signed; every parameter sent is signed — better, do not send the secret key at all"
			}
			return "the parameter " + strconv.Quote(p.key) + " was sent but not signed; every parameter sent is signed"
		}
	}
	if ts := paramOf(sorted, "timestamp"); ts != "" {
		if n, err := strconv.ParseInt(ts, 10, 64); err == nil {
			for _, other := range []int64{n * 1000, n / 1000} {
				v := base
				v.pairs = withParam(sorted, "timestamp", strconv.FormatInt(other, 10))
				if try(v) {
					if other > n {
						return "the timestamp was signed in milliseconds but sent in seconds; both are unix seconds"
					}
					return "the timestamp was sent in milliseconds but signed in seconds; both are unix seconds"
				}
			}
		}
	}
	for _, u := range otherURLs(r) {
		v := base
		v.url = u
		if try(v) {
			return "the signed URL was " + u + ", but the request went to " + signedURL(r) + "; sign the URL exactly as it is requested (scheme, host, port, path)"
		}
	}
	if v := base; func() bool { v.pairs = signed; return try(v) }() {
		return "the parameters were signed in the order they were sent; they are signed sorted by key (byte order)"
	}
	for _, m := range []string{http.MethodGet, http.MethodPost, strings.ToLower(r.Method)} {
		if m == r.Method {
			continue
		}
		v := base
		v.method = m
		if try(v) {
			return "the request was signed as " + m + " but sent as " + r.Method
		}
	}
	keys := make([]string, 0, len(others))
	for k := range others {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		v := base
		v.secret = others[key]
		if try(v) {
			return "it was signed with the secret key of another app (apikey " + key + ")"
		}
	}
	return ""
}

func paramOf(ps []pair, key string) string {
	for _, p := range ps {
		if p.key == key {
			return p.val
		}
	}
	return ""
}

func withParam(ps []pair, key, val string) []pair {
	out := slices.Clone(ps)
	for i := range out {
		if out[i].key == key {
			out[i].val = val
		}
	}
	return out
}

// otherURLs are the URLs a client may have signed instead of the one it
// requested: the other scheme, the host without or with another port, the
// service's own hosts, and the path without its prefix or with a slash.
func otherURLs(r *http.Request) []string {
	scheme, host, path := "http", r.Host, r.URL.EscapedPath()
	if r.TLS != nil {
		scheme = "https"
	}
	if r.URL.IsAbs() {
		scheme, host = r.URL.Scheme, r.URL.Host
	}
	hostname := host
	if h, _, ok := strings.Cut(host, ":"); ok {
		hostname = h
	}
	hosts := []string{host, hostname, "api.push.baidu.com", "api.tuisong.baidu.com", "localhost", "127.0.0.1"}
	if _, port, ok := strings.Cut(host, ":"); ok {
		hosts = append(hosts, "localhost:"+port, "127.0.0.1:"+port)
	}
	paths := []string{path, path + "/", strings.TrimPrefix(path, "/rest/3.0")}
	var out []string
	for _, s := range []string{scheme, map[string]string{"http": "https", "https": "http"}[scheme]} {
		for _, h := range hosts {
			for _, p := range paths {
				u := s + "://" + h + p
				if u != signedURL(r) && !slices.Contains(out, u) {
					out = append(out, u)
				}
			}
		}
	}
	return out
}
