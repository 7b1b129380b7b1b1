// Package testutil holds what the tests of several packages share: a
// stream the test reads while a server goroutine writes it, a self-signed
// certificate for 127.0.0.1, and a field-by-field comparison. Only tests
// (and other test-support packages) import it, never the wwcli binary
// (cmd/testsupport_rules_test.go checks).
package testutil

import (
	"bytes"
	"strings"
	"sync"
	"time"
)

// WaitTimeout bounds Buffer.Wait. It only ever runs out in a failing
// test, so it is generous: a loaded CI machine running -race must not
// fail a test that waits for a line written a second late.
const WaitTimeout = 10 * time.Second

// Buffer is a bytes.Buffer that one goroutine may write while another
// reads it. Every write wakes the waiters (Wait, Next). A Buffer made by
// NewBlocked is a pipe nobody reads: its writes wait until Unblock.
type Buffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written chan struct{} // closed and replaced at each write; nil until someone waits

	gate     chan struct{} // nil: writes never wait
	gateOnce sync.Once
}

// NewBlocked returns a Buffer whose writes wait until Unblock: stdout or
// stderr of a process whose reader stopped reading.
func NewBlocked() *Buffer { return &Buffer{gate: make(chan struct{})} }

// Unblock lets the waiting writes (and all later ones) through. It may be
// called more than once, and on a Buffer that never blocked.
func (b *Buffer) Unblock() {
	if b.gate != nil {
		b.gateOnce.Do(func() { close(b.gate) })
	}
}

func (b *Buffer) Write(p []byte) (int, error) {
	if b.gate != nil {
		<-b.gate
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.written != nil {
		close(b.written)
		b.written = nil
	}
	return b.b.Write(p)
}

// String is everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Next is the content now and a channel closed at the next write, for a
// test that waits on something else as well (the server stopping).
func (b *Buffer) Next() (string, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.written == nil {
		b.written = make(chan struct{})
	}
	return b.b.String(), b.written
}

// Wait returns the content once ok accepts it, or the content as it is
// after WaitTimeout: the caller's own check then fails with what it saw.
func (b *Buffer) Wait(ok func(string) bool) string {
	deadline := time.NewTimer(WaitTimeout)
	defer deadline.Stop()
	for {
		s, written := b.Next()
		if ok(s) {
			return s
		}
		select {
		case <-written:
		case <-deadline.C:
			return b.String()
		}
	}
}

// WaitFor is Wait until the content contains sub.
func (b *Buffer) WaitFor(sub string) string { return b.Wait(Contains(sub)) }

// Contains is the condition "the content contains sub", for Wait.
func Contains(sub string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, sub) }
}
