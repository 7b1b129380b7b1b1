package callbackserve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/pkg/safetext"
)

// Outputs are a callback server's two streams, each behind a LineQueue so
// that a reader who stops reading never stalls an answer: Out (stdout)
// carries data only, one line per message; Log (stderr) everything for
// people, including the lines Out had to drop.
type Outputs struct {
	Out *serve.LineQueue
	Log *serve.LineQueue

	mu       sync.Mutex
	reported int64 // Out's drops told on Log so far
	telling  bool  // "dropping" was told and Out has not written since
	closing  bool
}

// NewOutputs queues stdout and stderr, at most queueLen lines each
// (0 = serve.DefaultQueueLen).
//
// Drops of stdout are told on stderr, never in the JSON stream: one line
// when they start, one with the count when stdout is read again (or at
// Close). The counts come from Out.Dropped, not from the queue's Notice
// calls: the foundation calls Notice on every push that follows a drop,
// even when that push is dropped too, so its calls say neither when a run
// of drops starts nor when it ends.
func NewOutputs(stdout, stderr io.Writer, queueLen int) *Outputs {
	o := &Outputs{}
	o.Log = serve.NewLineQueue(stderr, serve.QueueOptions{Name: "stderr", Len: queueLen})
	o.Out = serve.NewLineQueue(&stdoutWriter{w: stdout, o: o}, serve.QueueOptions{Name: "stdout", Len: queueLen, Notice: o.dropped})
	return o
}

// Close lets the queued lines out (at most wait for each stream), then
// tells the stdout drops not yet told.
func (o *Outputs) Close(wait time.Duration) {
	o.mu.Lock()
	o.closing = true
	o.mu.Unlock()
	o.Out.Close(wait)
	o.tellCount()
	o.Log.Close(wait)
}

// dropped is Out's Notice: it runs inside Out.Push, after a drop.
func (o *Outputs) dropped(int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	// A notice may come after stdout has caught up and the count was
	// told: then every drop is told already and nothing is starting.
	if o.telling || o.closing || o.Out.Dropped() <= o.reported {
		return
	}
	o.telling = true
	o.Log.Push("warning: stdout is not being read: dropping message lines until it is (the HTTP answers go on)")
}

// tellCount tells the drops not yet told; stdout has caught up.
func (o *Outputs) tellCount() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if total := o.Out.Dropped(); total > o.reported {
		o.Log.Push(fmt.Sprintf("warning: %d message line(s) dropped because stdout was not read", total-o.reported))
		o.reported = total
	}
	o.telling = false
}

// stdoutWriter is what Out's goroutine writes to: a write that goes
// through means stdout is read again.
type stdoutWriter struct {
	w io.Writer
	o *Outputs
}

func (s *stdoutWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil {
		// The queue stops writing after this (a closed pipe): say so once.
		s.o.Log.Push("warning: cannot write to stdout: " + safetext.Escape(err.Error()))
		return n, err
	}
	s.o.tellCount()
	return n, nil
}

// compactJSON is the default Render: one JSON object per line, "<" and
// "&" as they are (the command's exporter does the same).
func compactJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
