//go:build unix

package credstore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// File modes are Unix permissions; Windows reports 0666/0444 whatever was
// asked, so this test is built for Unix only.
func TestFileStoreIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "secrets.json")
	if err := NewFile(path).Set(context.Background(), "a", "one"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
}

// secrets.json in a directory another user can write is refused for
// reading and writing (they could swap in their own file).
func TestFileStoreRefusesSharedWritableDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	s := NewFile(filepath.Join(dir, "secrets.json"))
	if err := s.Set(context.Background(), "a", "one"); err == nil || !strings.Contains(err.Error(), "chmod go-w") {
		t.Fatalf("set: %v", err)
	}
	if _, err := s.Get(context.Background(), "a"); err == nil || !strings.Contains(err.Error(), "chmod go-w") {
		t.Fatalf("get: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "secrets.json.lock")); !os.IsNotExist(err) {
		t.Fatalf("a lock file was made in the refused dir (err=%v)", err)
	}
}
