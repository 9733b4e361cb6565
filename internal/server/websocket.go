package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/live"
)

// Subscriptions travel over websockets: gqlgen's transport speaks
// graphql-transport-ws (the graphql-ws library's protocol) and the older
// graphql-ws (subscriptions-transport-ws), whichever the client asks for.
// A connection is one HTTP request that lasts for hours, so the rules that
// bound a request are placed differently (see New and wsrules.go):
//
//   - The connection authenticates with its connection_init payload,
//     {"Authorization": "Bearer <API key or JWT>"}, because a browser
//     cannot set headers on a websocket; else with the upgrade request's
//     Authorization header; else it is the demo's reader in demo mode. A
//     connection that does not authenticate is closed with 4403 before it
//     is acknowledged, and nothing runs before the acknowledgement.
//   - The upgrade takes a rate-limit token like any request, and each
//     operation over the connection takes one more from its principal's
//     bucket.
//   - The request deadline, the batch splitter and the response cache stay
//     out of the way: the connection would end after RequestTimeout, it is
//     no batch, and its events are no answer to keep. Queries and mutations
//     sent over the connection run under RequestTimeout each.
//   - Each response (each event of a subscription) resolves with loaders
//     of its own, so a row fetched for one event is not served stale to a
//     later one.
//   - The connection is bound to the live hub: at shutdown it is closed,
//     and the client reconnects to a process that is still serving.

const (
	// wsInitTimeout is how long a connection may take to send
	// connection_init: an idle socket that never authenticates is closed.
	wsInitTimeout = 10 * time.Second
	// wsKeepAlive is how often the server pings (graphql-transport-ws; a
	// client that does not pong within twice this is dropped) or sends
	// keep-alives (graphql-ws): well inside the 60 s that proxies commonly
	// allow an idle connection.
	wsKeepAlive = 25 * time.Second
	// The close codes of graphql-transport-ws for a refused connection_init
	// and for our own failure.
	wsCloseForbidden = 4403
	wsCloseInternal  = 4500
	// wsMaxCloseReason is the longest reason a close frame carries.
	wsMaxCloseReason = 123
)

// websocketTransport is the websocket transport: connections authenticate
// with a (nil: every connection is the demo's reader) and are bound to hub
// (nil: none).
func websocketTransport(a *auth.Authenticator, hub *live.Hub) transport.Websocket {
	return transport.Websocket{
		InitFunc:              initConnection(a, hub),
		InitTimeout:           wsInitTimeout,
		KeepAlivePingInterval: wsKeepAlive,
		PingPongInterval:      wsKeepAlive,
		ErrorFunc: func(ctx context.Context, err error) {
			slog.DebugContext(ctx, "websocket", "err", err.Error())
		},
	}
}

// isUpgrade reports whether r asks for a websocket: the requests that
// gqlgen's websocket transport claims and the GET transport leaves alone.
func isUpgrade(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Upgrade") != ""
}

// upgrades sends websocket upgrades to ws and every other request to next.
// The client's address goes along in the context: an anonymous
// connection's operations are rate-limited by it.
func upgrades(ws, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isUpgrade(r) {
			next.ServeHTTP(w, r)
			return
		}
		ws.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientAddrKey{}, r.RemoteAddr)))
	})
}

type clientAddrKey struct{}

// wsKey marks the context of an authenticated websocket connection.
type wsKey struct{}

// overWebsocket reports whether ctx is a websocket connection's (and so the
// context of the operations sent over it).
func overWebsocket(ctx context.Context) bool { return ctx.Value(wsKey{}) != nil }

// clientAddr is the address of the client of a websocket connection.
func clientAddr(ctx context.Context) string {
	addr, _ := ctx.Value(clientAddrKey{}).(string)
	return addr
}

// initConnection authenticates a connection from its connection_init.
func initConnection(a *auth.Authenticator, hub *live.Hub) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		p, err := connectionPrincipal(ctx, a, payload)
		if err != nil {
			code := wsCloseForbidden
			if apperr.CodeOf(err) == apperr.Internal {
				code = wsCloseInternal
				slog.ErrorContext(ctx, "authenticate a websocket connection", "err", err.Error())
			}
			msg := apperr.MessageOf(err)
			ctx = transport.WithWebsocketCloseCode(ctx, code)
			ctx = transport.AppendCloseReason(ctx, closeReason(msg))
			// The transport shows this error's text to the client.
			return ctx, nil, errors.New(msg)
		}
		ctx = context.WithValue(auth.With(ctx, p), wsKey{}, true)
		if hub != nil {
			ctx = hub.Bind(ctx)
		}
		return ctx, nil, nil
	}
}

// connectionPrincipal is who a connection acts for: the credential of its
// connection_init payload when it sends one, else the upgrade request's
// principal (authenticateUpgrade checked its header), else what a request
// without credentials gets (the demo's reader in demo mode, or refused).
func connectionPrincipal(ctx context.Context, a *auth.Authenticator, payload transport.InitPayload) (*auth.Principal, error) {
	if a == nil {
		return auth.Demo(), nil
	}
	var p *auth.Principal
	var err error
	switch cred := payload.Authorization(); {
	case cred != "":
		p, err = a.Authenticate(ctx, &http.Request{Header: http.Header{"Authorization": {cred}}})
	case auth.From(ctx) != nil:
		p = auth.From(ctx)
	default:
		p, err = a.Authenticate(ctx, &http.Request{Header: http.Header{}})
	}
	if err == nil && p == nil {
		err = apperr.New(apperr.Unauthenticated, "the connection has no principal")
	}
	return p, err
}

// closeReason cuts msg to what a close frame carries, on a rune boundary.
func closeReason(msg string) string {
	if len(msg) <= wsMaxCloseReason {
		return msg
	}
	msg = msg[:wsMaxCloseReason]
	for !utf8.ValidString(msg) {
		msg = msg[:len(msg)-1]
	}
	return msg
}
