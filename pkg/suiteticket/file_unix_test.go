//go:build unix

package suiteticket

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/safedir"
)

// The store's file is read like every file a server trusts: not when
// others can write it, never blocking on a FIFO, and a huge one is only a
// lost ticket.
func TestStoreFileTrust(t *testing.T) {
	s := New(t.TempDir())
	must(t, s.Save(Ticket{SuiteID: "ww1", Value: "T", ReceivedAt: t0}))
	must(t, os.Chmod(s.Path(), 0o666))
	if _, err := s.Load("ww1"); err == nil || !strings.Contains(err.Error(), "chmod go-w "+s.Path()) {
		t.Fatalf("0666 store: %v", err)
	}

	must(t, os.Remove(s.Path()))
	must(t, syscall.Mkfifo(s.Path(), 0o600))
	done := make(chan error, 1)
	go func() { _, err := s.Load("ww1"); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, safedir.ErrNotRegular) {
			t.Fatalf("FIFO store: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Load blocked on a FIFO")
	}

	must(t, os.Remove(s.Path()))
	must(t, os.WriteFile(s.Path(), make([]byte, maxFile+1), 0o600))
	if _, err := s.Load("ww1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("oversized store: %v", err)
	}
	must(t, s.Save(Ticket{SuiteID: "ww1", Value: "T2", ReceivedAt: t0}))
	if got, _ := s.Load("ww1"); got.Value != "T2" {
		t.Fatalf("after an oversized store: %+v", got)
	}
}
