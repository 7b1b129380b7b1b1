package ui

import (
	"time"

	"github.com/wwcli/wwcli/pkg/check"
)

// Duration shows a latency at a useful precision; it is check.Duration,
// so a command's timings read like the ones in doctor's checks.
func Duration(d time.Duration) string { return check.Duration(d) }
