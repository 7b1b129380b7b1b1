// Package clock holds the one way wwcli waits: a sleep that ends early
// when the context is cancelled (Ctrl-C), so no retry or pacing wait ever
// outlives the command.
package clock

import (
	"context"
	"time"
)

// Sleep waits d, or returns ctx.Err() as soon as ctx is done.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
