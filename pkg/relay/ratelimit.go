package relay

import (
	"math"
	"sync"
	"time"
)

// bucket is a token bucket: capacity tokens at most, refilled at rate
// tokens per second. A request takes one token or waits for it elsewhere.
type bucket struct {
	mu       sync.Mutex
	capacity float64
	rate     float64 // tokens per second
	tokens   float64
	last     time.Time
}

// newBucket is full at first: a client that starts may burst at once.
// The burst is a tenth of the per-minute rate (6 seconds' worth), at least 1.
func newBucket(perMinute int, now time.Time) *bucket {
	capacity := math.Max(1, math.Ceil(float64(perMinute)/10))
	return &bucket{capacity: capacity, rate: float64(perMinute) / 60, tokens: capacity, last: now}
}

// take takes a token at now. When there is none it reports how long until
// one is there (for Retry-After).
func (b *bucket) take(now time.Time) (ok bool, wait time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(b.capacity, b.tokens+elapsed*b.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	need := (1 - b.tokens) / b.rate
	return false, time.Duration(math.Ceil(need*1000)) * time.Millisecond
}
