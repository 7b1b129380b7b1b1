//go:build unix

package config

import (
	"os"
	"path/filepath"
	"testing"
)

// File modes are Unix permissions; Windows reports 0666/0444 whatever was
// asked, so this test is built for Unix only.
func TestSaveWritesAPrivateFile(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), "cfg"))
	if err != nil {
		t.Fatal(err)
	}
	c.Profiles["default"] = &Profile{CorpID: "ww5a8f2c1d9e0b3a47", SecretStorage: StorageKeyring}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(c.Path())
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
}
