package serve

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wwcli/wwcli/internal/testutil"
)

func TestLineQueueNeverBlocksAndCountsDrops(t *testing.T) {
	w := testutil.NewBlocked() // a pipe nobody reads
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
	w.Unblock() // the reader comes back: every drop is reported
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
	w := testutil.NewBlocked() // a pipe nobody reads
	var noticed []int
	var mu sync.Mutex
	q := NewLineQueue(w, QueueOptions{Len: 1, Notice: func(n int) { mu.Lock(); noticed = append(noticed, n); mu.Unlock() }})
	for i := 0; i < 10; i++ {
		q.Push(`{"n":1}`)
	}
	w.Unblock()
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
	w := testutil.NewBlocked() // a pipe nobody reads
	defer w.Unblock()
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
