// Package safedir refuses directories and files another local user could
// have written, as OpenSSH's StrictModes does: config.json, secrets.json
// and cache entries are trusted only when no one else can change them.
//
// Servers use it for every file they read or write: ReadTrusted for what
// they load (a clients file, a TLS key, recordings), OpenAppend for logs,
// MkdirPrivate for directories they fill. The rule is the same everywhere:
// the file and each directory above it are owned by the effective user
// (or root), and writable by no one else (a sticky directory such as /tmp
// is fine: others cannot rename or delete our entries there).
package safedir

import (
	"errors"
	"fmt"
	"io"
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

// ErrNotRegular is wrapped by the error for a path that is a FIFO, a
// device, a socket or a directory: reading one can block forever or never
// end, and a log written to one is not a file anyone can check.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by ReadTrusted's error for a file over its limit.
var ErrTooLarge = errors.New("file too large")

// NewLock is a file lock at path that never follows a symlink planted
// there (it would make us create or truncate a file elsewhere).
func NewLock(path string) *flock.Flock {
	return flock.New(path, flock.SetPermissions(0o600), flock.SetFlag(os.O_CREATE|os.O_RDWR|noFollow))
}

// ReadTrusted reads a whole file that no other local user could have
// written, of at most max bytes. A symlink is followed (a config file may
// legitimately be one), but the file it ends at must be a regular file
// owned by the effective user or root and not writable by group or
// others, and neither its directory chain nor the symlink's may be
// writable by another user (see Dir). The owner and mode are those of the
// opened file (fstat), so the file checked is the file read. The open
// never blocks: a FIFO or a device is refused (wrapping ErrNotRegular)
// instead of waiting for a writer. A file over max bytes is refused
// (wrapping ErrTooLarge); max must be positive.
//
// Errors: *UnsafeError naming the path and the fix (chmod go-w …, use a
// file you own), or the open's own error (errors.Is(err, fs.ErrNotExist)
// for a missing file).
func ReadTrusted(path string, max int64) ([]byte, error) {
	if max <= 0 {
		return nil, fmt.Errorf("reading %s: the size limit must be positive, not %d", path, max)
	}
	f, info, err := openTrusted(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info.Size() > max {
		return nil, tooLarge(path, info.Size(), max)
	}
	// The size can grow after the fstat: the read stops at max+1 all the same.
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, tooLarge(path, int64(len(data)), max)
	}
	return data, nil
}

func tooLarge(path string, size, max int64) error {
	return fmt.Errorf("refusing to read %s: %w (%d bytes or more; at most %d are read)", path, ErrTooLarge, size, max)
}

func notRegular(path string, mode os.FileMode) error {
	what := "not a regular file"
	switch {
	case mode&os.ModeNamedPipe != 0:
		what = "a FIFO"
	case mode&os.ModeDevice != 0:
		what = "a device"
	case mode&os.ModeSocket != 0:
		what = "a socket"
	case mode.IsDir():
		what = "a directory"
	}
	return fmt.Errorf("refusing to use %s: it is %s, %w (it could block or never end); fix: point at a regular file", path, what, ErrNotRegular)
}
