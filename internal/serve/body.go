package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Budget bounds the memory all requests in flight may hold in bodies, so
// that many large requests at once (40 × 20 MB) cannot take the machine:
// beyond it a request waits a little for room, then is turned away
// (ErrBusy: answer 503 with Retry-After).
type Budget struct {
	total int64
	wait  time.Duration // how long a body waits for room

	mu   sync.Mutex
	used int64
	wake chan struct{} // closed when room is given back
}

// NewBudget is a budget of total bytes.
func NewBudget(total int64) *Budget {
	return &Budget{total: total, wait: BudgetWait, wake: make(chan struct{})}
}

// SetWait changes how long a body waits for room before ErrBusy (0: not
// at all). Call it before the budget is used.
func (b *Budget) SetWait(d time.Duration) { b.wait = d }

// DefaultBudget is what a server's bodies may hold at once.
const DefaultBudget = 64 << 20

// BudgetWait is how long a request waits for room before ErrBusy, unless
// SetWait says otherwise.
const BudgetWait = 2 * time.Second

// ErrBusy: the budget stayed full for its wait.
var ErrBusy = errors.New("the server holds as many request bodies as it may; retry in a moment")

// TooLargeError is a body over the per-request cap.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the request body is over the cap of %d bytes", e.Limit)
}

// InUse is how many bytes are reserved now (tests, metrics).
func (b *Budget) InUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// reserve takes n bytes, waiting until ctx ends for room.
func (b *Budget) reserve(ctx context.Context, n int64) bool {
	if n > b.total {
		return false
	}
	for { // each turn waits for a release or for ctx, which has a deadline
		b.mu.Lock()
		if b.used+n <= b.total {
			b.used += n
			b.mu.Unlock()
			return true
		}
		wake := b.wake
		b.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return false
		}
	}
}

func (b *Budget) release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	close(b.wake)
	b.wake = make(chan struct{})
	b.mu.Unlock()
}

// chunk is how much a body of unknown length grows by at least.
const chunk = 32 << 10

// ReadBody reads body (of contentLength bytes, or -1 when unknown) up to
// limit bytes, reserving the memory it holds from the budget as it grows.
// Call release once the body is no longer needed (after the answer);
// release is never nil and may be called more than once. Errors:
// *TooLargeError, ErrBusy, ctx's error when the request ended while
// waiting, or the read's own.
func (b *Budget) ReadBody(ctx context.Context, body io.Reader, contentLength, limit int64) (data []byte, release func(), err error) {
	var held int64
	var once sync.Once
	release = func() { once.Do(func() { b.release(held) }) }
	if contentLength > limit {
		return nil, release, &TooLargeError{limit}
	}
	wctx, cancel := context.WithTimeout(ctx, b.wait)
	defer cancel()
	grow := func(size int64) error {
		if !b.reserve(wctx, size-held) {
			if err := ctx.Err(); err != nil {
				return err // the client went away: not the budget's doing
			}
			return ErrBusy
		}
		held = size
		return nil
	}
	if contentLength >= 0 {
		if err := grow(contentLength); err != nil {
			return nil, release, err
		}
		data = make([]byte, contentLength)
		if _, err := io.ReadFull(body, data); err != nil {
			release()
			return nil, release, err
		}
		return data, release, nil
	}
	for empty := 0; ; {
		if int64(len(data)) == int64(cap(data)) {
			size := max(2*int64(cap(data)), chunk)
			if size > limit+1 {
				size = limit + 1 // one byte more tells a body over the cap
			}
			if size <= int64(cap(data)) {
				release()
				return nil, release, &TooLargeError{limit}
			}
			if err := grow(size); err != nil {
				release()
				return nil, release, err
			}
			bigger := make([]byte, len(data), size)
			copy(bigger, data)
			data = bigger
		}
		n, err := body.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if n == 0 && err == nil {
			if empty++; empty > 100 {
				release()
				return nil, release, io.ErrNoProgress
			}
		}
		if int64(len(data)) > limit {
			release()
			return nil, release, &TooLargeError{limit}
		}
		if err == io.EOF {
			return data, release, nil
		}
		if err != nil {
			release()
			return nil, release, err
		}
	}
}
