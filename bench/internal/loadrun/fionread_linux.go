package loadrun

import (
	"os"
	"syscall"
	"unsafe"
)

// ioctlFIONREAD is how many bytes wait in f (a pipe).
func ioctlFIONREAD(f *os.File) (int, error) {
	var n int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n))); e != 0 {
		return 0, e
	}
	return int(n), nil
}
