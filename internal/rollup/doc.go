// Package rollup keeps pre-aggregated copies of the service records and the
// demands: small tables that answer the dashboards' grouped questions in
// milliseconds where the base tables would take seconds at city scale.
//
// A roll-up row holds the measures (records, people served, resolved; or
// demands) of all base rows that share its key: the region path of the
// community they hang from, a local calendar period cut in Asia/Shanghai
// (month '2006-01' or day '2006-01-02'), and a few dimensions. Keeping the
// region path rather than ancestor ids means a roll-up to any level of the
// administrative tree is a join of the (few) roll-up rows to a map of the
// (few) regions, and that only a move in the tree, which rewrites paths
// anyway, changes roll-up keys.
//
// Roll-ups change in the same transaction as their source. A write notes
// what it touched in a Changes (the community, region path and local month
// of every service record it wrote, before and after; the path of every
// demand; the paths a moved community or region left or reached) and calls
// Refresh once, at the end: the roll-up rows of exactly those keys are
// deleted and counted again, from the base rows of each touched community
// month (read once, whatever the number of roll-ups counted from them) and,
// for the coarser roll-ups, from the finer ones; when the keys cover much
// of the data, all roll-ups are rebuilt instead. Any write path (import
// today, mutations later) uses the same two calls. Verify recounts
// everything from the base tables and lists the keys that differ; Rebuild
// starts over.
//
// Roll-ups count live rows only: an archived record or demand counts
// nowhere, and the records of an archived event count under no event kind.
// Archiving or restoring is a write like any other: it notes the keys of
// the records and demands it archives or restores (and, for an event, of
// its records: Changes.ServiceRecordsWhere) and calls Refresh.
//
// The files, by idea:
//
//	table.go    the roll-up tables as data: keys, measures, sources
//	label.go    local months and days in Asia/Shanghai, in each dialect's SQL
//	changes.go  Changes: the keys a write touched
//	refresh.go  Refresh: recounting touched keys inside the write's transaction
//	scope.go    the keys a refresh statement covers
//	stage.go    reading a refresh's base rows once
//	lock.go     one recount at a time
//	build.go    the statements that fill a roll-up from its source, and Rebuild
//	verify.go   Verify and Difference
package rollup
