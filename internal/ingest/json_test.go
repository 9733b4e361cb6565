package ingest

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

var jsonSeeds = []string{
	`{}`, ` { } `, `{"a":1}`, `{"a":-0.5e+10,"b":true,"c":false,"d":null}`, `{"a":"\u00e9\ud83d\ude00\n\"\\\/"}`,
	`{"a":[1,"x",[],{}],"b":{"c":{"d":[null]}}}`, `{"a":"\ud800"}`, `{"a":"\ud800\u0041"}`, `{"数":"值"}`,
	`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":tru}`, `{"a":"x}`, `{"a" 1}`, `{"a":1,}`,
	`{,}`, `{"a":1}x`, `[1]`, `"x"`, ``, `{"a":"` + "\x01" + `"}`, `{"a":"\x"}`, `{"a":"\u12"}`, `{'a':1}`,
	`{"a":1 "b":2}`, `{"a":[1,]}`, `{"a":[1 2]}`, `{"a":{"b"}}`, "{\"a\":\"\xff\"}", `{"a":NaN}`, `{"a":1}{}`,
}

// The scanner accepts exactly the JSON objects encoding/json accepts (with
// valid UTF-8), and decodes their strings the same way.
func FuzzParseObject(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var o rawObject
		err := parseObject([]byte(s), &o)
		var m map[string]json.RawMessage
		jerr := json.Unmarshal([]byte(s), &m)
		validUTF8 := utf8.ValidString(s)
		switch {
		case err == nil && jerr != nil:
			t.Fatalf("%q: accepted, encoding/json says %v", s, jerr)
		case err != nil && jerr == nil && validUTF8 && m != nil:
			t.Fatalf("%q: refused (%v), encoding/json accepts it", s, err)
		}
		if err != nil || jerr != nil {
			return
		}
		for i, k := range o.keys {
			v := o.vals[i]
			if v.kind != jString {
				continue
			}
			var want string
			if err := json.Unmarshal(m[string(k)], &want); err != nil {
				t.Fatal(err)
			}
			if v.str != want && len(m) == len(o.keys) {
				t.Fatalf("%q: key %q decoded as %q, want %q", s, k, v.str, want)
			}
		}
	})
}

// appendString writes what encoding/json reads back unchanged.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\\n\r\t\x00\x1f", "中文", "\u2028\u2029", "\xff", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendString(nil, s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%q → %s: %v", s, b, err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("%q → %s → %q", s, b, back)
		}
	})
}

func TestIntOf(t *testing.T) {
	for in, want := range map[string]string{
		"0": "", "-0": "", "2147483647": "", "2147483648": "is too large: 2147483648", "1e3": "", "1.0": "",
		"-1": "must not be negative, not -1", "1.5": "must be a whole number, not 1.5", "1e100": "is too large: 1e100",
		"123456789012345": "is too large: 123456789012345",
	} {
		if _, got := intOf([]byte(in)); got != want {
			t.Errorf("intOf(%s) = %q, want %q", in, got, want)
		}
	}
	if n, _ := intOf([]byte("1e3")); n != 1000 {
		t.Errorf("intOf(1e3) = %d", n)
	}
}
