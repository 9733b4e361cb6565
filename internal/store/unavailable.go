package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// This file tells "the database cannot be reached" apart from every other
// database failure. A client should retry the first (UNAVAILABLE) and
// report the second (INTERNAL); either way it never sees the driver's text.

// unavailableMessage is all a client learns of an unreachable database.
const unavailableMessage = "the database is unavailable; retry"

// Unavailable returns the error a client sees when the database cannot be
// reached.
func Unavailable() *apperr.Error {
	return apperr.New(apperr.Unavailable, unavailableMessage)
}

// IsUnavailable reports whether err means that the database cannot be
// reached, now, over a connection that was or should have been working:
// it is not answering (refused, reset, broken pipe, end of stream, a
// failed connection attempt of any kind), or it said it is going away or
// not ready yet (PostgreSQL's admin_shutdown 57P01, crash_shutdown 57P02,
// cannot_connect_now 57P03, the connection_exception class 08), or
// database/sql gave up on a bad connection. An apperr keeps its own code:
// it is UNAVAILABLE only if made so. Everything else, SQLite's errors
// among them, is not.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Code == apperr.Unavailable
	}
	// Before PgError: a refused login is a PgError inside a ConnectError.
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", "57P02", "57P03":
			return true
		}
		return strings.HasPrefix(pe.Code, "08")
	}
	for _, gone := range []error{
		driver.ErrBadConn, sql.ErrConnDone, pgconn.ErrConnClosed,
		syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE,
		io.EOF, io.ErrUnexpectedEOF,
	} {
		if errors.Is(err, gone) {
			return true
		}
	}
	var ne *net.OpError
	return errors.As(err, &ne)
}

// unavailableError is a failed attempt to connect: the client sees
// Unavailable() (apperr.CodeOf and MessageOf find it), the log the
// driver's text, which Error returns.
type unavailableError struct{ cause error }

func (e *unavailableError) Error() string   { return e.cause.Error() }
func (e *unavailableError) Unwrap() []error { return []error{Unavailable(), e.cause} }

// reachConnector marks every failure to open a PostgreSQL connection as
// UNAVAILABLE where it happens, so that code that reports errors by
// apperr code alone (the authentication middleware, exports) tells a
// client to retry, not that something broke. Only Connect is wrapped: the
// connections are pgx's own (package live reaches them with Conn.Raw).
type reachConnector struct{ driver.Connector }

func (c reachConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, &unavailableError{cause: err}
	}
	return conn, nil
}

// defaultConnectTimeout bounds an attempt to connect when the URL sets no
// connect_timeout (nor PGCONNECT_TIMEOUT): without it, a host that drops
// packets holds each request until its own deadline, where a failure in
// two seconds lets the client retry, and a stopped server answers at once
// anyway.
const defaultConnectTimeout = 2 * time.Second

// failFast gives cfg the default connect timeout unless rawURL or the
// environment chose one (0 included: libpq's "wait forever").
func failFast(cfg *pgx.ConnConfig, rawURL string) {
	if u, err := url.Parse(rawURL); err == nil && u.Query().Has("connect_timeout") {
		return
	}
	if _, set := os.LookupEnv("PGCONNECT_TIMEOUT"); set {
		return
	}
	cfg.ConnectTimeout = defaultConnectTimeout
}
