//go:build !linux

package main

import (
	"errors"
	"os"
)

func ioctlFIONREAD(*os.File) (int, error) { return 0, errors.New("FIONREAD: Linux only") }
