package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// wsWait bounds each wait for a message: generous for a loaded machine
// under -race; a passing test waits far less.
const wsWait = 20 * time.Second

// wsClient speaks graphql-transport-ws (the graphql-ws library's protocol)
// as a browser or a partner's script would: connection_init, then
// subscribe/next/complete per operation id, answering the server's pings.
type wsClient struct {
	t       testing.TB
	conn    *websocket.Conn
	in      chan wsMessage         // what the server sent; closed when the connection ends
	err     error                  // why it ended, set before in is closed
	pending map[string][]wsMessage // read, for an id not yet asked for
}

// wsMessage is one message of the protocol.
type wsMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// errNoMessage is a wait for a message that ran out.
var errNoMessage = errors.New("no message in time")

// dialWS opens a graphql-transport-ws connection to the GraphQL endpoint at
// httpURL (http://.../graphql), sending header with the upgrade request.
func dialWS(t testing.TB, httpURL string, header http.Header) (*wsClient, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wsWait)
	defer cancel()
	conn, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(httpURL, "http"), &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"},
		HTTPHeader:   header,
	})
	if err != nil {
		return nil, res, err
	}
	if got := conn.Subprotocol(); got != "graphql-transport-ws" {
		conn.CloseNow()
		t.Fatalf("negotiated subprotocol %q, want graphql-transport-ws", got)
	}
	// Buffered, so that the reader never blocks on messages nobody asks
	// for and ends as soon as the connection does.
	c := &wsClient{t: t, conn: conn, in: make(chan wsMessage, 1000), pending: map[string][]wsMessage{}}
	go c.readAll()
	t.Cleanup(func() { conn.CloseNow() })
	return c, res, nil
}

// readAll reads the connection until it ends, answering pings.
func (c *wsClient) readAll() {
	defer close(c.in)
	for {
		_, b, err := c.conn.Read(context.Background())
		if err != nil {
			c.err = err
			return
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			c.err = fmt.Errorf("not a message: %s", b)
			return
		}
		if m.Type == "ping" {
			pong, _ := json.Marshal(wsMessage{Type: "pong"})
			_ = c.conn.Write(context.Background(), websocket.MessageText, pong)
			continue
		}
		c.in <- m
	}
}

// mustDialWS is dialWS that fails the test on error.
func mustDialWS(t testing.TB, httpURL string, header http.Header) *wsClient {
	t.Helper()
	c, _, err := dialWS(t, httpURL, header)
	if err != nil {
		t.Fatalf("dial %s: %v", httpURL, err)
	}
	return c
}

func (c *wsClient) send(m wsMessage) {
	c.t.Helper()
	b, _ := json.Marshal(m)
	ctx, cancel := context.WithTimeout(context.Background(), wsWait)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("send %s: %v", m.Type, err)
	}
}

// read returns the next message, waiting at most wait: errNoMessage when
// none came, why the connection ended when it did.
func (c *wsClient) read(wait time.Duration) (wsMessage, error) {
	select {
	case m, ok := <-c.in:
		if !ok {
			return wsMessage{}, c.err
		}
		return m, nil
	case <-time.After(wait):
		return wsMessage{}, errNoMessage
	}
}

// init sends connection_init with payload (nil: none) and requires the
// acknowledgement.
func (c *wsClient) init(payload any) {
	c.t.Helper()
	m := wsMessage{Type: "connection_init"}
	if payload != nil {
		m.Payload, _ = json.Marshal(payload)
	}
	c.send(m)
	ack, err := c.read(wsWait)
	if err != nil || ack.Type != "connection_ack" {
		c.t.Fatalf("connection_init: got %+v, %v; want connection_ack", ack, err)
	}
}

// initBearer is init with {"Authorization": "Bearer <key>"}.
func (c *wsClient) initBearer(key string) {
	c.t.Helper()
	c.init(map[string]any{"Authorization": "Bearer " + key})
}

// subscribe starts operation id.
func (c *wsClient) subscribe(id, query string, variables map[string]any) {
	c.t.Helper()
	payload, _ := json.Marshal(map[string]any{"query": query, "variables": variables})
	c.send(wsMessage{Type: "subscribe", ID: id, Payload: payload})
}

// complete stops operation id.
func (c *wsClient) complete(id string) {
	c.t.Helper()
	c.send(wsMessage{Type: "complete", ID: id})
}

// message is the next message for operation id; messages for other
// operations read meanwhile are kept for them.
func (c *wsClient) message(id string) wsMessage {
	c.t.Helper()
	m, err := c.messageWithin(id, wsWait)
	if err != nil {
		c.t.Fatalf("waiting for a message for %q: %v", id, err)
	}
	return m
}

// messageWithin is message waiting at most wait (errNoMessage).
func (c *wsClient) messageWithin(id string, wait time.Duration) (wsMessage, error) {
	if q := c.pending[id]; len(q) > 0 {
		c.pending[id] = q[1:]
		return q[0], nil
	}
	deadline := time.Now().Add(wait)
	for {
		m, err := c.read(time.Until(deadline))
		if err != nil {
			return m, err
		}
		if m.ID == id {
			return m, nil
		}
		c.pending[m.ID] = append(c.pending[m.ID], m)
	}
}

// next is the result of the next event of operation id, which must come
// without errors.
func (c *wsClient) next(id string) map[string]any {
	c.t.Helper()
	m := c.message(id)
	var res struct {
		Data   map[string]any   `json:"data"`
		Errors []map[string]any `json:"errors"`
	}
	if m.Type != "next" || json.Unmarshal(m.Payload, &res) != nil || len(res.Errors) > 0 {
		c.t.Fatalf("operation %q: got %s %s, want a next without errors", id, m.Type, m.Payload)
	}
	return res.Data
}

// refused requires operation id to be answered with one error of code,
// and then to end.
func (c *wsClient) refused(id, code string) {
	c.t.Helper()
	m := c.message(id)
	var errs []map[string]any
	switch m.Type {
	case "next":
		var res struct {
			Errors []map[string]any `json:"errors"`
		}
		_ = json.Unmarshal(m.Payload, &res)
		errs = res.Errors
	case "error":
		_ = json.Unmarshal(m.Payload, &errs)
	}
	if len(errs) != 1 {
		c.t.Fatalf("operation %q: got %s %s, want one error", id, m.Type, m.Payload)
	}
	if ext, _ := errs[0]["extensions"].(map[string]any); ext["code"] != code {
		c.t.Fatalf("operation %q: error %v, want code %s", id, errs[0], code)
	}
	if m.Type == "next" {
		if end := c.message(id); end.Type != "complete" {
			c.t.Fatalf("operation %q: after its error came %s, want complete", id, end.Type)
		}
	}
}

// closed requires the server to close the connection with code, and
// returns the reason it gave.
func (c *wsClient) closed(code websocket.StatusCode) string {
	c.t.Helper()
	m, err := c.read(wsWait)
	if err == nil {
		c.t.Fatalf("got %s %s, want the connection closed with %d", m.Type, m.Payload, code)
	}
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != code {
		c.t.Fatalf("connection ended with %v, want close code %d", err, code)
	}
	return ce.Reason
}
