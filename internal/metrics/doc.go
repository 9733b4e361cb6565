// Package metrics is civicgraph's Prometheus instrumentation: one registry
// of its own (never the global default), with the Go runtime and process
// collectors and the series below, served by Handler on the admin listener.
//
//	civicgraph_graphql_operations_total{operation,type,code}
//	civicgraph_graphql_operation_duration_seconds{operation,type}
//	civicgraph_http_requests_total{path,status}
//	civicgraph_sql_statements_total{kind}, _sql_statement_duration_seconds{kind}, _sql_errors_total{kind}
//	civicgraph_db_* (pool: open, in use, idle, max open, waits)
//	civicgraph_sql_reads_total{target}, civicgraph_replica_healthy{replica}, civicgraph_replica_lag_seconds{replica}
//	civicgraph_rate_limited_total
//	civicgraph_rows_written_total{type}
//	civicgraph_change_feed_sequence, civicgraph_live_sequence, civicgraph_live_followers
//
// Label values are bounded: an operation name is the client's, so names
// that are not GraphQL-like identifiers count as "invalid", anonymous
// operations as "anonymous", and once maxOperationNames names have been
// seen every new one counts as "other" (names.go). Types, kinds, entity
// types and paths come from fixed sets; codes are the server's own (its
// error presenter's), and anything that does not look like one counts as
// "OTHER".
//
// Roll-up lag. Roll-ups (package rollup) are recounted inside each writing
// transaction, in the same commit as the rows they summarise, so a reader
// never sees a row without its roll-up: there is no asynchronous roll-up
// worker whose backlog could be measured, and the lag is zero by
// construction. What can lag is the delivery of changes to live
// subscriptions: the change feed's last committed sequence
// (civicgraph_change_feed_sequence, read at scrape time) minus the last
// sequence this process's live hub has learned of and woken its followers
// for (civicgraph_live_sequence) is how far subscriptions trail the
// database. The hub watches the feed only while someone follows
// (civicgraph_live_followers > 0); otherwise its sequence stands still and
// the difference means nothing.
//
// Hooks keep the package arrows one way: the store and the write service
// know only small interfaces (store.StatementObserver, write.Observer) that
// a *Metrics satisfies, and a nil *Metrics records nothing, so that the
// server works without one.
//
//	metrics.go     Metrics, New, Handler, ObserveStore, ObserveLive
//	names.go       the bounded set of operation names
//	operations.go  GraphQL operations: counts and durations
//	http.go        HTTP requests by route and status
//	sql.go         SQL statements: counts, durations, errors
//	pool.go        the connection pool, read at scrape time
//	feed.go        the change feed's and the live hub's sequences
//	writes.go      rows written by committed writes
//	ratelimit.go   rate-limit refusals
package metrics
