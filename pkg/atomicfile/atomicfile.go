// Package atomicfile writes private files so that a crash or a concurrent
// reader never sees half of one: write a temporary file beside the target,
// then rename it over the target.
package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// tempPrefix starts the name of every temporary file Write creates.
const tempPrefix = ".tmp-"

// StaleAge is how old a temporary file must be before CleanStale removes
// it: a Write finishes in milliseconds, so one this old was left by a
// process killed between create and rename.
const StaleAge = time.Minute

// Write stores data at path with mode 0600, creating the directory (0700)
// when needed.
func Write(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// CleanStale removes the temporary files in dir that a killed Write left
// behind (they may hold complete secrets-bearing entries): regular files
// named like Write's, older than StaleAge and owned by this user. A fresh
// one may belong to a Write in progress and is kept. Errors are ignored:
// cleaning is best effort and never blocks the caller.
func CleanStale(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	cutoff := time.Now().Add(-StaleAge)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) || !ownedByUs(info) {
			continue
		}
		_ = os.Remove(filepath.Join(dir, e.Name()))
	}
}
