package sandbox

import (
	"container/heap"
	"time"
)

// expiryState holds, for s.tokens, s.codes and s.tickets, their keys by the
// time they may be forgotten. storeToken, storeCode and storeTicket are the
// only writers of those maps, so every entry has its place here.
type expiryState struct {
	tokenExpiry, codeExpiry, ticketExpiry expiryQueue
}

// expiryQueue orders stored keys by the time they may be forgotten, so a
// prune looks only at what is due (O(log n) each) instead of walking every
// token, code and ticket under s.mu on every gettoken, which made the
// sandbox slower with each token it had issued.
type expiryQueue []expiryItem

type expiryItem struct {
	at  time.Time // forget after this
	key string
}

func (q expiryQueue) Len() int           { return len(q) }
func (q expiryQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q expiryQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *expiryQueue) Push(x any)        { *q = append(*q, x.(expiryItem)) }
func (q *expiryQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

func (q *expiryQueue) add(at time.Time, key string) { heap.Push(q, expiryItem{at: at, key: key}) }

// popDue calls forget for each key whose time is before now, soonest
// first, and stops at the first that is not due.
func (q *expiryQueue) popDue(now time.Time, forget func(key string)) {
	for len(*q) > 0 && now.After((*q)[0].at) {
		forget(heap.Pop(q).(expiryItem).key)
	}
}

// popSoonest removes the key due first (to make room when a store is full).
func (q *expiryQueue) popSoonest() (string, bool) {
	if len(*q) == 0 {
		return "", false
	}
	return heap.Pop(q).(expiryItem).key, true
}

// maxTokens bounds the tokens remembered (live, or expired and still
// answering 42001): past it the one due to be forgotten first goes early.
const maxTokens = 100_000

// storeToken, storeCode and storeTicket store an entry and queue its
// expiry. Called with s.mu held.
func (s *Server) storeToken(at string, t *token) {
	s.tokens[at] = t
	s.tokenExpiry.add(t.expires.Add(tokenMemory), at)
	for len(s.tokens) > maxTokens {
		k, ok := s.tokenExpiry.popSoonest()
		if !ok {
			break
		}
		delete(s.tokens, k)
	}
}

func (s *Server) storeCode(code string, cd *authCode) {
	s.codes[code] = cd
	s.codeExpiry.add(cd.expires, code)
}

func (s *Server) storeTicket(t string, ut *userTicket) {
	s.tickets[t] = ut
	s.ticketExpiry.add(ut.expires, t)
}

// pruneTokens forgets tokens long expired, and expired codes and tickets,
// so memory stays bounded; each entry is looked at once, when it is due.
// A code already used left its map but not its queue: forgetting it is a
// no-op. Called with s.mu held.
func (s *Server) pruneTokens(now time.Time) {
	s.tokenExpiry.popDue(now, func(k string) {
		if t := s.tokens[k]; t != nil && now.Sub(t.expires) > tokenMemory {
			delete(s.tokens, k)
		}
	})
	s.codeExpiry.popDue(now, func(k string) {
		if cd := s.codes[k]; cd != nil && now.After(cd.expires) {
			delete(s.codes, k)
		}
	})
	s.ticketExpiry.popDue(now, func(k string) {
		if t := s.tickets[k]; t != nil && now.After(t.expires) {
			delete(s.tickets, k)
		}
	})
}
