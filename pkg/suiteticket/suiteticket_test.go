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
