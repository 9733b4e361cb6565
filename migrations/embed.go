// Package migrations holds the versioned SQL schema of civicgraph, one folder
// per dialect, embedded in the binary so that every command can migrate the
// store it opens.
package migrations

import "embed"

// Postgres and SQLite are the migration files of each dialect, named
// <version>_<name>.up.sql as bun's migrate package expects.
//
//go:embed postgres/*.sql
var Postgres embed.FS

//go:embed sqlite/*.sql
var SQLite embed.FS
