package suiteticket

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)

func TestSaveLoad(t *testing.T) {
	s := New(filepath.Join(t.TempDir(), "cfg"))
	if _, err := s.Load("wwsuite"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty store: %v", err)
	}
	if err := s.Save(Ticket{SuiteID: "wwsuite", Value: "T1", ReceivedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(Ticket{SuiteID: "dktemplate", Value: "D1", ReceivedAt: t0}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load("wwsuite")
	if err != nil || got.Value != "T1" || !got.ReceivedAt.Equal(t0) || got.SuiteID != "wwsuite" {
		t.Fatalf("%+v %v", got, err)
	}
	if got, _ := s.Load("dktemplate"); got.Value != "D1" {
		t.Fatalf("two suites share one entry: %+v", got)
	}
	if runtime.GOOS != "windows" {
		info, err := os.Stat(s.Path())
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v %v", info.Mode(), err)
		}
	}
}

// The latest push wins by received time, not by the order of Saves.
func TestLatestWins(t *testing.T) {
	s := New(t.TempDir())
	must(t, s.Save(Ticket{SuiteID: "ww1", Value: "NEW", ReceivedAt: t0.Add(10 * time.Minute)}))
	must(t, s.Save(Ticket{SuiteID: "ww1", Value: "OLD", ReceivedAt: t0}))
	if got, _ := s.Load("ww1"); got.Value != "NEW" {
		t.Fatalf("an older ticket replaced a newer one: %+v", got)
	}
	must(t, s.Save(Ticket{SuiteID: "ww1", Value: "NEWER", ReceivedAt: t0.Add(20 * time.Minute)}))
	if got, _ := s.Load("ww1"); got.Value != "NEWER" {
		t.Fatalf("a newer ticket was dropped: %+v", got)
	}
}

// Concurrent savers of different suites never lose each other's ticket.
func TestConcurrentSaves(t *testing.T) {
	s := New(t.TempDir())
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Save(Ticket{SuiteID: fmt.Sprintf("ww%02d", i), Value: fmt.Sprintf("T%d", i), ReceivedAt: t0})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	for i := range 20 {
		if got, err := s.Load(fmt.Sprintf("ww%02d", i)); err != nil || got.Value != fmt.Sprintf("T%d", i) {
			t.Fatalf("suite %d: %+v %v", i, got, err)
		}
	}
}

func TestValidate(t *testing.T) {
	s := New(t.TempDir())
	for _, bad := range []Ticket{
		{SuiteID: "", Value: "T", ReceivedAt: t0},
		{SuiteID: "ww 1", Value: "T", ReceivedAt: t0},
		{SuiteID: "ww1", Value: "", ReceivedAt: t0},
		{SuiteID: "ww1", Value: "a b", ReceivedAt: t0},
		{SuiteID: "ww1", Value: strings.Repeat("x", MaxLen+1), ReceivedAt: t0},
		{SuiteID: "ww1", Value: "T"},
	} {
		if err := s.Save(bad); err == nil {
			t.Errorf("saved %+v", bad)
		}
	}
	if _, err := os.Stat(s.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an invalid ticket created the file: %v", err)
	}
}

func TestExpired(t *testing.T) {
	tk := Ticket{SuiteID: "ww1", Value: "T", ReceivedAt: t0}
	if tk.Expired(t0.Add(29*time.Minute)) || !tk.Expired(t0.Add(30*time.Minute)) {
		t.Fatal("lifetime is 30 minutes")
	}
	if tk.Age(t0.Add(90*time.Second)) != 90*time.Second {
		t.Fatal("age")
	}
}

// A corrupt file is a lost ticket: Load says not found, Save replaces it.
func TestCorruptFile(t *testing.T) {
	s := New(t.TempDir())
	must(t, os.WriteFile(s.Path(), []byte("{not json"), 0o600))
	if _, err := s.Load("ww1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("corrupt: %v", err)
	}
	must(t, s.Save(Ticket{SuiteID: "ww1", Value: "T", ReceivedAt: t0}))
	if got, _ := s.Load("ww1"); got.Value != "T" {
		t.Fatalf("%+v", got)
	}
}

func TestRefusesSharedDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		return // no Unix modes: safedir checks nothing there
	}
	dir := t.TempDir()
	must(t, os.Chmod(dir, 0o777))
	s := New(dir)
	if err := s.Save(Ticket{SuiteID: "ww1", Value: "T", ReceivedAt: t0}); err == nil || !strings.Contains(err.Error(), "chmod go-w") {
		t.Fatalf("saved into a world-writable dir: %v", err)
	}
	if _, err := s.Load("ww1"); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("loaded from a world-writable dir: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// N7: between pushes the push's own TimeStamp decides, not the arrival:
// a replayed old push arriving last keeps the newer ticket.
func TestOfferOrdersPushesByTheirTimeStamp(t *testing.T) {
	s := New(t.TempDir())
	p1 := Ticket{SuiteID: "ww1", Value: "ONE", ReceivedAt: t0, PushedAt: t0.Add(-time.Hour)}
	p2 := Ticket{SuiteID: "ww1", Value: "TWO", ReceivedAt: t0.Add(time.Minute), PushedAt: t0.Add(-time.Hour + 10*time.Minute)}
	for _, tk := range []Ticket{p1, p2} {
		if kept, stored, err := s.Offer(tk); err != nil || !stored || kept.Value != tk.Value {
			t.Fatalf("%s: %+v %v %v", tk.Value, kept, stored, err)
		}
	}
	replay := p1
	replay.ReceivedAt = t0.Add(2 * time.Minute) // arrives last
	kept, stored, err := s.Offer(replay)
	if err != nil || stored || kept.Value != "TWO" || !kept.PushedAt.Equal(p2.PushedAt) {
		t.Fatalf("replay: kept %+v stored %v %v", kept, stored, err)
	}
	same := Ticket{SuiteID: "ww1", Value: "SAME", ReceivedAt: t0.Add(3 * time.Minute), PushedAt: p2.PushedAt}
	if _, stored, _ := s.Offer(same); stored {
		t.Fatal("a push with the stored TimeStamp replaced it")
	}
	if got, _ := s.Load("ww1"); got.Value != "TWO" || !got.PushedAt.Equal(p2.PushedAt) || !got.ReceivedAt.Equal(p2.ReceivedAt) {
		t.Fatalf("stored %+v", got)
	}
	// Save (`suite ticket set`, older callers) follows the same rule.
	must(t, s.Save(replay))
	if got, _ := s.Load("ww1"); got.Value != "TWO" {
		t.Fatalf("Save rolled back: %+v", got)
	}
}

// A stored push past its 30 minutes is of no use: any push replaces it,
// so a clock that went back (a reset sandbox) is not stuck behind it.
func TestOfferReplacesAnExpiredPush(t *testing.T) {
	s := New(t.TempDir())
	ahead := Ticket{SuiteID: "ww1", Value: "AHEAD", ReceivedAt: t0, PushedAt: t0.Add(100 * time.Hour)}
	must(t, s.Save(ahead))
	back := Ticket{SuiteID: "ww1", Value: "BACK", ReceivedAt: t0.Add(Lifetime - time.Second), PushedAt: t0}
	if _, stored, _ := s.Offer(back); stored {
		t.Fatal("an older push replaced a live one")
	}
	back.ReceivedAt = t0.Add(Lifetime)
	if _, stored, err := s.Offer(back); err != nil || !stored {
		t.Fatalf("a push did not replace an expired one: %v", err)
	}
}

// A ticket set by hand has no push time: the later received wins, either
// way round.
func TestOfferHandSetTickets(t *testing.T) {
	s := New(t.TempDir())
	must(t, s.Save(Ticket{SuiteID: "ww1", Value: "PUSHED", ReceivedAt: t0, PushedAt: t0}))
	if _, stored, _ := s.Offer(Ticket{SuiteID: "ww1", Value: "HAND", ReceivedAt: t0.Add(time.Minute)}); !stored {
		t.Fatal("a ticket set by hand later was not stored")
	}
	if _, stored, _ := s.Offer(Ticket{SuiteID: "ww1", Value: "PUSH2", ReceivedAt: t0.Add(2 * time.Minute), PushedAt: t0}); !stored {
		t.Fatal("a push after a hand-set ticket was not stored")
	}
	if _, stored, _ := s.Offer(Ticket{SuiteID: "ww1", Value: "HANDOLD", ReceivedAt: t0}); stored {
		t.Fatal("a ticket received earlier replaced a later one")
	}
}

func TestSeenRemembersTenMinutes(t *testing.T) {
	var s Seen
	if !s.First("sig-a", t0) || s.First("sig-a", t0.Add(SeenWindow-time.Second)) {
		t.Fatal("a repeat within the window was not spotted")
	}
	if !s.First("sig-b", t0.Add(time.Second)) {
		t.Fatal("another signature counted as a repeat")
	}
	if !s.First("sig-a", t0.Add(SeenWindow)) {
		t.Fatal("a signature was remembered past the window")
	}
	// Forget: the retry of a push that failed is handled.
	s.Forget("sig-a")
	if !s.First("sig-a", t0.Add(SeenWindow+time.Second)) || s.First("sig-a", t0.Add(SeenWindow+2*time.Second)) {
		t.Fatal("Forget")
	}
	// Everything older than the window is dropped as time passes.
	if !s.First("sig-c", t0.Add(3*SeenWindow)) || s.Len() != 1 {
		t.Fatalf("%d remembered, want 1", s.Len())
	}
}

func TestSeenIsBounded(t *testing.T) {
	var s Seen
	for i := range SeenMax + 500 {
		if !s.First(fmt.Sprintf("sig-%d", i), t0) {
			t.Fatalf("sig-%d counted as a repeat", i)
		}
		if s.Len() > SeenMax || len(s.order) > SeenMax {
			t.Fatalf("%d remembered, %d queued: more than %d", s.Len(), len(s.order), SeenMax)
		}
	}
	// The newest are the ones kept.
	if s.First(fmt.Sprintf("sig-%d", SeenMax+499), t0) || !s.First("sig-0", t0) {
		t.Fatal("the oldest should go first")
	}
	// Forget and record again many times: the queue stays bounded.
	for range 3 * SeenMax {
		s.Forget("x")
		s.First("x", t0)
	}
	if len(s.order) > SeenMax {
		t.Fatalf("%d queued", len(s.order))
	}
}

func TestSeenConcurrent(t *testing.T) {
	var s Seen
	var wg sync.WaitGroup
	var mu sync.Mutex
	firsts := 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.First("same", t0) {
				mu.Lock()
				firsts++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firsts != 1 {
		t.Fatalf("%d concurrent deliveries counted as first, want 1", firsts)
	}
}
