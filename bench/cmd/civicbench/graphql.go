package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// client posts GraphQL requests to one endpoint over a pool of keep-alive
// connections.
type client struct {
	url  string
	key  string // bearer key sent with every request; "" sends none
	http *http.Client
}

// newClient returns a client for civicgraph at url, keeping up to conns
// connections open; every request is bounded by timeout and carries the
// key in CIVICBENCH_API_KEY (run.sh creates an ADMIN key for the run:
// serve without --demo answers no one without a credential).
func newClient(url string, conns int, timeout time.Duration) *client {
	c := newPlainClient(url, conns, timeout)
	c.key = os.Getenv("CIVICBENCH_API_KEY")
	return c
}

// newPlainClient is newClient without a key (PostGraphile).
func newPlainClient(url string, conns int, timeout time.Duration) *client {
	tr := &http.Transport{
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true, // loopback: compression would only cost CPU on both sides
	}
	return &client{url: url, http: &http.Client{Transport: tr, Timeout: timeout}}
}

// requestBody is a GraphQL POST body.
func requestBody(query string, variables map[string]any) ([]byte, error) {
	return json.Marshal(map[string]any{"query": query, "variables": variables})
}

// post sends one body and returns the HTTP status and the whole response.
func (c *client) post(ctx context.Context, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// gqlResponse is the envelope of a GraphQL answer.
type gqlResponse struct {
	Data   json.RawMessage   `json:"data"`
	Errors []json.RawMessage `json:"errors"`
}

// checkAnswer returns an error unless the answer is a 200 with data and
// without errors; the error quotes the first GraphQL error.
func checkAnswer(status int, raw []byte) (*gqlResponse, error) {
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("HTTP %d, not a GraphQL answer: %.200q", status, raw)
	}
	if len(r.Errors) > 0 {
		return nil, fmt.Errorf("HTTP %d, %d GraphQL error(s), first: %.300s", status, len(r.Errors), r.Errors[0])
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %.200q", status, raw)
	}
	if len(r.Data) == 0 || string(r.Data) == "null" {
		return nil, fmt.Errorf("HTTP %d, answer without data", status)
	}
	return &r, nil
}

// query sends one request, requires an errorless answer and decodes its
// data into out; it returns the raw answer too.
func (c *client) query(ctx context.Context, body []byte, out any) ([]byte, error) {
	status, raw, err := c.post(ctx, body)
	if err != nil {
		return nil, err
	}
	r, err := checkAnswer(status, raw)
	if err != nil {
		return nil, err
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			return nil, fmt.Errorf("decode the answer: %w", err)
		}
	}
	return raw, nil
}

// dataOf decodes the data of an answer query accepted into out.
func dataOf(raw []byte, out any) error {
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		return fmt.Errorf("decode the answer: %w", err)
	}
	return nil
}
