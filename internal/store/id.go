package store

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Node is anything with a global id: every entity type.
type Node interface {
	ID() string
}

// GlobalID is the opaque Relay id of the row of the given type: clients must
// not parse it, so it is base64 of "Type:rowid".
func GlobalID(typeName string, rowID int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typeName + ":" + strconv.FormatInt(rowID, 10)))
}

// ParseGlobalID splits a global id into its type name and row id; ok is false
// for anything that is not one.
func ParseGlobalID(id string) (typeName string, rowID int64, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return "", 0, false
	}
	typeName, num, found := strings.Cut(string(raw), ":")
	if !found || typeName == "" {
		return "", 0, false
	}
	rowID, err = strconv.ParseInt(num, 10, 64)
	if err != nil || rowID <= 0 {
		return "", 0, false
	}
	return typeName, rowID, true
}
