//go:build unix

package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Another user could rewrite config.json in a 0777 directory (their
// base_url would receive the secret): refuse to read or write there.
func TestSharedWritableConfigDirIsRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(`{"profiles":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "chmod go-w "+dir) {
		t.Fatalf("load: %v", err)
	}
	err := Update(dir, func(*Config) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "chmod go-w") {
		t.Fatalf("update: %v", err)
	}
}

func TestConfigLockSymlinkIsNotFollowed(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	if err := os.Symlink(target, filepath.Join(dir, FileName+".lock")); err != nil {
		t.Fatal(err)
	}
	_ = Update(dir, func(*Config) error { return nil })
	if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the lock symlink was followed (err=%v)", err)
	}
}
