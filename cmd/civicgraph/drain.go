package main

import (
	"context"
	"net"
	"sync"
)

// drainListener is a listener that knows which of the connections it
// accepted are still open, hijacked ones included. http.Server.Shutdown
// waits for the connections it serves but forgets a websocket the moment
// it is hijacked: the live hub closes those at shutdown (a close frame,
// then the socket), and without waiting for that here the process could
// exit between the two, leaving subscribers with a dropped connection
// instead of a proper close.
type drainListener struct {
	net.Listener

	mu      sync.Mutex
	open    map[*drainConn]struct{}
	changed chan struct{} // a token whenever a connection closes
}

func newDrainListener(ln net.Listener) *drainListener {
	return &drainListener{Listener: ln, open: map[*drainConn]struct{}{}, changed: make(chan struct{}, 1)}
}

func (l *drainListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	dc := &drainConn{Conn: c, l: l}
	l.mu.Lock()
	l.open[dc] = struct{}{}
	l.mu.Unlock()
	return dc, nil
}

// Open is how many accepted connections are not closed yet.
func (l *drainListener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.open)
}

// Wait returns once every accepted connection is closed, or ctx's error
// when it ends first.
func (l *drainListener) Wait(ctx context.Context) error {
	for l.Open() > 0 {
		select {
		case <-l.changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// CloseAll closes every connection still open and says how many it closed:
// what is left when the grace period is over.
func (l *drainListener) CloseAll() int {
	l.mu.Lock()
	conns := make([]*drainConn, 0, len(l.open))
	for c := range l.open {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
	return len(conns)
}

// drainConn is a connection that tells its listener when it closes.
type drainConn struct {
	net.Conn
	l    *drainListener
	once sync.Once
}

func (c *drainConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.open, c)
		c.l.mu.Unlock()
		select {
		case c.l.changed <- struct{}{}:
		default:
		}
	})
	return err
}
