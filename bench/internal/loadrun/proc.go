package loadrun

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// StatusKB reads a "Name: N kB" line of /proc/PID/status: VmRSS is the
// resident set now, VmHWM its peak. 0 when there is none (the process is
// gone, or this is not Linux).
func StatusKB(pid int, name string) int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// SampleRSS samples the process's VmRSS every 100 ms until peak is
// called, which stops the sampling and returns the larger of the highest
// sample and VmHWM (KiB): a peak that survives a kernel without VmHWM.
func SampleRSS(pid int) (peak func() int64) {
	var high atomic.Int64
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if kb := StatusKB(pid, "VmRSS"); kb > high.Load() {
				high.Store(kb)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-sampled
		return max(high.Load(), StatusKB(pid, "VmHWM"))
	}
}
