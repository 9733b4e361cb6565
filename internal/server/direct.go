package server

import "os"

// directMode says whether queries run through graph.Direct: on unless
// Config.GQLGenExecution is set, and the environment variable
// CIVICGRAPH_DIRECT overrides both ways for comparisons and tests:
//
//	CIVICGRAPH_DIRECT=off     gqlgen's executor only
//	CIVICGRAPH_DIRECT=verify  Direct, and gqlgen after it on every root field
//	                          Direct answered, which must agree byte for byte
//	                          (a mismatch panics: the request gets an
//	                          internal error). gqlgen's run repeats the root
//	                          field's own statements, so statement counts
//	                          double there.
func directMode(cfg Config) directExec {
	switch os.Getenv("CIVICGRAPH_DIRECT") {
	case "off":
		return directOff
	case "verify":
		return directVerify
	case "on":
		return directOn
	}
	if cfg.GQLGenExecution {
		return directOff
	}
	return directOn
}

type directExec int

const (
	directOn directExec = iota
	directOff
	directVerify
)
