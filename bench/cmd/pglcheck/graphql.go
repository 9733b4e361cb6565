package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// client posts GraphQL requests to one endpoint over one keep-alive
// connection.
type client struct {
	url  string
	key  string
	http *http.Client
}

func newClient(url, key string, timeout time.Duration) *client {
	tr := &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1, DisableCompression: true}
	return &client{url: url, key: key, http: &http.Client{Transport: tr, Timeout: timeout}}
}

// body is a GraphQL POST body.
func body(query string, variables map[string]any) ([]byte, error) {
	if variables == nil {
		variables = map[string]any{}
	}
	return json.Marshal(map[string]any{"query": query, "variables": variables})
}

// post sends one body and returns the whole answer, which must be an HTTP
// 200 with data and without errors.
func (c *client) post(ctx context.Context, b []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var env struct {
		Data   json.RawMessage   `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("%s: HTTP %d, not a GraphQL answer: %.200q", c.url, resp.StatusCode, raw)
	}
	if len(env.Errors) > 0 {
		return nil, fmt.Errorf("%s: HTTP %d, %d GraphQL error(s), first: %.400s", c.url, resp.StatusCode, len(env.Errors), env.Errors[0])
	}
	if resp.StatusCode != http.StatusOK || len(env.Data) == 0 || string(env.Data) == "null" {
		return nil, fmt.Errorf("%s: HTTP %d without data: %.200q", c.url, resp.StatusCode, raw)
	}
	return raw, nil
}

// dataOf decodes the data of an answer post accepted into out.
func dataOf(raw []byte, out any) error {
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return err
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return fmt.Errorf("decode the answer: %w", err)
	}
	return nil
}

// bigInt decodes an integer sent as a JSON number (civicgraph's Int) or as a
// string (PostGraphile's BigInt, pg-aggregates' sums and counts).
type bigInt int64

func (b *bigInt) UnmarshalJSON(raw []byte) error {
	s := string(raw)
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %s", raw)
	}
	*b = bigInt(n)
	return nil
}
