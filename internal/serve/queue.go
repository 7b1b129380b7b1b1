package serve

import (
	"context"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// LineQueue writes lines to a stream from its own goroutine, so a stream
// nobody reads (a paused terminal, a full pipe, docker's blocking log
// mode, a stuck journald) never holds up an answer: when the queue is full
// a line is dropped and counted, and a warning with the count is written
// as soon as there is room again. Every log and event stream of a server
// goes through one.
type LineQueue struct {
	w      io.Writer
	name   string
	notice func(dropped int) // nil: a warning line in this stream
	lines  chan []byte
	done   chan struct{}

	mu      sync.Mutex
	pending int // dropped, not yet reported
	closed  bool

	total atomic.Int64 // dropped since the start
}

// DefaultQueueLen is how many lines may wait for a slow reader.
const DefaultQueueLen = 1024

// QueueOptions configure a LineQueue; the zero value is fine.
type QueueOptions struct {
	// Name of the stream in the drop warning, e.g. "stderr" or "the audit log".
	Name string
	// Len is how many lines may wait; 0 = DefaultQueueLen.
	Len int
	// Notice, when set, reports drops somewhere else: a data stream
	// (JSON lines on stdout) must not get a warning line in it. It is
	// called, under the queue's lock, on the first push after a drop with
	// the lines dropped since its last call (so once per dropped line
	// while the stream stays blocked), and at Close; Dropped has the total.
	Notice func(dropped int)
}

// NewLineQueue starts the writer goroutine for w.
func NewLineQueue(w io.Writer, o QueueOptions) *LineQueue {
	if o.Len <= 0 {
		o.Len = DefaultQueueLen
	}
	if o.Name == "" {
		o.Name = "the output"
	}
	q := &LineQueue{w: w, name: o.Name, notice: o.Notice, lines: make(chan []byte, o.Len), done: make(chan struct{})}
	go q.drain()
	return q
}

// Push queues line (a newline is added) without waiting.
func (q *LineQueue) Push(line string) { q.push([]byte(line + "\n")) }

// Write queues p, which holds whole lines, without waiting: a LineQueue
// is the io.Writer to hand a server for its log. It always reports
// success, so a writer never sees the drops it is protected from.
func (q *LineQueue) Write(p []byte) (int, error) {
	q.push(append([]byte(nil), p...))
	return len(p), nil
}

func (q *LineQueue) push(line []byte) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	if q.pending > 0 && !q.report() {
		q.drop()
		return
	}
	select {
	case q.lines <- line:
	default:
		q.drop()
	}
}

func (q *LineQueue) drop() {
	q.pending++
	q.total.Add(1)
}

// report tells of the pending drops; false when there is no room yet.
func (q *LineQueue) report() bool {
	if q.notice != nil {
		q.notice(q.pending)
		q.pending = 0
		return true
	}
	select {
	case q.lines <- []byte("warning: " + strconv.Itoa(q.pending) + " line(s) dropped because " + q.name + " was not read\n"):
		q.pending = 0
		return true
	default:
		return false
	}
}

// Dropped is how many lines were dropped since the start.
func (q *LineQueue) Dropped() int64 { return q.total.Load() }

func (q *LineQueue) drain() {
	defer close(q.done)
	failed := false
	for line := range q.lines {
		if failed {
			continue
		}
		if _, err := q.w.Write(line); err != nil {
			failed = true // a closed stream: keep draining, stop writing
		}
	}
}

// Close lets the queued lines out, waiting at most wait for a reader that
// may never come; the drops not yet reported are reported first. Lines
// pushed after Close are ignored.
func (q *LineQueue) Close(wait time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), wait) // Done stays closed: both waits below end
	defer cancel()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
	} else {
		q.closed = true // from here on no push sends: only this goroutine does
		pending := q.pending
		q.pending = 0
		q.mu.Unlock()
		if pending > 0 {
			if q.notice != nil {
				q.notice(pending)
			} else {
				select {
				case q.lines <- []byte("warning: " + strconv.Itoa(pending) + " line(s) dropped because " + q.name + " was not read\n"):
				case <-ctx.Done():
				}
			}
		}
		close(q.lines)
	}
	select {
	case <-q.done:
	case <-ctx.Done():
	}
}
