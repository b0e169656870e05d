package pushsdk

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Sign computes the request signature of protocol.md §3. It is a pure
// function: no clock, no I/O, no package state.
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
//     space becomes +, every other byte becomes %XX in upper-case hex.
//  6. The signature is the lowercase hex MD5 of E.
//
// The result is what the service expects in the "sign" parameter.
func Sign(method, rawURL string, params url.Values, secretKey string) string {
	return signParams(method, rawURL, sortedParams(params), secretKey)
}

// sortedParams lists every parameter but sign, sorted by key; the values of
// one key keep their order.
func sortedParams(params url.Values) []param {
	n := 0
	for _, vs := range params {
		n += len(vs)
	}
	ps := make([]param, 0, n)
	for k, vs := range params {
		if k == "sign" {
			continue
		}
		for _, v := range vs {
			ps = append(ps, param{k, v})
		}
	}
	slices.SortStableFunc(ps, func(a, b param) int { return strings.Compare(a.key, b.key) })
	return ps
}

// param is one request parameter.
type param struct{ key, val string }

// signParams computes the signature over parameters already in order.
func signParams(method, rawURL string, ps []param, secretKey string) string {
	h := getSignHasher()
	h.enc(strings.ToUpper(method))
	h.enc(stripQuery(rawURL))
	for _, p := range ps {
		h.enc(p.key)
		h.write(encodedEquals)
		h.enc(p.val)
	}
	h.enc(secretKey)
	sum := h.sum()
	var out [32]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// SignedParam is one parameter as the signature takes it.
type SignedParam struct {
	Key, Value string
}

// SignatureExplanation shows how a signature is computed, with the secret
// key masked, so that a 30603 (Authentication Failed) can be explained and
// compared with what the other side computed, without leaking the key.
type SignatureExplanation struct {
	Method string        // M, upper case
	URL    string        // U, as signed: no query string
	Params []SignedParam // every parameter but sign, in signing order
	// Canonical is B = M + U + key=value pairs + secret key, with the
	// secret key replaced by SecretMask.
	Canonical string
	// Encoded is E, PHP's urlencode of B, with the secret key's encoding
	// replaced by SecretMask.
	Encoded string
	// SecretMask stands for the secret key: its length and the first
	// eight hex digits of its MD5, to tell two keys apart without showing
	// either.
	SecretMask string
	Sign       string // lowercase hex MD5 of the real E
}

// ExplainSignature computes the signature of [Sign] and explains it.
func ExplainSignature(method, rawURL string, params url.Values, secretKey string) *SignatureExplanation {
	return explain(method, rawURL, sortedParams(params), secretKey)
}

func explain(method, rawURL string, ps []param, secretKey string) *SignatureExplanation {
	sum := md5.Sum([]byte(secretKey))
	mask := "<secret key: " + strconv.Itoa(len(secretKey)) + " bytes, md5 " + hex.EncodeToString(sum[:4]) + ">"
	var b strings.Builder
	b.WriteString(strings.ToUpper(method))
	b.WriteString(stripQuery(rawURL))
	e := &SignatureExplanation{Method: strings.ToUpper(method), URL: stripQuery(rawURL), SecretMask: mask}
	for _, p := range ps {
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.val)
		e.Params = append(e.Params, SignedParam{p.key, p.val})
	}
	canonical := b.String()
	e.Canonical = canonical + mask
	e.Encoded = PHPURLEncode(canonical) + mask
	e.Sign = signParams(method, rawURL, ps, secretKey)
	return e
}

// String lays the explanation out line by line.
func (e *SignatureExplanation) String() string {
	var b strings.Builder
	b.WriteString("method:    " + e.Method + "\n")
	b.WriteString("url:       " + e.URL + "\n")
	b.WriteString("params:    (sorted by key, raw values)\n")
	for _, p := range e.Params {
		b.WriteString("           " + p.Key + "=" + p.Value + "\n")
	}
	b.WriteString("canonical: " + e.Canonical + "\n")
	b.WriteString("encoded:   " + e.Encoded + "\n")
	b.WriteString("sign:      md5(encoded) = " + e.Sign + "\n")
	return b.String()
}

// Format prints [SignatureExplanation.String] for every verb, although the
// explanation is also an error.
func (e *SignatureExplanation) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, e.String()) }

// Error makes the explanation usable as the cause of a 30603
// [ChannelError]: errors.As(err, &explanation) retrieves it. It is the one
// line summary; String is the full layout.
func (e *SignatureExplanation) Error() string {
	return "signed " + e.Method + " " + e.URL + " as " + e.Sign + " (secret " + e.SecretMask + ")"
}

// ExplainSignature shows how the Channel would sign a call to path (e.g.
// "push/all") with params, now: the common parameters (apikey, timestamp,
// expires, device_type) are added as for a real call.
func (c *Channel) ExplainSignature(path string, params url.Values) *SignatureExplanation {
	creds := c.creds.Load()
	all := url.Values{}
	for k, v := range params {
		all[k] = v
	}
	ts := c.now().Unix()
	all.Set("apikey", creds.apiKey)
	all.Set("timestamp", strconv.FormatInt(ts, 10))
	if c.sigTTL > 0 {
		all.Set("expires", strconv.FormatInt(ts+c.sigTTL, 10))
	}
	if c.deviceType != 0 && all.Get("device_type") == "" {
		all.Set("device_type", strconv.Itoa(int(c.deviceType)))
	}
	return ExplainSignature(http.MethodPost, c.baseURL+APIPrefix+strings.TrimPrefix(path, "/"), all, creds.secretKey)
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
// valid application/x-www-form-urlencoded encoding, so the request body uses
// it too.
func appendPHPEncode(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case phpSafe[c]:
			dst = append(dst, c)
		case c == ' ':
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

// PHPURLEncode returns s encoded as PHP's urlencode does it: A–Z a–z 0–9
// - _ . stay, a space becomes +, every other byte becomes %XX (upper-case
// hex). It is step 5 of [Sign], exported for signature diagnostics.
func PHPURLEncode(s string) string {
	return string(appendPHPEncode(make([]byte, 0, len(s)+len(s)/2), s))
}
