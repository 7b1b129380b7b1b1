// Package pacer spaces out sends to a rate-limited target (a group robot
// takes 20 messages a minute) across every wwcli process on the machine:
// each target has a small state file of recent sends in a directory,
// guarded by a file lock, as pkg/tokencache guards tokens. A process that
// would exceed the limit waits for the oldest send to leave the window
// instead of being refused by WeCom (45009).
//
// A send's time is when its answer came back, not when it started, so the
// window counted here never ends before the one WeCom counts from the
// request's arrival.
package pacer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gofrs/flock"

	"github.com/wwcli/wwcli/pkg/atomicfile"
	"github.com/wwcli/wwcli/pkg/clock"
)

const formatVersion = 1

// Pacer allows at most Limit sends per Window to each target.
type Pacer struct {
	Dir    string
	Limit  int
	Window time.Duration
	Now    func() time.Time
	// Sleep waits; tests replace it. It must return ctx.Err() when ctx ends.
	Sleep func(ctx context.Context, d time.Duration) error
	// LockTimeout bounds the wait for another process's (short) turn.
	LockTimeout time.Duration
}

// New returns a pacer keeping its files in dir.
func New(dir string, limit int, window time.Duration) *Pacer {
	return &Pacer{Dir: dir, Limit: limit, Window: window, Now: time.Now, LockTimeout: 10 * time.Second}
}

type send struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
}

type state struct {
	Version int    `json:"version"`
	Sends   []send `json:"sends"`
	// HoldUntil stops every sender until then (WeCom answered 45009).
	HoldUntil time.Time `json:"hold_until,omitzero"`
}

// Slot is one permitted send. Call Done when its answer arrived (or it
// failed); a slot never marked done still counts, from when it started.
type Slot struct {
	p      *Pacer
	target string
	id     string
}

// UnavailableError means the state directory cannot be used; callers send
// without pacing (and say so).
type UnavailableError struct{ Err error }

func (e *UnavailableError) Error() string { return "robot pacer unavailable: " + e.Err.Error() }
func (e *UnavailableError) Unwrap() error { return e.Err }

// WaitError means a free slot would come later than the deadline.
type WaitError struct {
	Needed time.Duration // from now until the next free slot
}

func (e *WaitError) Error() string {
	return fmt.Sprintf("the next free slot is %s away, past the wait limit", e.Needed.Round(time.Millisecond))
}

// Acquire waits for a free slot for target until deadline and returns it
// with the time spent waiting. wait, when not nil, hears about each wait
// before it starts (for a progress line).
func (p *Pacer) Acquire(ctx context.Context, target string, deadline time.Time, wait func(time.Duration)) (*Slot, time.Duration, error) {
	if p.Limit <= 0 || p.Window <= 0 {
		return nil, 0, errors.New("pacer: limit and window must be positive")
	}
	start := p.now()
	id := newID()
	for {
		var need time.Duration
		err := p.update(ctx, target, func(st *state, now time.Time) bool {
			need = p.delay(st, now)
			if need > 0 {
				return false
			}
			st.Sends = append(st.Sends, send{ID: id, At: now})
			return true
		})
		if err != nil {
			return nil, p.now().Sub(start), err
		}
		if need <= 0 {
			return &Slot{p: p, target: target, id: id}, p.now().Sub(start), nil
		}
		if p.now().Add(need).After(deadline) {
			return nil, p.now().Sub(start), &WaitError{Needed: need}
		}
		if wait != nil {
			wait(need)
		}
		if err := p.sleep(ctx, need); err != nil {
			return nil, p.now().Sub(start), err
		}
	}
}

// delay is how long until a send may start: after a hold, and once fewer
// than Limit sends are inside the window.
func (p *Pacer) delay(st *state, now time.Time) time.Duration {
	if st.HoldUntil.After(now) {
		return st.HoldUntil.Sub(now)
	}
	if len(st.Sends) < p.Limit {
		return 0
	}
	// Sends are sorted by time: the one Limit places from the end must
	// leave the window first.
	oldest := st.Sends[len(st.Sends)-p.Limit].At
	return oldest.Add(p.Window).Sub(now)
}

// Done stamps the slot with the time its answer arrived.
func (s *Slot) Done() {
	_ = s.p.update(context.Background(), s.target, func(st *state, now time.Time) bool {
		for i := range st.Sends {
			if st.Sends[i].ID == s.id {
				st.Sends[i].At = now
				return true
			}
		}
		return false
	})
}

// Hold stops every sender to target for d (WeCom's block after 45009
// lasts about one window).
func (p *Pacer) Hold(ctx context.Context, target string, d time.Duration) error {
	return p.update(ctx, target, func(st *state, now time.Time) bool {
		if until := now.Add(d); until.After(st.HoldUntil) {
			st.HoldUntil = until
		}
		return true
	})
}

// update runs fn on target's state under the lock; fn reports whether it
// changed the state (then it is written back).
func (p *Pacer) update(ctx context.Context, target string, fn func(st *state, now time.Time) bool) error {
	if err := os.MkdirAll(p.Dir, 0o700); err != nil {
		return &UnavailableError{Err: err}
	}
	path := filepath.Join(p.Dir, target+".json")
	fl := flock.New(path+".lock", flock.SetPermissions(0o600))
	timeout := p.LockTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ok, err := fl.TryLockContext(lctx, 5*time.Millisecond)
	if err != nil || !ok {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			err = errors.New("timed out waiting for another wwcli process")
		}
		return &UnavailableError{Err: err}
	}
	defer func() { _ = fl.Unlock() }()

	now := p.now()
	st := p.read(path)
	st.Sends = slices.DeleteFunc(st.Sends, func(s send) bool { return !s.At.Add(p.Window).After(now) })
	slices.SortFunc(st.Sends, func(a, b send) int { return a.At.Compare(b.At) })
	if !fn(&st, now) {
		return nil
	}
	slices.SortFunc(st.Sends, func(a, b send) int { return a.At.Compare(b.At) })
	st.Version = formatVersion
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, b); err != nil {
		return &UnavailableError{Err: err}
	}
	return nil
}

// read returns the stored state; a missing, corrupt or foreign file is an
// empty state (the worst case is one 45009, which is handled).
func (p *Pacer) read(path string) state {
	var st state
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &st) != nil || st.Version != formatVersion {
		return state{}
	}
	return st
}

func (p *Pacer) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Pacer) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	return clock.Sleep(ctx, d)
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
