package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// machine is what the results say about where they were measured.
type machine struct {
	NProc      int
	MemTotal   string
	CPUModel   string
	Kernel     string
	PostgreSQL string
	Go         string
	LoadStart  string // /proc/loadavg when the run started
	LoadEnd    string // ... and when the report was written
}

// describeMachine gathers the machine's facts; what cannot be read is "?".
func describeMachine(ctx context.Context, db *pgx.Conn, loadavgStart string) machine {
	m := machine{
		NProc:     runtime.NumCPU(), // as nproc: the CPUs this process may run on
		MemTotal:  "?",
		CPUModel:  "?",
		Kernel:    firstLine("/proc/sys/kernel/osrelease"),
		Go:        runtime.Version(),
		LoadStart: loadavgStart,
		LoadEnd:   loadavg(firstLine("/proc/loadavg")),
	}
	if kb, ok := procField("/proc/meminfo", "MemTotal"); ok {
		m.MemTotal = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	}
	if model, ok := cpuinfoField("model name"); ok {
		m.CPUModel = model
	}
	m.PostgreSQL = "?"
	var v string
	if err := db.QueryRow(ctx, "SELECT version()").Scan(&v); err == nil {
		m.PostgreSQL = v
	}
	return m
}

// loadavg keeps the three load averages of a /proc/loadavg line.
func loadavg(line string) string {
	f := strings.Fields(line)
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// firstLine is the first line of a file, "?" when it cannot be read.
func firstLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "?"
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}

// procField reads a "Name:   1234 kB" field of a /proc file (meminfo,
// <pid>/status) as a number (kB for those that have a unit).
func procField(path, name string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != name {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			return 0, false
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		return n, err == nil
	}
	return 0, false
}

// cpuinfoField is the value of the first "name : value" line of
// /proc/cpuinfo with that name.
func cpuinfoField(name string) (string, bool) {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}
