package main

import (
	"bytes"
	"encoding/json"
	"slices"
)

// canonicalJSON re-encodes a JSON document with object keys sorted (as
// encoding/json writes maps) and the items of every array sorted by their
// own canonical encoding, numbers kept as written. Two answers that differ
// only in the order of lists (PostGraphile's grouped aggregates) have the
// same canonical form.
func canonicalJSON(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	v, err := canonicalValue(v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// canonicalValue sorts arrays bottom-up; an array's items become their
// canonical encodings (json.RawMessage), sorted bytewise.
func canonicalValue(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		for k, item := range x {
			c, err := canonicalValue(item)
			if err != nil {
				return nil, err
			}
			x[k] = c
		}
		return x, nil
	case []any:
		items := make([]json.RawMessage, len(x))
		for i, item := range x {
			c, err := canonicalValue(item)
			if err != nil {
				return nil, err
			}
			b, err := json.Marshal(c)
			if err != nil {
				return nil, err
			}
			items[i] = b
		}
		slices.SortFunc(items, func(a, b json.RawMessage) int { return bytes.Compare(a, b) })
		return items, nil
	default:
		return v, nil
	}
}
