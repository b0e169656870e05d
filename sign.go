package pushsdk

import (
	"crypto/md5"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"sync"
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
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "sign" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return signWith(method, rawURL, secretKey, func(w *signWriter) {
		for _, k := range keys {
			for _, v := range params[k] {
				w.pair(k, v)
			}
		}
	})
}

// param is one request parameter.
type param struct{ key, val string }

// signWriter accumulates the PHP-urlencoded canonical string E.
type signWriter struct{ buf []byte }

func (w *signWriter) pair(k, v string) {
	w.buf = appendPHPEncode(w.buf, k)
	w.buf = append(w.buf, '%', '3', 'D') // "="
	w.buf = appendPHPEncode(w.buf, v)
}

var signBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func signWith(method, rawURL, secretKey string, pairs func(*signWriter)) string {
	bp := signBufPool.Get().(*[]byte)
	w := signWriter{buf: (*bp)[:0]}
	w.buf = appendPHPEncode(w.buf, strings.ToUpper(method))
	w.buf = appendPHPEncode(w.buf, stripQuery(rawURL))
	pairs(&w)
	w.buf = appendPHPEncode(w.buf, secretKey)
	sum := md5.Sum(w.buf)
	clear(w.buf) // the buffer held the secret key
	if cap(w.buf) <= 64<<10 {
		*bp = w.buf[:0]
		signBufPool.Put(bp)
	}
	var out [32]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// canonicalString returns B of the signature algorithm with the secret left
// out; used by signature diagnostics.
func canonicalString(method, rawURL string, ps []param) string {
	var b strings.Builder
	b.WriteString(strings.ToUpper(method))
	b.WriteString(stripQuery(rawURL))
	for _, p := range ps {
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.val)
	}
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
