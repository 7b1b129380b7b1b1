package pacer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"
)

// fakeClock is shared by several pacers (standing for processes); Sleep
// moves it forward.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return nil
}

func newFake(t *testing.T, dir string, clock *fakeClock) *Pacer {
	p := New(dir, 3, time.Minute)
	p.Now, p.Sleep = clock.Now, clock.Sleep
	return p
}

func TestAcquireWaitsForTheOldestToLeave(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := newFake(t, t.TempDir(), clock)
	ctx := context.Background()
	far := clock.now.Add(time.Hour)
	var starts []time.Time
	for i := 0; i < 7; i++ {
		var waits []time.Duration
		slot, _, err := p.Acquire(ctx, "robot", far, func(d time.Duration) { waits = append(waits, d) })
		if err != nil {
			t.Fatal(err)
		}
		starts = append(starts, clock.Now())
		clock.Sleep(ctx, 2*time.Second) // the send takes 2 s
		slot.Done()
	}
	// 3 per minute, counted from each answer: sends 4-6 start a minute
	// after the answers of sends 1-3.
	for i := 3; i < 7; i++ {
		if gap := starts[i].Sub(starts[i-3]); gap < time.Minute+2*time.Second {
			t.Fatalf("send %d started %s after send %d; want >= 62s", i+1, gap, i-2)
		}
	}
}

func TestWaitLimit(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := newFake(t, t.TempDir(), clock)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		s, _, err := p.Acquire(ctx, "r", clock.now, nil)
		if err != nil {
			t.Fatal(err)
		}
		s.Done()
	}
	_, _, err := p.Acquire(ctx, "r", clock.Now().Add(30*time.Second), nil)
	var we *WaitError
	if !errors.As(err, &we) || we.Needed != time.Minute {
		t.Fatalf("err=%v", err)
	}
	// Another target is not affected.
	if _, _, err := p.Acquire(ctx, "other", clock.Now(), nil); err != nil {
		t.Fatal(err)
	}
}

func TestHoldStopsEveryone(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	a, b := newFake(t, dir, clock), newFake(t, dir, clock)
	ctx := context.Background()
	if err := a.Hold(ctx, "r", 45*time.Second); err != nil {
		t.Fatal(err)
	}
	start := clock.Now()
	if _, _, err := b.Acquire(ctx, "r", start.Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	if waited := clock.Now().Sub(start); waited != 45*time.Second {
		t.Fatalf("waited %s, want the 45s hold", waited)
	}
}

func TestCorruptStateIsIgnored(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "r.json"), []byte("{nope"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := New(dir, 1, time.Minute)
	if _, _, err := p.Acquire(context.Background(), "r", time.Now(), nil); err != nil {
		t.Fatal(err)
	}
}

func TestUnusableDirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	p := New(filepath.Join(file, "sub"), 1, time.Minute)
	_, _, err := p.Acquire(context.Background(), "r", time.Now(), nil)
	var ue *UnavailableError
	if !errors.As(err, &ue) {
		t.Fatalf("err=%v", err)
	}
}

func TestCancelWhileWaiting(t *testing.T) {
	p := New(t.TempDir(), 1, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	if _, _, err := p.Acquire(ctx, "r", time.Now().Add(2*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	if _, _, err := p.Acquire(ctx, "r", time.Now().Add(2*time.Hour), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err=%v", err)
	}
}

// Real clock, real locks: 4 pacers (as 4 processes would) x 5 sends with a
// limit of 5 per 300ms. No window ever holds more than 5 sends.
func TestConcurrentPacersKeepTheLimit(t *testing.T) {
	dir := t.TempDir()
	const limit, window = 5, 300 * time.Millisecond
	var mu sync.Mutex
	var starts []time.Time
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := New(dir, limit, window)
			for i := 0; i < 5; i++ {
				slot, _, err := p.Acquire(context.Background(), "r", time.Now().Add(10*time.Second), nil)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				starts = append(starts, time.Now())
				mu.Unlock()
				slot.Done()
			}
		}()
	}
	wg.Wait()
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	if len(starts) != 20 {
		t.Fatalf("%d sends", len(starts))
	}
	for i := limit; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-limit]); gap < window {
			t.Fatalf("sends %d and %d are %s apart: %d sends inside one %s window", i-limit+1, i+1, gap, limit+1, window)
		}
	}
}
