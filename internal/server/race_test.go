//go:build race

package server_test

// The race detector is on: binaries built by the tests get it too, which
// also lets them reuse the test build's compiled packages.
func init() { raceEnabled = true }
