//go:build unix

package credstore

import (
	"context"
	"os"
	"path/filepath"
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
