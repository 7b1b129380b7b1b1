package serve

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// blockedWriter blocks every Write until open is closed: a pipe nobody reads.
type blockedWriter struct {
	open chan struct{}
	mu   sync.Mutex
	buf  bytes.Buffer
}

func (w *blockedWriter) Write(p []byte) (int, error) {
	<-w.open
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *blockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestLineQueueNeverBlocksAndCountsDrops(t *testing.T) {
	w := &blockedWriter{open: make(chan struct{})}
	q := NewLineQueue(w, QueueOptions{Name: "stderr", Len: 8})
	done := make(chan struct{})
	go func() {
		for i := 0; i < 5000; i++ { // far more than fit: none may wait
			q.Push("line")
		}
		_, _ = q.Write([]byte("a whole line\n"))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Push blocked on a stream nobody reads")
	}
	if q.Dropped() < 5000-8-1 {
		t.Fatalf("dropped %d, want at least %d", q.Dropped(), 5000-8-1)
	}
	close(w.open) // the reader comes back: every drop is reported
	q.Close(5 * time.Second)
	reported := int64(0)
	for _, line := range strings.Split(w.String(), "\n") {
		var n int64
		if _, err := fmt.Sscanf(line, "warning: %d line(s) dropped because stderr was not read", &n); err == nil {
			reported += n
		}
	}
	if reported != q.Dropped() {
		t.Fatalf("warnings report %d dropped lines, %d were", reported, q.Dropped())
	}
}

func TestLineQueueNoticeKeepsDataStreamClean(t *testing.T) {
	w := &blockedWriter{open: make(chan struct{})}
	var noticed []int
	var mu sync.Mutex
	q := NewLineQueue(w, QueueOptions{Len: 1, Notice: func(n int) { mu.Lock(); noticed = append(noticed, n); mu.Unlock() }})
	for i := 0; i < 10; i++ {
		q.Push(`{"n":1}`)
	}
	close(w.open)
	q.Close(5 * time.Second)
	if strings.Contains(w.String(), "warning") {
		t.Fatalf("a warning went into the data stream: %q", w.String())
	}
	mu.Lock()
	defer mu.Unlock()
	sum := 0
	for _, n := range noticed {
		sum += n
	}
	if sum == 0 || int64(sum) != q.Dropped() {
		t.Fatalf("notices %v, dropped %d", noticed, q.Dropped())
	}
}

func TestLineQueueCloseIsBounded(t *testing.T) {
	w := &blockedWriter{open: make(chan struct{})}
	defer close(w.open)
	q := NewLineQueue(w, QueueOptions{})
	q.Push("stuck")
	done := make(chan struct{})
	go func() { q.Close(50 * time.Millisecond); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for a reader that never came")
	}
	q.Push("after close") // ignored, no panic
}
