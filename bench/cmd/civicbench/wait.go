package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// runWait polls a URL until it answers 200 (the server's /healthz), or fails
// after the timeout.
func runWait(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("wait", stderr)
	url := fs.String("url", "", "the URL to poll, e.g. http://127.0.0.1:PORT/healthz")
	timeout := fs.Duration("timeout", 60*time.Second, "give up after this long")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]*string{"url": url}); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	hc := &http.Client{Timeout: 2 * time.Second}
	start := time.Now()
	last := "no answer yet"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				fmt.Fprintf(stdout, "%s answered after %s\n", *url, time.Since(start).Round(time.Millisecond))
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer 200 within %s (last: %s)", *url, *timeout, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
