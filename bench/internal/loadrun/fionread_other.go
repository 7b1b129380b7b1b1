//go:build !linux

package loadrun

import (
	"errors"
	"os"
)

func ioctlFIONREAD(*os.File) (int, error) { return 0, errors.New("FIONREAD: Linux only") }
