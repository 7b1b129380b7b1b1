package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWriteCreatesAndReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "f.json")
	if err := Write(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("two")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "two" {
		t.Fatalf("content %q, %v", b, err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".tmp-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}
}

func TestWriteFailsBelowAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	if err := Write(filepath.Join(file, "x"), []byte("x")); err == nil {
		t.Fatal("writing below a regular file must fail")
	}
}

func TestCleanStaleKeepsFreshAndOtherFiles(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, tempPrefix+"1")
	fresh := filepath.Join(dir, tempPrefix+"2")
	entry := filepath.Join(dir, "entry.json")
	for _, p := range []string{old, fresh, entry} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-2 * StaleAge)
	for _, p := range []string{old, entry} {
		if err := os.Chtimes(p, past, past); err != nil {
			t.Fatal(err)
		}
	}
	CleanStale(dir)
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("old temp file kept (err=%v)", err)
	}
	for _, p := range []string{fresh, entry} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", filepath.Base(p), err)
		}
	}
}
