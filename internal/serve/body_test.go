package serve

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
)

func TestReadBodyWithinCap(t *testing.T) {
	b := NewBudget(1 << 20)
	data, release, err := b.ReadBody(context.Background(), strings.NewReader("hello"), 5, 100)
	if err != nil || string(data) != "hello" || b.InUse() != 5 {
		t.Fatalf("known length: %q %v, in use %d", data, err, b.InUse())
	}
	release()
	release() // twice is fine
	if b.InUse() != 0 {
		t.Fatalf("in use after release: %d", b.InUse())
	}
	// Unknown length (chunked): grows, and the reservation follows.
	big := bytes.Repeat([]byte("x"), 100_000)
	data, release, err = b.ReadBody(context.Background(), bytes.NewReader(big), -1, 200_000)
	if err != nil || !bytes.Equal(data, big) || b.InUse() < int64(len(big)) {
		t.Fatalf("chunked: %d bytes %v, in use %d", len(data), err, b.InUse())
	}
	release()
	if b.InUse() != 0 {
		t.Fatalf("in use after release: %d", b.InUse())
	}
}

func TestReadBodyOverCap(t *testing.T) {
	b := NewBudget(1 << 20)
	var tl *TooLargeError
	if _, _, err := b.ReadBody(context.Background(), strings.NewReader(""), 101, 100); !errors.As(err, &tl) || tl.Limit != 100 {
		t.Fatalf("Content-Length over the cap: %v", err)
	}
	_, _, err := b.ReadBody(context.Background(), bytes.NewReader(make([]byte, 101)), -1, 100)
	if !errors.As(err, &tl) {
		t.Fatalf("chunked body over the cap: %v", err)
	}
	if b.InUse() != 0 {
		t.Fatalf("a refused body still holds %d bytes", b.InUse())
	}
}

// The audit's N6: 40 bodies of 20 MB at once never hold more than the
// budget; the ones that find no room in time are turned away (ErrBusy).
func TestBudgetBoundsConcurrentBodies(t *testing.T) {
	const size, n, total = 20 << 20, 40, 64 << 20
	b := NewBudget(total)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	busy, ok, peak := 0, 0, int64(0)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A body that is never read to its end until gate opens:
			// each holds its reservation while the others arrive.
			body := io.MultiReader(io.LimitReader(zeros{}, size-1), gatedReader{gate}, strings.NewReader("x"))
			_, release, err := b.ReadBody(context.Background(), body, size, size)
			defer release()
			mu.Lock()
			defer mu.Unlock()
			if in := b.InUse(); in > peak {
				peak = in
			}
			switch {
			case errors.Is(err, ErrBusy):
				busy++
			case err == nil:
				ok++
			default:
				t.Errorf("body: %v", err)
			}
		}()
	}
	close(gate)
	wg.Wait()
	if peak > total || b.InUse() != 0 || ok == 0 || ok+busy != n {
		t.Fatalf("peak %d of %d, in use at the end %d, ok %d, busy %d", peak, total, b.InUse(), ok, busy)
	}
}

func TestReservationWaitsForRoomThenGivesUp(t *testing.T) {
	b := NewBudget(100)
	_, release, err := b.ReadBody(context.Background(), strings.NewReader(strings.Repeat("a", 80)), 80, 100)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the request is gone while the budget is full: its own error, not ErrBusy
	if _, _, err := b.ReadBody(ctx, strings.NewReader(strings.Repeat("b", 50)), 50, 100); !errors.Is(err, context.Canceled) {
		t.Fatalf("full budget, request gone: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, rel, err := b.ReadBody(context.Background(), strings.NewReader(strings.Repeat("b", 50)), 50, 100)
		rel()
		done <- err
	}()
	release() // room given back: the waiter goes on
	if err := <-done; err != nil {
		t.Fatalf("after release: %v", err)
	}
	if _, _, err := b.ReadBody(context.Background(), strings.NewReader(""), 101, 200); !errors.Is(err, ErrBusy) {
		t.Fatalf("more than the whole budget: %v", err)
	}
	_, hold, err := b.ReadBody(context.Background(), strings.NewReader(strings.Repeat("c", 100)), 100, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer hold()
	b.SetWait(0) // no waiting for room: ErrBusy at once
	if _, _, err := b.ReadBody(context.Background(), strings.NewReader("d"), 1, 100); !errors.Is(err, ErrBusy) {
		t.Fatalf("full budget, no wait: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type gatedReader struct{ gate chan struct{} }

func (g gatedReader) Read([]byte) (int, error) { <-g.gate; return 0, io.EOF }
