package pushtest

import (
	"encoding/json"
	"unicode/utf8"
)

// asciiJSON marshals v the way the service writes JSON: ASCII only, every
// non-ASCII character as \uXXXX (surrogate pairs beyond the BMP) and / as
// \/.
func asciiJSON(v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		panic("pushtest: marshal: " + err.Error()) // only our own types are marshalled
	}
	return toASCII(raw)
}

// toASCII rewrites valid JSON text: outside strings there is only ASCII, so
// every non-ASCII rune and every / is inside a string and may be escaped.
func toASCII(raw []byte) []byte {
	const hex = "0123456789abcdef"
	n := 0
	for _, c := range raw {
		if c >= 0x80 || c == '/' {
			n++
		}
	}
	if n == 0 {
		return raw
	}
	out := make([]byte, 0, len(raw)+n*6)
	esc := func(r rune) {
		out = append(out, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
	}
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '/':
			out = append(out, '\\', '/')
			i++
		case c < 0x80:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			i += size
			if r > 0xFFFF {
				r -= 0x10000
				esc(0xD800 + (r>>10)&0x3FF)
				esc(0xDC00 + r&0x3FF)
			} else {
				esc(r)
			}
		}
	}
	return out
}

// successEnvelope is the service's answer to a successful call.
type successEnvelope struct {
	RequestID int64 `json:"request_id"`
	Params    any   `json:"response_params,omitempty"`
}

// errorEnvelope is the service's answer to a failed call.
type errorEnvelope struct {
	RequestID int64  `json:"request_id"`
	ErrorCode int    `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}
