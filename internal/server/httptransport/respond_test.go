package httptransport

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestEncodeResponseAsMarshal: the direct encoding of a data-only response
// is byte for byte what json.Marshal writes, HTML escaping included, and
// anything else still goes through json.Marshal.
func TestEncodeResponseAsMarshal(t *testing.T) {
	yes := true
	for _, resp := range []*graphql.Response{
		{Data: json.RawMessage(`{"a":1}`)},
		{Data: json.RawMessage(`null`)},
		{Data: json.RawMessage(`{"s":"<b>&amp;</b> \u2028 \u2029 \"quoted\" \\ back","n":[1,2.5,-3e+06,true,false,null],"o":{"x":{}}}`)},
		{Data: json.RawMessage("{\"raw\":\"\u2028\u2029<>&\",\"cjk\":\"社区\"}")},
		{Data: json.RawMessage(`{"a": 1}`)},              // whitespace: compacted by json.Marshal
		{Data: json.RawMessage("{\"a\":\n[1, 2]}")},      // likewise
		{Data: json.RawMessage(`{"a":"x y","b":"\" "}`)}, // spaces inside strings stay
		{Errors: gqlerror.List{{Message: "boom <b>"}}, Data: json.RawMessage(`{"a":null}`)},
		{Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{"k": "v"}},
		{Data: json.RawMessage(`{"a":1}`), HasNext: &yes},
		{},
	} {
		want, wantErr := json.Marshal(wireResponse{Errors: resp.Errors, Data: resp.Data, Label: resp.Label, Path: resp.Path, HasNext: resp.HasNext, Extensions: resp.Extensions})
		got, err := encodeResponse(resp)
		if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
			t.Errorf("encodeResponse(%s)\n got %s (%v)\nwant %s (%v)", resp.Data, got, err, want, wantErr)
		}
	}
}

// TestWriteResponseAsMarshal: whichever way writeResponse takes, the body
// is json.Marshal's and Content-Length is its length.
func TestWriteResponseAsMarshal(t *testing.T) {
	for _, data := range []string{
		`{"a":1}`, `null`, `{"s":"<b>"}`, `{"s":"a & b"}`, "{\"s\":\"\u2028\"}", "{\"s\":\"\u2029x\"}", "{\"s\":\"\u2027 \u202a\"}",
		`{"a": 1}`, `{"a":"x y"}`, `{"a":"\"","b":"\\"}`, `{"a":"社区"}`,
	} {
		resp := &graphql.Response{Data: json.RawMessage(data)}
		want, _ := json.Marshal(wireResponse{Data: resp.Data})
		rec := httptest.NewRecorder()
		writeResponse(rec, http.StatusOK, mediaJSON, resp)
		if got := rec.Body.Bytes(); !bytes.Equal(got, want) {
			t.Errorf("%s: wrote %s, want %s", data, got, want)
		}
		if cl := rec.Header().Get("Content-Length"); cl != strconv.Itoa(len(want)) {
			t.Errorf("%s: Content-Length %s for %d bytes", data, cl, len(want))
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), mediaJSON) {
			t.Errorf("%s: Content-Type %q", data, rec.Header().Get("Content-Type"))
		}
	}
}
