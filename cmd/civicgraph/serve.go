package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/civicgraph/civicgraph/internal/server"
)

func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs, dbURL := newFlags("serve", stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on")
	demo := fs.Bool("demo", false, "demo mode: seed the article scenario into an empty store; anonymous clients read everything")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"unexpected arguments"}
	}
	db, err := openStore(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	notice := ""
	if *demo {
		start := time.Now()
		seeded, err := seedArticleIfEmpty(ctx, db)
		if err != nil {
			return fmt.Errorf("seed the demo data: %w", err)
		}
		if seeded {
			slog.Info("seeded the article scenario", "took", time.Since(start).Round(time.Millisecond))
		}
		notice = "Demo mode: anonymous read access to everything, personal data included. The data is synthetic."
		slog.Warn("demo mode: anonymous clients read everything, personal data included")
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           server.New(server.Config{DB: db, Notice: notice}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	fmt.Fprintf(stdout, "civicgraph listening on http://%s/ (GraphQL at /graphql)\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
