package pushsdk

import (
	"encoding/json"
	"strings"
	"testing"
)

var jsonSeeds = []string{
	``, ` `, `{}`, `[]`, `{"a":1}`, `{"a":[1,2,{"b":null}],"c":"\u00e9\n\/"}`, `"x"`, `-0.5e+10`, `01`, `1.`, `.5`,
	`{"a":1,}`, `[1,]`, `{"a" 1}`, `{'a':1}`, `"\x"`, "\"\x01\"", `"\u12G4"`, `tru`, `nulll`, `{"a":1}}`, `[[[]]]`,
	`{"request_id":3141592653,"response_params":{"msg_id":"7205759403792793001","send_time":1700000000}}`,
	"\xff", `"` + "\xff" + `"`, `1e`, `-`, `--1`, `1e+`, `[1 2]`, `{"a":1 "b":2}`, ` {"a" : [ true , false ] } `,
}

var deepJSON = []string{strings.Repeat("[", 10001) + strings.Repeat("]", 10001), strings.Repeat("[", 9999) + strings.Repeat("]", 9999),
	strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001)}

func TestValidJSONAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range append(jsonSeeds, deepJSON...) {
		if got, want := validJSON([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("validJSON(%.60q) = %v, json.Valid says %v", s, got, want)
		}
		err := eachMemberValid([]byte(s), func(k, v []byte) error { return nil })
		if json.Valid([]byte(s)) != (err != errScan) {
			t.Errorf("eachMemberValid(%.60q) = %v, json.Valid says %v", s, err, json.Valid([]byte(s)))
		}
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", b, got, want)
		}
		// The validating walk agrees too.
		var obj map[string]json.RawMessage
		isObj := json.Unmarshal(b, &obj) == nil && obj != nil
		werr := eachMemberValid(b, func(k, v []byte) error {
			if !json.Valid(v) {
				t.Fatalf("eachMemberValid passed an invalid value %q", v)
			}
			return nil
		})
		switch {
		case !json.Valid(b) && werr != errScan:
			t.Fatalf("eachMemberValid(%q) = %v for invalid JSON", b, werr)
		case json.Valid(b) && isObj && werr != nil:
			t.Fatalf("eachMemberValid(%q) = %v for an object", b, werr)
		case json.Valid(b) && !isObj && (werr == nil || werr == errScan):
			t.Fatalf("eachMemberValid(%q) = %v for a non-object", b, werr)
		}
		if !json.Valid(b) {
			return
		}
		// Walking any valid object never fails or panics, and sees every key
		// encoding/json sees.
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) != nil || m == nil {
			return
		}
		n := 0
		if err := eachMember(b, func(k, v []byte) error {
			n++
			if !json.Valid(v) {
				t.Fatalf("member value %q of %q is not valid JSON", v, b)
			}
			return nil
		}); err != nil {
			t.Fatalf("eachMember(%q): %v", b, err)
		}
		if n < len(m) {
			t.Fatalf("eachMember saw %d members of %q, encoding/json %d", n, b, len(m))
		}
	})
}
