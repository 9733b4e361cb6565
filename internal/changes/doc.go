// Package changes is civicgraph's change feed: one numbered entry per entity
// row that a write transaction created, changed or archived, so that a
// partner can keep a copy in sync by reading what came after the last
// sequence it saw, instead of downloading everything again.
//
// The sequence is gap-free and in commit order. A writer notes the rows it
// changed as it goes (Pending) and numbers them last, in Commit, after
// locking the one data_version row that every write transaction raises
// (store.BumpDataVersion). Writers therefore take numbers one transaction
// after another, in the order they commit, and a reader that has seen
// sequence N never later finds a smaller sequence appear. Rows are numbered
// in the import's dependency order (regions before the communities in them,
// ...), so a follower applying the feed in order never meets a reference to
// a row it has not seen.
//
// An archived row is a tombstone (operation ARCHIVE); a row written while
// archived stays a tombstone: the operation is the row's state when its
// transaction ends.
//
//	commit.go  Pending and Commit: noting and numbering changes
//
// Reading the feed for a principal is package feed.
package changes
