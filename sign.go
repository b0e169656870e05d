package pushsdk

import (
	"crypto/md5"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Sign computes the request signature the service expects in the "sign"
// parameter (docs/PROTOCOL.md, "Signature"). It is a pure function: no
// clock, no I/O, no package state. The Channel signs every request with it,
// and the emulator in package pushtest checks every request with it.
//
//  1. M is method in upper case ("POST").
//  2. U is rawURL without its query string or fragment: scheme, host, port
//     if one was used, and path, as the request addresses it, e.g.
//     "https://api.push.baidu.com/rest/3.0/push/all".
//  3. Every parameter except "sign" is sorted by key in ascending byte order
//     and written as key=value with no separator; values are raw, not
//     encoded. A key with several values contributes one key=value per value,
//     in the order given.
//  4. B = M + U + pairs + secretKey.
//  5. E is PHP's urlencode of B's UTF-8 bytes: A–Z a–z 0–9 - _ . stay, a
//     space becomes +, every other byte becomes %XX in upper-case hex (so
//     "~" becomes %7E, which Go's url.QueryEscape and Python 3's quote_plus
//     leave alone).
//  6. The signature is the lowercase hex MD5 of E.
func Sign(method, rawURL string, params url.Values, secretKey string) string {
	return signature(method, rawURL, sortedParams(params), secretKey)
}

// sortedParams lists every parameter but sign, sorted by key; the values of
// one key keep their order.
func sortedParams(params url.Values) []param {
	var ps []param
	for k, vs := range params {
		if k == "sign" {
			continue
		}
		for _, v := range vs {
			ps = append(ps, param{k, v})
		}
	}
	slices.SortStableFunc(ps, byKey)
	return ps
}

// param is one request parameter.
type param struct{ key, val string }

func byKey(a, b param) int { return strings.Compare(a.key, b.key) }

// signature is steps 1–6 over parameters already sorted: the one
// implementation behind Sign, the Channel and ExplainSignature. E is
// streamed into the MD5 through a small buffer, so that signing a
// 10 000-id batch needs no copy of it.
func signature(method, rawURL string, ps []param, secretKey string) string {
	h := md5.New()
	buf := make([]byte, 0, 1024)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			if len(buf) > cap(buf)-3 {
				h.Write(buf)
				buf = buf[:0]
			}
			buf = appendPHPEncodeByte(buf, s[i])
		}
	}
	add(strings.ToUpper(method))
	add(stripQuery(rawURL))
	for _, p := range ps {
		add(p.key)
		add("=")
		add(p.val)
	}
	add(secretKey)
	h.Write(buf)
	clear(buf) // it held the end of the secret key
	return hex.EncodeToString(h.Sum(nil))
}

// SignatureExplanation shows how a signature is computed, with the secret
// key masked, so that a 30603 (Authentication Failed) can be explained and
// compared with what the other side computed, without leaking the key. A
// 30603's error carries the explanation of the request the Channel sent
// (errors.As), and [Channel.ExplainSignature] makes one for any call.
//
// When a client's signatures do not match, it is most often one of these
// mistakes (the emulator in package pushtest names the one it finds in its
// 30603, and `bpush sign --explain` lists them too):
//
//   - "~" left unencoded (Go's url.QueryEscape, Python 3's quote_plus do
//     that; PHP's urlencode, the service's, makes it %7E);
//   - spaces encoded as %20 instead of +, or lower-case hex in the escapes;
//   - values URL-encoded before signing (the signed string holds them raw);
//   - a parameter sent but not signed (the official Python SDK's secretKey),
//     or the secret key left out of the signed string;
//   - a timestamp in milliseconds, or signed as another value than sent;
//   - another scheme (http, https), host, port or path in the signed URL
//     than the one requested;
//   - parameters signed in the order sent instead of sorted by key;
//   - another method signed than the one sent;
//   - the secret key of another app;
//   - the signature in upper-case hex.
type SignatureExplanation struct {
	Method string   `json:"method"` // M, upper case
	URL    string   `json:"url"`    // U, as signed: no query string
	Params []string `json:"params"` // every parameter but sign, as key=value, in signing order
	// Canonical is B = M + U + key=value pairs + secret key, with the
	// secret key replaced by SecretMask.
	Canonical string `json:"canonical"`
	// Encoded is E, PHP's urlencode of B, with the secret key's encoding
	// replaced by SecretMask.
	Encoded string `json:"encoded"`
	// SecretMask stands for the secret key: its length and the first
	// eight hex digits of its MD5, to tell two keys apart without showing
	// either.
	SecretMask string `json:"secret_mask"`
	Sign       string `json:"sign"` // lowercase hex MD5 of the real E
}

func explain(method, rawURL string, ps []param, secretKey string) *SignatureExplanation {
	sum := md5.Sum([]byte(secretKey))
	mask := "<secret key: " + strconv.Itoa(len(secretKey)) + " bytes, md5 " + hex.EncodeToString(sum[:4]) + ">"
	e := &SignatureExplanation{Method: strings.ToUpper(method), URL: stripQuery(rawURL), SecretMask: mask}
	canonical := e.Method + e.URL
	for _, p := range ps {
		e.Params = append(e.Params, p.key+"="+p.val)
		canonical += p.key + "=" + p.val
	}
	e.Canonical = canonical + mask
	e.Encoded = string(appendPHPEncode(nil, canonical)) + mask
	e.Sign = signature(method, rawURL, ps, secretKey)
	return e
}

// Error lays the explanation out line by line: method, URL, the sorted
// parameters, the canonical string, its encoding and the signature. As the
// cause of a 30603 [ChannelError], errors.As(err, &explanation) finds it.
func (e *SignatureExplanation) Error() string {
	if e == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("method:    " + e.Method + "\n")
	b.WriteString("url:       " + e.URL + "\n")
	b.WriteString("params:    (sorted by key, raw values)\n")
	for _, p := range e.Params {
		b.WriteString("           " + p + "\n")
	}
	b.WriteString("canonical: " + e.Canonical + "\n")
	b.WriteString("encoded:   " + e.Encoded + "\n")
	b.WriteString("sign:      md5(encoded) = " + e.Sign + "\n")
	return b.String()
}

func stripQuery(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i]
	}
	return u
}

const upperHex = "0123456789ABCDEF"

// phpSafe marks the bytes PHP's urlencode leaves alone.
var phpSafe = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['-'], t['_'], t['.'] = true, true, true
	return t
}()

// appendPHPEncode appends PHP's urlencode of s to dst. Its output is also a
// valid application/x-www-form-urlencoded encoding, so request bodies use
// it too.
func appendPHPEncode(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		dst = appendPHPEncodeByte(dst, s[i])
	}
	return dst
}

func appendPHPEncodeByte(dst []byte, c byte) []byte {
	switch {
	case phpSafe[c]:
		return append(dst, c)
	case c == ' ':
		return append(dst, '+')
	}
	return append(dst, '%', upperHex[c>>4], upperHex[c&15])
}
