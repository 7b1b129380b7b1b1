//go:build !unix

package safedir

// Without Unix owners and modes, the per-user profile directory is the
// boundary: nothing to check.
const noFollow = 0

// Dir accepts every directory where Unix modes do not exist.
func Dir(string) error { return nil }

// File accepts every file where Unix modes do not exist.
func File(string) error { return nil }
