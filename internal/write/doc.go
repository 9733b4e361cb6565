// Package write is civicgraph's write side for principals: mutations of
// every entity type (create, update, upsert, archive, restore), keyed
// batches of service records (recordServices) and the demand workflow.
//
// Every write goes through the import's validation and upsert (package
// ingest: a value an import refuses, a mutation refuses, for the same
// reason) inside one transaction that also recounts the roll-ups, appends
// the audit trail (who, when, which row, before and after) and numbers the
// rows it changed in the change feed (package changes) — last, because that
// takes the lock that orders writers.
//
// Who may write what: ANALYST nothing; ADMIN everything; OPERATOR the rows
// of its region subtree, before and after the write (reference data such as
// service categories is ADMIN's); PARTNER service records it provided, and
// the workflow steps of the demands assigned to it (respond, resolve). A
// row outside the principal's scope is FORBIDDEN to write, whether it
// exists or the write would put it there; NOT_FOUND means no row has the
// code.
//
// Concurrent writers (PostgreSQL, READ COMMITTED) take row and advisory
// locks where a write reads before it writes: an update locks the row it
// rewrites, a create or batch the codes it is about to write, an archive
// the row it archives, a restore the rows it refers to (links.go); a batch
// writes its records in code order. So two writes of one row take turns
// instead of losing one, and live rows keep referring only to live rows.
//
// A demand's status moves along the workflow whichever mutation changes
// it: the workflow's own, or an update or upsert of a stored demand (an
// invalid step is a CONFLICT; a valid one is stamped and recorded).
//
//	service.go   Service, the transaction every write runs in
//	entity.go    create, update, upsert, archive, restore
//	links.go     archive and restore keep live rows linked to live rows
//	permit.go    who may write what
//	audit.go     the audit trail
//	batch.go     recordServices and its idempotency keys
//	demand.go    the demand workflow
//	problems.go  import errors as input-field errors
package write
