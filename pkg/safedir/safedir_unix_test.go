//go:build unix

package safedir

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Tests run as root, which no mode stops: the "other user" cases are
// built on modes and symlinks, which these checks look at themselves.
func TestDirRefusesSharedWritable(t *testing.T) {
	base := t.TempDir()
	shared := filepath.Join(base, "shared")
	if err := os.Mkdir(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{shared, filepath.Join(shared, "wwcli", "not-yet")} {
		err := Dir(dir)
		var ue *UnsafeError
		if !errors.As(err, &ue) || ue.Path != shared || !strings.Contains(err.Error(), "chmod go-w "+shared) {
			t.Errorf("%s: got %v", dir, err)
		}
	}
	if err := os.Chmod(shared, os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	if err := Dir(shared); err != nil {
		t.Errorf("sticky dir (like /tmp) refused: %v", err)
	}
	if err := Dir(base); err != nil {
		t.Errorf("private dir refused: %v", err)
	}
}

func TestFileRefusesWritableByOthers(t *testing.T) {
	p := filepath.Join(t.TempDir(), "entry.json")
	if err := File(p); err != nil {
		t.Fatalf("missing file: %v", err)
	}
	if err := os.WriteFile(p, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := File(p); err != nil {
		t.Fatalf("0600 file: %v", err)
	}
	if err := os.Chmod(p, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := File(p); err == nil {
		t.Fatal("0666 file accepted")
	}
}

func TestLockNeverFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "victim-file")
	lock := filepath.Join(dir, "config.json.lock")
	if err := os.Symlink(target, lock); err != nil {
		t.Fatal(err)
	}
	fl := NewLock(lock)
	if err := fl.Lock(); err == nil {
		fl.Unlock()
		t.Fatal("lock through a symlink succeeded")
	}
	if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the symlink's target was created (err=%v)", err)
	}
}
