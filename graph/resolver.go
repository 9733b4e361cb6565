// Package graph is civicgraph's GraphQL face: the schema under schema/, the
// gqlgen output under generated/, and resolvers that stay a few lines each by
// handing work to the loader and query packages.
package graph

//go:generate go run github.com/99designs/gqlgen generate

import (
	"time"

	"github.com/civicgraph/civicgraph/internal/live"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Resolver holds what every resolver needs: the store, the clock that
// relative periods count from (nil: the system clock; tests inject one),
// and the process's live-update hub, which subscriptions follow the change
// feed through (nil: subscriptions are refused).
type Resolver struct {
	DB   *store.DB
	Now  func() time.Time
	Live *live.Hub
}
