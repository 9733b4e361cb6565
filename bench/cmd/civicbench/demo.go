package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// demoResult is serve --demo's start on an empty store (demo.json).
type demoResult struct {
	Command string    `json:"command"`
	Started time.Time `json:"started"`
	// ListeningSec is when its "listening" line appeared, FirstAnswerSec
	// when the first /graphql request answered with data, both from the
	// moment the process was started.
	ListeningSec   float64 `json:"listeningSec"`
	FirstAnswerSec float64 `json:"firstAnswerSec"`
	Polls          int     `json:"polls"`
	Answer         string  `json:"answer"`
	PeakRSSKiB     int64   `json:"peakRssKiB"`
}

// demoQuery is the tiny query polled: it answers only once the article
// scenario is in the store.
const demoQuery = `{ regions(first: 1) { nodes { code name } } }`

// runDemo measures issue 6's "serve --demo answers its first query within
// 5 s of start on an empty store": in an empty temporary directory (so
// civicgraph.db does not exist), it starts `civicgraph serve --demo` on a
// free port and polls POST /graphql with demoQuery every 10 ms from the
// moment it started the process until an answer has a region; then stops
// the server.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	bin := fs.String("civicgraph", "", "the civicgraph binary")
	out := fs.String("out", "", "the result file")
	timeout := fs.Duration("timeout", 60*time.Second, "give up after this long")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]*string{"civicgraph": bin, "out": out}); err != nil {
		return err
	}
	absBin, err := filepath.Abs(*bin)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "civicbench-demo-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// A free port, so that polling can start with the process.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()

	res := demoResult{Command: "civicgraph serve --demo --listen " + addr + " (in an empty directory)", Started: time.Now().UTC()}
	cmd := exec.Command(absBin, "serve", "--demo", "--listen", addr)
	cmd.Dir = tmp
	var logs bytes.Buffer
	cmd.Stderr = &logs
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	listening := make(chan time.Duration, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening on") {
				select {
				case listening <- time.Since(start):
				default:
				}
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}

	body, _ := json.Marshal(map[string]any{"query": demoQuery})
	hc := &http.Client{Timeout: 5 * time.Second}
	deadline := start.Add(*timeout)
	var last string
	for {
		res.Polls++
		ok, ans, err := pollDemo(ctx, hc, "http://"+addr+"/graphql", body)
		if ok {
			res.FirstAnswerSec = time.Since(start).Seconds()
			res.Answer = ans
			break
		}
		if err != nil {
			last = err.Error()
		}
		select {
		case err := <-exited:
			return fmt.Errorf("serve --demo exited before answering (%v): %s", err, lastLines(logs.String(), 5))
		case <-ctx.Done():
			stop()
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("serve --demo did not answer within %s (last: %s): %s", *timeout, last, lastLines(logs.String(), 5))
		}
	}
	select {
	case d := <-listening:
		res.ListeningSec = d.Seconds()
	case <-time.After(time.Second):
	}
	if kib, ok := procField(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid), "VmHWM"); ok {
		res.PeakRSSKiB = kib
	}
	stop()
	fmt.Fprintf(stdout, "demo: serve --demo on an empty store listened after %.2f s and answered its first query after %.2f s (%d polls): %s\n",
		res.ListeningSec, res.FirstAnswerSec, res.Polls, res.Answer)
	return writeJSON(*out, res)
}

// pollDemo sends the query once: ok when the answer has a region.
func pollDemo(ctx context.Context, hc *http.Client, url string, body []byte) (bool, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return false, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return false, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return false, "", err
	}
	var ans struct {
		Regions struct {
			Nodes []struct{ Code, Name string }
		}
	}
	r, err := checkAnswer(resp.StatusCode, raw)
	if err != nil {
		return false, "", err
	}
	if err := json.Unmarshal(r.Data, &ans); err != nil || len(ans.Regions.Nodes) == 0 {
		return false, "", fmt.Errorf("no region yet: %.200s", raw)
	}
	return true, string(r.Data), nil
}
