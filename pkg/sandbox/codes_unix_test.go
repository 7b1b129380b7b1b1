//go:build !windows

package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCodeFileRefusesSharedDirAndSymlinks(t *testing.T) {
	f := frozenCodeFile(t)
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(f.Dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := f.Save("C1", StoredCode{}); err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Errorf("world-writable dir: %v", err)
	}
	_ = os.Chmod(f.Dir, 0o700)
	if err := os.Symlink(filepath.Join(t.TempDir(), "elsewhere"), filepath.Join(f.Dir, "codes.lock")); err != nil {
		t.Fatal(err)
	}
	if err := f.Save("C1", StoredCode{}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("symlinked lock: %v", err)
	}
}
