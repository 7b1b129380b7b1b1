//go:build unix

package safedir

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

const noFollow = syscall.O_NOFOLLOW

// Dir checks dir and every existing ancestor: each must be owned by us or
// root, and not group/world-writable unless sticky (like /tmp, where
// others cannot rename our entries). A missing dir is fine: it is created
// 0700.
func Dir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for p := abs; ; p = filepath.Dir(p) {
		// A path that cannot be stat'ed is left to the read or write
		// that follows, which names the file and the operation.
		if info, err := os.Stat(p); err == nil {
			if err := check(p, info, true); err != nil {
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
	return check(path, info, false)
}

func check(path string, info os.FileInfo, isDir bool) error {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		if uid := int(st.Uid); uid != os.Getuid() && uid != 0 {
			return &UnsafeError{Path: path, Reason: fmt.Sprintf("owned by uid %d, not you", uid),
				Fix: "use a directory of your own (unset WWCLI_CONFIG_DIR/WWCLI_CACHE_DIR or point them under your home)"}
		}
	}
	mode := info.Mode()
	if mode.Perm()&0o022 == 0 || (isDir && mode&os.ModeSticky != 0) {
		return nil
	}
	return &UnsafeError{Path: path, Reason: fmt.Sprintf("writable by group or others (mode %04o)", mode.Perm()),
		Fix: "chmod go-w " + path}
}
