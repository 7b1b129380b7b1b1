package signserve

import (
	"io"
	"strconv"
	"sync"
	"time"
)

// LineQueue writes lines to w in order from its own goroutine, so a
// stream nobody reads (a paused terminal, a stuck pipe) never stops the
// HTTP answers: when the queue is full a line is dropped, and the next line
// that fits says how many were.
type LineQueue struct {
	w     io.Writer
	lines chan string
	done  chan struct{}

	mu      sync.Mutex
	dropped int
	closed  bool
}

// DefaultQueueLen is how many lines may wait for a slow reader.
const DefaultQueueLen = 1024

// NewLineQueue starts the writer; n <= 0 means DefaultQueueLen.
func NewLineQueue(w io.Writer, n int) *LineQueue {
	if n <= 0 {
		n = DefaultQueueLen
	}
	q := &LineQueue{w: w, lines: make(chan string, n), done: make(chan struct{})}
	go q.drain()
	return q
}

// Push queues line (a trailing newline is added) without waiting.
func (q *LineQueue) Push(line string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	if q.dropped > 0 {
		select {
		case q.lines <- "warning: " + strconv.Itoa(q.dropped) + " line(s) dropped because the output was not read\n":
			q.dropped = 0
		default:
			q.dropped++
			return
		}
	}
	select {
	case q.lines <- line + "\n":
	default:
		q.dropped++
	}
}

// Dropped is how many lines are waiting to be reported as dropped.
func (q *LineQueue) Dropped() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}

func (q *LineQueue) drain() {
	defer close(q.done)
	failed := false
	for line := range q.lines {
		if failed {
			continue
		}
		if _, err := io.WriteString(q.w, line); err != nil {
			failed = true // a closed stream: keep draining, stop writing
		}
	}
}

// Close lets the queued lines out, waiting at most wait for a reader
// that may never come.
func (q *LineQueue) Close(wait time.Duration) {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.lines)
	}
	q.mu.Unlock()
	select {
	case <-q.done:
	case <-time.After(wait):
	}
}
