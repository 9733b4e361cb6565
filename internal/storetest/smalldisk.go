package storetest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// SmallDisk is a small filesystem of a test's own (tmpfs) at Dir, and at
// View, a bind mount of Dir that may be made read-only: a disk that fills
// up or refuses writes for real, with the kernel's ENOSPC and EROFS.
type SmallDisk struct {
	t         testing.TB
	Dir, View string
	filler    string
}

// MountSmallDisk mounts a tmpfs of size ("16m") and its view on temporary
// directories, and unmounts them when the test ends (call it before
// anything that keeps files open there). Mounting needs root: the test
// fails without it, as a test that needs PostgreSQL fails without it.
func MountSmallDisk(t testing.TB, size string) *SmallDisk {
	t.Helper()
	base := t.TempDir()
	d := &SmallDisk{t: t, Dir: filepath.Join(base, "disk"), View: filepath.Join(base, "view")}
	for _, dir := range []string{d.Dir, d.View} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	d.run("mount a small tmpfs for the disk faults (run the tests as root)", "mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", d.Dir)
	t.Cleanup(func() { d.run("unmount the disk", "umount", d.Dir) })
	d.run("bind-mount the disk", "mount", "--bind", d.Dir, d.View)
	t.Cleanup(func() { d.run("unmount the disk's view", "umount", d.View) })
	return d
}

func (d *SmallDisk) run(what string, args ...string) {
	d.t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		d.t.Fatalf("%s: %s: %v: %s", what, strings.Join(args, " "), err, out)
	}
}

// Fill writes a file until the disk is full, then gives back leave bytes
// of it: room to open a database (SQLite maps its -shm file, and touching
// a page of it that the disk has no room for kills the process), not to
// write much.
func (d *SmallDisk) Fill(leave int64) {
	d.t.Helper()
	d.filler = filepath.Join(d.Dir, "filler")
	f, err := os.Create(d.filler)
	if err != nil {
		d.t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				d.t.Fatal(err)
			}
			break
		}
	}
	if leave > 0 {
		st, err := f.Stat()
		if err != nil {
			d.t.Fatal(err)
		}
		if err := f.Truncate(max(st.Size()-leave, 0)); err != nil {
			d.t.Fatal(err)
		}
	}
}

// Free removes what Fill wrote.
func (d *SmallDisk) Free() {
	d.t.Helper()
	if err := os.Remove(d.filler); err != nil {
		d.t.Fatal(err)
	}
}

// RemountView makes the view read-only ("ro") or writable ("rw").
func (d *SmallDisk) RemountView(mode string) {
	d.t.Helper()
	d.run("remount the disk's view "+mode, "mount", "-o", "remount,bind,"+mode, d.View)
}
