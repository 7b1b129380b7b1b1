package ui

import (
	"fmt"
	"time"
)

// Duration shows a latency at a useful precision: "0.4ms" below 10 ms (a
// loopback connect is well under a millisecond, which rounding would show
// as "0s"), whole milliseconds below a second, then seconds.
func Duration(d time.Duration) string {
	switch {
	case d < 100*time.Microsecond:
		return "<0.1ms"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Round(time.Millisecond)/time.Millisecond)
	}
	return d.Round(10 * time.Millisecond).String()
}
