package store

import (
	"errors"
	"log/slog"
	"strings"
	"syscall"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// This file tells "SQLite's disk will not take writes" (full, read-only,
// failing) apart from every other failure of a write. It is no bug of ours
// nor the client's: the same write succeeds once an operator has freed
// space or made the disk writable again, without a restart, so the client
// sees UNAVAILABLE with a message saying so, and the operator one log line
// saying what to fix. SQLite rolls the transaction back itself when a
// write fails so (and InTx rolls back whatever is left), so nothing is
// half written and the file stays sound: PRAGMA integrity_check passes.

// writeRefusal is a write that SQLite's disk refused.
type writeRefusal struct {
	reason string // what is wrong with the disk, for the client and the operator
	cause  error  // the driver's error, for the log
}

// Error is what the command line prints (civicgraph import): the reason
// and what to do, never the driver's text or SQL.
func (e *writeRefusal) Error() string {
	return "the database cannot take writes now: " + e.reason + "; retry once that is fixed"
}

// Unwrap gives apperr.CodeOf and MessageOf the client's view, UNAVAILABLE,
// and errors.Is the driver's error.
func (e *writeRefusal) Unwrap() []error {
	return []error{apperr.New(apperr.Unavailable, "%s", e.Error()), e.cause}
}

// diskRefusal says why err, from SQLite, means that the disk does not take
// writes: "" when it means something else. ENOSPC and EROFS come as
// SQLITE_FULL and SQLITE_READONLY when SQLite sees them coming, and as an
// I/O error (SQLITE_IOERR_WRITE, _FSYNC, ...) when a write it had begun
// fails, as it does on a disk remounted read-only under it.
func diskRefusal(err error) string {
	var se *sqlite.Error
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return "its disk is full"
	case errors.Is(err, syscall.EROFS):
		return "its disk is read-only"
	case !errors.As(err, &se):
		return ""
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_FULL:
		return "its disk is full"
	case sqlite3.SQLITE_READONLY:
		return readOnly
	case sqlite3.SQLITE_IOERR:
		return "its disk failed a write (full, read-only or failing)"
	case sqlite3.SQLITE_CANTOPEN:
		return "its file cannot be opened for writing"
	}
	return ""
}

// readOnly is the reason of SQLite's own read-only refusal.
const readOnly = "its file or disk is read-only"

// noteWriteRefusal turns err, a transaction's outcome on SQLite, into a
// *writeRefusal when the disk refused the transaction's writes, and logs
// one line for the operator when the refusals start, and one when a
// transaction succeeds again; other errors, and PostgreSQL's, pass as they
// are.
func (db *DB) noteWriteRefusal(err error) error {
	if db.dialect != SQLite {
		return err
	}
	if err == nil {
		if db.refusingWrites.CompareAndSwap(true, false) {
			db.Bun.DB.SetMaxIdleConns(db.Bun.DB.Stats().MaxOpenConnections)
			slog.Info("SQLite takes writes again", "database", db.sqlitePath())
		}
		return nil
	}
	var already *writeRefusal
	if errors.As(err, &already) {
		return err
	}
	reason := diskRefusal(err)
	if reason == "" {
		return err
	}
	if reason == readOnly && db.sqlitePath() != ":memory:" {
		// SQLite opened the file read-only, the disk being so, and a
		// connection stays so after the disk is writable again: keep no
		// idle connections (this one among them: InTx has released it)
		// until a transaction succeeds, so that the first write after
		// the disk is mended opens a new one, which can write.
		db.Bun.DB.SetMaxIdleConns(-1)
	}
	if db.refusingWrites.CompareAndSwap(false, true) {
		slog.Error("SQLite cannot write: "+reason+"; writes fail with UNAVAILABLE and are rolled back, reads go on, until it is fixed (no restart needed)",
			"database", db.sqlitePath(), "err", err.Error())
	}
	return &writeRefusal{reason: reason, cause: err}
}

// sqlitePath is the file of an SQLite store, for the operator's log.
func (db *DB) sqlitePath() string {
	path, _, _ := strings.Cut(strings.TrimPrefix(db.URL, "sqlite:"), "?")
	return path
}
