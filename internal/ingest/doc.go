// Package ingest imports and exports civicgraph's data as NDJSON: one JSON
// object a line, "type" naming the entity, relations given by code (see the
// API contract, "Import format").
//
// An import is one transaction: it writes everything or nothing, and when it
// refuses a file it names every bad line with its number and the reason, so
// that a partner can fix the file in one round. Re-importing a line whose
// code exists updates that row (an upsert), so the same file can be sent
// twice without duplicates, and sending it again changes nothing.
//
// Import takes lines in any order and in any number: it reads its input
// twice, validating every line in the first pass and remembering only where
// each good line is; the second pass writes the types in dependency order
// (regions before the communities in them, and so on), re-reading the lines
// by offset, in batches of a thousand rows a statement (five thousand on
// PostgreSQL). Memory does not grow with the number of service records.
// ImportLines takes lines that arrive in dependency order, as the seed
// generators produce them, in one streaming pass with the same rules.
// Export writes the store back in the same format. Roll-ups change in the
// import's transaction: the writer notes the roll-up keys of the rows it
// changes (only those: re-importing a file recounts nothing) and recounts
// them once, at the end (rollups.go, package rollup). Where an import to
// SQLite fills the service records from empty, their indexes are built
// once after the rows (bulk.go).
//
// The files, by idea:
//
//	entity.go    the import format as data: types, fields, columns
//	json.go      a strict, allocation-light parser for one line
//	jsonout.go   JSON string escaping for Export
//	gomap.go     the same for lines given as Go maps (ImportLines)
//	record.go    validation of one line
//	source.go    reading the input twice (spooling a stream)
//	import.go    Import and ImportLines
//	writer.go    batching and the order of writes
//	refs.go      codes to ids, and the checks that need the store
//	resolve.go   the code → id caches, and reading small tables whole
//	upsert.go    the SQL that writes rows, sets and moved region paths
//	tree.go      parents given later than their children, and cycles
//	paths.go     materialized region paths
//	rollups.go   the roll-up keys an import touches, recounted at the end
//	bulk.go      indexes built after the rows, for a table filled from empty
//	tune.go      SQLite settings for a bulk write
//	errors.go    LineError and LineErrors
//	progress.go  the progress line on a terminal
//	export.go    Export
package ingest
