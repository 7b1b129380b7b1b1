// Package suiteticket keeps the latest suite_ticket of each suite.
//
// WeCom pushes a new suite_ticket to a suite's instruction callback
// (指令回调) every 10 minutes; each is valid 30 minutes and the newest
// should always be used (DOC 90628, DOC 97162). get_suite_token needs one,
// so whoever receives a push (`wwcli callback serve --suite`) or is handed
// one (`wwcli suite ticket set -`) stores it here, and the suite token
// fetch reads it back.
//
// One 0600 JSON file in the config directory holds every suite's ticket,
// written by atomic rename under a file lock, in a directory no other
// local user can write (pkg/safedir). A ticket grants a suite token only
// together with the suite secret, but it is still never printed in logs.
//
// A push's signature does not cover its age, so anyone who captured one
// can POST it again (audit N7). Two things stop a replay from rolling the
// stored ticket back: a push is stored only when its own TimeStamp is
// newer than the stored push's (Offer), and the receiver remembers the
// msg_signatures of the last 10 minutes to treat an exact repeat as
// already handled (Seen). There is no window on the signature's timestamp
// against the local clock: the sandbox's clock may run hours ahead.
package suiteticket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wwcli/wwcli/pkg/atomicfile"
	"github.com/wwcli/wwcli/pkg/safedir"
)

// FileName is the store's file inside the directory given to New.
const FileName = "suite_tickets.json"

// Lifetime is how long WeCom accepts a suite_ticket after its push
// (DOC 90628: valid 30 minutes).
const Lifetime = 30 * time.Minute

// MaxLen bounds a ticket's length (DOC 90628: SuiteTicket ≤ 512 bytes).
const MaxLen = 512

// maxFile bounds the store's file: a ticket and its times are under 1 KiB
// per suite.
const maxFile = 1 << 20

// lockTimeout bounds the wait for another process's Save.
const lockTimeout = 10 * time.Second

// ErrNotFound: no ticket was ever stored for the suite.
var ErrNotFound = errors.New("no suite_ticket stored")

// Ticket is one suite_ticket and when it was received.
type Ticket struct {
	SuiteID    string    `json:"suite_id"`
	Value      string    `json:"suite_ticket"`
	ReceivedAt time.Time `json:"received_at"`
	// PushedAt is the push's own <TimeStamp> (WeCom's clock), which orders
	// pushes; zero for a ticket set by hand. The 30-minute life still
	// counts from ReceivedAt: WeCom's clock (the sandbox's) may differ
	// from ours.
	PushedAt time.Time `json:"pushed_at,omitzero"`
}

// Age is how long ago the ticket was received.
func (t Ticket) Age(now time.Time) time.Duration { return now.Sub(t.ReceivedAt) }

// Expired reports whether WeCom no longer accepts the ticket at now.
func (t Ticket) Expired(now time.Time) bool { return t.Age(now) >= Lifetime }

// Validate checks a ticket before it is stored.
func (t Ticket) Validate() error {
	switch {
	case strings.TrimSpace(t.SuiteID) == "" || strings.ContainsAny(t.SuiteID, " \t\r\n"):
		return fmt.Errorf("suite id %q is empty or contains whitespace", t.SuiteID)
	case t.Value == "":
		return errors.New("the suite_ticket is empty")
	case len(t.Value) > MaxLen:
		return fmt.Errorf("the suite_ticket is %d bytes; WeCom's are at most %d", len(t.Value), MaxLen)
	case strings.ContainsAny(t.Value, " \t\r\n"):
		return errors.New("the suite_ticket contains whitespace; paste only the <SuiteTicket> value")
	case t.ReceivedAt.IsZero():
		return errors.New("the suite_ticket has no received time")
	}
	return nil
}

// Store is the tickets file in one directory.
type Store struct {
	dir string
}

// New returns the store whose file lives in dir (wwcli's config dir).
func New(dir string) *Store { return &Store{dir: dir} }

// Path is the store's file.
func (s *Store) Path() string { return filepath.Join(s.dir, FileName) }

// Save stores t unless a newer ticket is already stored for the same
// suite (see Offer), whatever order concurrent savers finish in.
func (s *Store) Save(t Ticket) error {
	_, _, err := s.Offer(t)
	return err
}

// Replaces reports whether t should replace old, the stored ticket of its
// suite. Between two pushes the push's TimeStamp decides: only a newer
// one replaces, so a replayed old push (or WeCom's late retry of one)
// never rolls the ticket back. A stored push that has outlived Lifetime by
// the time t arrives is replaced all the same: it is of no use any more,
// and WeCom's clock may have gone back (a reset sandbox). Otherwise (a
// ticket set by hand on either side) the later received wins.
func (t Ticket) Replaces(old Ticket) bool {
	if !t.PushedAt.IsZero() && !old.PushedAt.IsZero() && !old.Expired(t.ReceivedAt) {
		return t.PushedAt.After(old.PushedAt)
	}
	return !old.ReceivedAt.After(t.ReceivedAt)
}

// Offer stores t if it replaces the stored ticket of its suite (see
// Replaces) and reports whether it did; kept is the ticket stored
// afterwards (t when stored).
func (s *Store) Offer(t Ticket) (kept Ticket, stored bool, err error) {
	if err := t.Validate(); err != nil {
		return Ticket{}, false, err
	}
	t.ReceivedAt = t.ReceivedAt.UTC()
	if !t.PushedAt.IsZero() {
		t.PushedAt = t.PushedAt.UTC()
	}
	if err := safedir.Dir(s.dir); err != nil {
		return Ticket{}, false, err
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return Ticket{}, false, fmt.Errorf("saving the suite_ticket: %w", err)
	}
	fl := safedir.NewLock(s.Path() + ".lock")
	ctx, cancel := context.WithTimeout(context.Background(), lockTimeout)
	defer cancel()
	ok, err := fl.TryLockContext(ctx, 10*time.Millisecond)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return Ticket{}, false, fmt.Errorf("saving the suite_ticket: %w", err)
	}
	if !ok {
		return Ticket{}, false, fmt.Errorf("another wwcli process has held %s.lock for %s", s.Path(), lockTimeout)
	}
	defer func() { _ = fl.Unlock() }()
	all, err := s.load()
	if err != nil {
		return Ticket{}, false, err
	}
	if old, ok := all[t.SuiteID]; ok && !t.Replaces(old) {
		return old, false, nil
	}
	all[t.SuiteID] = t
	b, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return Ticket{}, false, err
	}
	atomicfile.CleanStale(s.dir)
	if err := atomicfile.Write(s.Path(), b); err != nil {
		return Ticket{}, false, fmt.Errorf("saving the suite_ticket to %s: %w", s.Path(), err)
	}
	return t, true, nil
}

// Load returns the latest ticket stored for suiteID, or ErrNotFound. It
// does not judge its age: see Ticket.Expired.
func (s *Store) Load(suiteID string) (Ticket, error) {
	all, err := s.load()
	if err != nil {
		return Ticket{}, err
	}
	t, ok := all[suiteID]
	if !ok {
		return Ticket{}, ErrNotFound
	}
	return t, nil
}

func (s *Store) load() (map[string]Ticket, error) {
	if err := safedir.Dir(s.dir); err != nil {
		return nil, err
	}
	// ReadTrusted checks the owner and mode of the file it reads (fstat),
	// and refuses a FIFO or device there instead of blocking on it.
	b, err := safedir.ReadTrusted(s.Path(), maxFile)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]Ticket{}, nil
	}
	if err != nil && !errors.Is(err, safedir.ErrTooLarge) {
		return nil, fmt.Errorf("reading the suite_ticket store: %w", err)
	}
	all := map[string]Ticket{}
	if err != nil || json.Unmarshal(b, &all) != nil {
		// Tickets are replaced every 10 minutes: a corrupt file is only
		// a lost ticket, so it counts as empty and the next Save replaces it.
		return map[string]Ticket{}, nil
	}
	return all, nil
}
