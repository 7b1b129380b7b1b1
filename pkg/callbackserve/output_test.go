package callbackserve

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/internal/testutil"
)

const (
	dropping = "warning: stdout is not being read: dropping message lines until it is (the HTTP answers go on)"
	told     = "message line(s) dropped because stdout was not read"
)

// toldDrops sums the counts of the "N message line(s) dropped" lines.
func toldDrops(log string) int {
	sum := 0
	for _, line := range strings.Split(log, "\n") {
		var n int
		if _, err := fmt.Sscanf(line, "warning: %d message line(s) dropped", &n); err == nil {
			sum += n
		}
	}
	return sum
}

// A stdout nobody reads: pushes never wait, the drops are told on stderr
// (one line when they start, the count when stdout is read again) and
// never in stdout, and written + told = pushed. A drop the queue notices
// only after stdout caught up is not a new run of drops.
func TestOutputsTellStdoutDropsOnStderr(t *testing.T) {
	stdout, stderr := testutil.NewBlocked(), &testutil.Buffer{}
	o := NewOutputs(stdout, stderr, 4)
	const pushed = 50
	for i := range pushed {
		o.Out.Push(fmt.Sprintf(`{"n":%d}`, i))
	}
	if log := stderr.WaitFor(dropping); strings.Count(log, dropping) != 1 || strings.Contains(log, told) {
		t.Fatalf("while stdout is stuck, want the start of the drops told once and no count yet:\n%s", log)
	}
	stdout.Unblock() // the reader comes back
	log := stderr.WaitFor(told)
	dropped := toldDrops(log)
	out := stdout.Wait(func(s string) bool { return strings.Count(s, "\n")+dropped >= pushed })
	if written := strings.Count(out, "\n"); written+dropped != pushed || dropped == 0 || strings.Contains(out, "warning") {
		t.Fatalf("written %d + told %d, want %d pushed; stdout %q", written, dropped, pushed, out)
	}
	// The queue tells its last drop at the next push, after the count
	// above already covered it: no "dropping" again.
	o.Out.Push(`{"n":"after"}`)
	if out := stdout.WaitFor(`"after"`); !strings.Contains(out, `"after"`) {
		t.Fatalf("the push after the drops never reached stdout: %q", out)
	}
	o.Close(time.Second)
	if log := stderr.String(); strings.Count(log, dropping) != 1 || toldDrops(log) != dropped {
		t.Fatalf("after stdout caught up:\n%s", log)
	}
}

// stdout never read again: Close tells the count it could not tell before.
func TestOutputsCloseTellsTheDropsLeft(t *testing.T) {
	stdout, stderr := testutil.NewBlocked(), &testutil.Buffer{}
	defer stdout.Unblock()
	o := NewOutputs(stdout, stderr, 2)
	for range 10 {
		o.Out.Push("{}")
	}
	o.Close(50 * time.Millisecond)
	// One line in the writer's hands, two queued: at least 7 dropped.
	if log := stderr.String(); strings.Count(log, dropping) != 1 || toldDrops(log) < 7 {
		t.Fatalf("log at close:\n%s", log)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// A closed stdout is said once on stderr; the server goes on.
func TestOutputsSayOnceThatStdoutFails(t *testing.T) {
	stderr := &testutil.Buffer{}
	o := NewOutputs(failingWriter{}, stderr, 0)
	for range 5 {
		o.Out.Push("{}")
	}
	o.Close(time.Second)
	if log := stderr.String(); strings.Count(log, "warning: cannot write to stdout: broken pipe") != 1 {
		t.Fatalf("log:\n%s", log)
	}
}
