//go:build unix

package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

// File modes are Unix permissions; Windows reports 0666/0444 whatever was
// asked, so this test is built for Unix only.
func TestWriteCreatesPrivateFileAndDirs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "f.json")
	if err := Write(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("two")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 || dst.Mode().Perm() != 0o700 {
		t.Fatalf("mode %v dir %v, want 0600 and 0700", st.Mode().Perm(), dst.Mode().Perm())
	}
}
