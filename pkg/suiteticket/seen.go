package suiteticket

import (
	"sync"
	"time"
)

// Repeat window and bound of Seen: WeCom retries a push it thinks failed
// within seconds to minutes, and pushes a suite_ticket every 10 minutes,
// so 1,000 entries hold far more than 10 minutes of honest traffic.
const (
	SeenWindow = 10 * time.Minute
	SeenMax    = 1000
)

// Seen remembers the msg_signatures of the pushes handled in the last
// SeenWindow, at most SeenMax of them (the oldest go first), so an exact
// repeat can be answered "success" without being handled again. A repeat
// is either WeCom retrying a push whose "success" it did not get (same
// body, same signature: handled already) or a replay. The zero value is
// ready to use and safe for concurrent use.
type Seen struct {
	mu    sync.Mutex
	at    map[string]seenEntry
	order []seenKey // oldest first; at most SeenMax
	seq   uint64
}

type seenEntry struct {
	seq uint64
	at  time.Time
}

type seenKey struct {
	sig string
	seq uint64
}

// First records sig as handled at now and reports whether it is new: false
// when the same signature was recorded less than SeenWindow before now.
func (s *Seen) First(sig string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.at == nil {
		s.at = map[string]seenEntry{}
	}
	s.prune(now)
	if e, ok := s.at[sig]; ok && now.Sub(e.at) < SeenWindow {
		return false
	}
	for len(s.order) >= SeenMax {
		s.drop()
	}
	s.seq++
	s.at[sig] = seenEntry{seq: s.seq, at: now}
	s.order = append(s.order, seenKey{sig, s.seq})
	return true
}

// Forget removes sig, so WeCom's retry of a push that could not be handled
// (the store failed) is handled when it comes.
func (s *Seen) Forget(sig string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.at, sig)
}

// Len is the number of signatures remembered.
func (s *Seen) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.at)
}

// prune drops the entries older than the window; the queue is in
// recording order, so it stops at the first one still inside.
func (s *Seen) prune(now time.Time) {
	for len(s.order) > 0 {
		e, ok := s.at[s.order[0].sig]
		if ok && e.seq == s.order[0].seq && now.Sub(e.at) < SeenWindow {
			return
		}
		s.drop()
	}
}

// drop removes the oldest queue entry, and its signature unless the
// signature was recorded again since (after a Forget).
func (s *Seen) drop() {
	k := s.order[0]
	s.order[0] = seenKey{}
	s.order = s.order[1:]
	if e, ok := s.at[k.sig]; ok && e.seq == k.seq {
		delete(s.at, k.sig)
	}
}
