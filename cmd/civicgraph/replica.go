package main

import (
	"strings"

	"github.com/civicgraph/civicgraph/internal/store"
)

// replicaURLs is serve's --replica-url: repeatable, and a value may list
// several URLs separated by commas (CIVICGRAPH_REPLICA_URL, one variable,
// names them all so). A comma splits only where a new postgres:// or
// postgresql:// URL begins, since one URL may itself name several hosts
// (postgres://h1,h2/db). An empty value clears the list (how the config
// layer resets a flag to its default).
type replicaURLs struct{ urls []string }

func (r *replicaURLs) String() string {
	if r == nil {
		return ""
	}
	return strings.Join(r.urls, ",")
}

func (r *replicaURLs) Set(value string) error {
	if value == "" {
		r.urls = nil
		return nil
	}
	for _, u := range splitURLList(value) {
		if u = strings.TrimSpace(u); u != "" {
			r.urls = append(r.urls, u)
		}
	}
	return nil
}

// splitURLList splits a comma-separated list of database URLs where a new
// URL begins; a value that is one URL comes back whole.
func splitURLList(value string) []string {
	var out []string
	start := 0
	for i := 0; i < len(value); i++ {
		if value[i] != ',' {
			continue
		}
		next := strings.TrimLeft(value[i+1:], " ")
		if strings.HasPrefix(next, "postgres://") || strings.HasPrefix(next, "postgresql://") {
			out = append(out, value[start:i])
			start = i + 1
		}
	}
	return append(out, value[start:])
}

// openReplicas gives db the replicas serve was told of; on SQLite, whose
// store is a file no replica streams from, that is bad usage.
func openReplicas(db *store.DB, urls *replicaURLs, opt store.ReplicaOptions) error {
	if len(urls.urls) == 0 {
		return nil
	}
	if db.Dialect() != store.Postgres {
		return usageError{"--replica-url: replicas need PostgreSQL; the store is " + db.Dialect().String() + " (--database postgres://...)"}
	}
	return db.OpenReplicas(urls.urls, opt)
}
