//go:build !unix

package safedir

import "os"

// Without Unix owners and modes, the per-user profile directory is the
// boundary: nothing to check.
const noFollow = 0

// Dir accepts every directory where Unix modes do not exist.
func Dir(string) error { return nil }

// File accepts every file where Unix modes do not exist.
func File(string) error { return nil }

// MkdirPrivate creates dir (0700 where modes exist) if missing.
func MkdirPrivate(dir string) error { return os.MkdirAll(dir, 0o700) }

// openTrusted opens path for ReadTrusted: only the kind of file is checked
// here, before the open, so a pipe is never waited on.
func openTrusted(path string) (*os.File, os.FileInfo, error) {
	if info, err := os.Stat(path); err != nil {
		return nil, nil, err
	} else if !info.Mode().IsRegular() {
		return nil, nil, notRegular(path, info.Mode())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = notRegular(path, info.Mode())
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

// OpenAppend opens a log file for appending, creating it if missing; it
// refuses a symlink at path and anything but a regular file.
func OpenAppend(path string) (*os.File, error) {
	if li, err := os.Lstat(path); err == nil {
		if li.Mode()&os.ModeSymlink != 0 {
			return nil, &UnsafeError{Path: path, Reason: "it is a symlink, which a log is never written through",
				Fix: "remove the symlink, or pass the path of the file it points to"}
		}
		if !li.Mode().IsRegular() {
			return nil, notRegular(path, li.Mode())
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = notRegular(path, info.Mode())
		}
		return nil, err
	}
	return f, nil
}
