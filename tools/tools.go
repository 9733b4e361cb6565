//go:build tools

// Package tools pins the code generators the build uses, so that `go run`
// picks the versions in go.mod.
package tools

import (
	_ "github.com/99designs/gqlgen"
)
