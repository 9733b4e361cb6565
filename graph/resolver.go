// Package graph is civicgraph's GraphQL face: the schema under schema/, the
// gqlgen output under generated/, and resolvers that stay a few lines each by
// handing work to the loader and query packages.
package graph

//go:generate go run github.com/99designs/gqlgen generate

import (
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Resolver holds what every resolver needs: the store, and the clock that
// relative periods count from (nil: the system clock; tests inject one).
type Resolver struct {
	DB  *store.DB
	Now func() time.Time
}
