package graph_test

import (
	"io"
	"log/slog"
	"os"
	"testing"
)

// TestMain keeps request logs out of test output; failures print what matters.
func TestMain(m *testing.M) {
	if os.Getenv("CIVICGRAPH_TEST_LOG") == "" {
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	os.Exit(m.Run())
}
