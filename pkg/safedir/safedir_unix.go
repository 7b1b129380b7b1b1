//go:build unix

package safedir

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

const noFollow = syscall.O_NOFOLLOW

// The fix an owner problem calls for depends on what was being opened.
const (
	fixOwnConfigDir = "use a directory of your own (unset WWCLI_CONFIG_DIR/WWCLI_CACHE_DIR or point them under your home)"
	fixOwnDir       = "use a directory of your own"
	fixOwnFile      = "use a file you own, in a directory of your own"
)

// Dir checks dir and every existing ancestor: each must be owned by us or
// root, and not group/world-writable unless sticky (like /tmp, where
// others cannot rename our entries). A missing dir is fine: it is created
// 0700.
func Dir(dir string) error { return dirChain(dir, fixOwnConfigDir) }

func dirChain(dir, ownerFix string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for p := abs; ; p = filepath.Dir(p) {
		// A path that cannot be stat'ed is left to the read or write
		// that follows, which names the file and the operation.
		if info, err := os.Stat(p); err == nil {
			if err := check(p, info, true, ownerFix); err != nil {
				return err
			}
		}
		if parent := filepath.Dir(p); parent == p {
			return nil
		}
	}
}

// File checks one file: owned by us (or root) and writable by no one else.
// A missing file is fine.
func File(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return nil // missing or unreadable: the read that follows says so
	}
	return check(path, info, false, fixOwnConfigDir)
}

// MkdirPrivate makes sure dir is a directory no other user can write:
// its existing chain passes Dir, what is missing is created 0700, and the
// chain is checked again, so a directory another user created in between
// (say in /tmp) is refused rather than filled.
func MkdirPrivate(dir string) error {
	if err := dirChain(dir, fixOwnDir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return dirChain(dir, fixOwnDir)
}

// openTrusted opens path for ReadTrusted: see its rules.
func openTrusted(path string) (*os.File, os.FileInfo, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, nil, err
	}
	// Whoever can write the directory holding the name given can point it
	// elsewhere; whoever can write the one holding the file can swap it.
	if err := dirChain(filepath.Dir(abs), fixOwnFile); err != nil {
		return nil, nil, err
	}
	if real != abs {
		if err := dirChain(filepath.Dir(real), fixOwnFile); err != nil {
			return nil, nil, err
		}
	}
	// O_NONBLOCK: opening a FIFO waits for a writer otherwise (N11: a
	// SIGHUP reload blocked a signal loop). O_NOFOLLOW: the name was
	// resolved above, a symlink there now was planted since.
	f, err := os.OpenFile(real, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = notRegular(path, info.Mode())
	}
	if err == nil {
		err = check(real, info, false, fixOwnFile)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

// OpenAppend opens a log file for appending, creating it 0600 if missing.
// It never follows a symlink at path (one planted there would make us
// write into another file, e.g. a shell's rc file), never blocks on a FIFO
// and accepts only a regular file, owned by the effective user or root,
// writable by no one else, with no other hard link, in a directory chain
// no other user can write (see Dir). The checks are made on the opened
// file (fstat), so the file checked is the file written.
//
// A FIFO, a device or a socket is refused (wrapping ErrNotRegular): a
// writer to one blocks when nobody reads, and the servers' logs go
// through a non-blocking queue to a file instead. Log to stderr to feed a
// pipe.
func OpenAppend(path string) (*os.File, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if err := dirChain(filepath.Dir(abs), fixOwnFile); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
	if err != nil {
		// Say what is in the way: a symlink (ELOOP) or a FIFO nobody
		// reads (ENXIO) gives a cryptic error otherwise.
		if li, lerr := os.Lstat(abs); lerr == nil {
			if li.Mode()&os.ModeSymlink != 0 {
				return nil, &UnsafeError{Path: path, Reason: "it is a symlink, which a log is never written through",
					Fix: "remove the symlink, or pass the path of the file it points to"}
			}
			if !li.Mode().IsRegular() {
				return nil, notRegular(path, li.Mode())
			}
		}
		return nil, err
	}
	if err := checkLog(path, f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkLog applies OpenAppend's rules to the opened file.
func checkLog(path string, f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return notRegular(path, info.Mode())
	}
	if err := check(path, info, false, fixOwnFile); err != nil {
		return err
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
		// In a sticky directory another user can hard-link one of our
		// files at the log's name; owner and mode would then pass.
		return &UnsafeError{Path: path, Reason: fmt.Sprintf("it has %d hard links, so it may be another of your files under a planted name", st.Nlink),
			Fix: "remove it (the log is created afresh) or use another path"}
	}
	return nil
}

func check(path string, info os.FileInfo, isDir bool, ownerFix string) error {
	return checkAs(path, info, isDir, ownerFix, os.Geteuid())
}

// checkAs judges info for the user euid: files we create are owned by the
// effective uid.
func checkAs(path string, info os.FileInfo, isDir bool, ownerFix string, euid int) error {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		if uid := int(st.Uid); uid != euid && uid != 0 {
			return &UnsafeError{Path: path, Reason: fmt.Sprintf("owned by uid %d, not you", uid), Fix: ownerFix}
		}
	}
	mode := info.Mode()
	if mode.Perm()&0o022 == 0 || (isDir && mode&os.ModeSticky != 0) {
		return nil
	}
	return &UnsafeError{Path: path, Reason: fmt.Sprintf("writable by group or others (mode %04o)", mode.Perm()),
		Fix: "chmod go-w " + path}
}
