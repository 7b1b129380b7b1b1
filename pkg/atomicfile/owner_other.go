//go:build !unix

package atomicfile

import "os"

// Without Unix owners, the per-user cache directory is the boundary.
func ownedByUs(os.FileInfo) bool { return true }
