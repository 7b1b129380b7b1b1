// Package safedir refuses directories and files another local user could
// have written, as OpenSSH's StrictModes does: config.json, secrets.json
// and cache entries are trusted only when no one else can change them.
package safedir

import (
	"fmt"
	"os"

	"github.com/gofrs/flock"
)

// UnsafeError says which path another user can change, and the fix.
type UnsafeError struct {
	Path   string
	Reason string
	Fix    string
}

func (e *UnsafeError) Error() string {
	return fmt.Sprintf("refusing to use %s: %s (another local user could change it); fix: %s", e.Path, e.Reason, e.Fix)
}

// NewLock is a file lock at path that never follows a symlink planted
// there (it would make us create or truncate a file elsewhere).
func NewLock(path string) *flock.Flock {
	return flock.New(path, flock.SetPermissions(0o600), flock.SetFlag(os.O_CREATE|os.O_RDWR|noFollow))
}
