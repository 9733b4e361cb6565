// Package apperr is civicgraph's one error type: every failure a client may
// see carries a code from the API contract and a message written for that
// client. Transports map the code to their own form in exactly one place
// (for GraphQL: extensions.code); anything that is not an *Error is INTERNAL
// and its text never leaves the server.
package apperr

import (
	"errors"
	"fmt"
)

// Code is one of the error codes of the API contract.
type Code string

// The codes of the API contract.
const (
	BadUserInput    Code = "BAD_USER_INPUT"
	NotFound        Code = "NOT_FOUND"
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	TooComplex      Code = "QUERY_TOO_COMPLEX"
	RateLimited     Code = "RATE_LIMITED"
	Conflict        Code = "CONFLICT"
	Internal        Code = "INTERNAL"
	// Unavailable is a failure of ours that passes: the database cannot
	// be reached (starting, restarting, failing over). The same request
	// may succeed when retried a moment later.
	Unavailable Code = "UNAVAILABLE"
)

// Error is a failure with a code and a message that is safe to show a client.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return e.Message }

// New returns an *Error with a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a BAD_USER_INPUT error.
func Invalid(format string, args ...any) *Error { return New(BadUserInput, format, args...) }

// CodeOf returns the code of err: the code of the first *Error in its chain,
// else INTERNAL.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var p *Problem
	var ps Problems
	if errors.As(err, &p) || errors.As(err, &ps) {
		return BadUserInput
	}
	return Internal
}

// MessageOf returns the client-safe message of err: the message of the first
// *Error in its chain, else a generic text that reveals nothing.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	var p *Problem
	var ps Problems
	if errors.As(err, &p) || errors.As(err, &ps) {
		return err.Error()
	}
	return "internal error"
}

// Problem is a BAD_USER_INPUT error about one input field. Path locates the
// field below the GraphQL field that was resolving ("input", "population";
// "input", 3, "community"), so the client's error path ends at the value
// to fix.
type Problem struct {
	Path    []any // field names (string) and list indexes (int)
	Message string
}

func (p *Problem) Error() string { return p.Message }

// Problems is input with several bad fields: each becomes an error of its
// own. It is never empty.
type Problems []*Problem

func (ps Problems) Error() string {
	if len(ps) == 1 {
		return ps[0].Message
	}
	return fmt.Sprintf("%s (and %d more problems)", ps[0].Message, len(ps)-1)
}
