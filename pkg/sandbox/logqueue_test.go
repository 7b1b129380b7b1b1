package sandbox

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// stuckWriter is a stderr nobody reads: every Write waits until release
// is closed. It reports each line it takes on lines.
type stuckWriter struct {
	release chan struct{}
	lines   chan string

	mu  sync.Mutex
	buf strings.Builder
}

func (w *stuckWriter) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	w.buf.Write(p)
	w.mu.Unlock()
	select {
	case w.lines <- string(p):
	default:
	}
	return len(p), nil
}

// N9: the request log goes to stderr; with stderr not read the sandbox
// stopped answering at request 592. Now 2,000 gettokens are all answered
// while the log writer is stuck, the lines that did not fit are dropped
// and counted, and the warning with the count is written once the writer
// moves again.
func TestUnreadLogNeverStallsAnswers(t *testing.T) {
	w := &stuckWriter{release: make(chan struct{}), lines: make(chan string, 4096)}
	var once sync.Once
	unblock := func() { once.Do(func() { close(w.release) }) }
	e := newEnv(t, Options{Log: w})
	// after newEnv's, so it runs before Close: a failing run must not
	// leave the writer (and whatever waits on it) stuck
	t.Cleanup(unblock)
	// a short per-request timeout: a stalled answer fails the test, it does not hang it
	client := &http.Client{Timeout: 5 * time.Second}
	u := e.base + "/cgi-bin/gettoken?corpid=" + DemoCorpID + "&corpsecret=" + DemoAppSecret
	const requests = 2000
	for i := range requests {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatalf("gettoken %d of %d: %v", i+1, requests, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("gettoken %d: HTTP %d", i+1, resp.StatusCode)
		}
	}
	if n := e.s.Count("/cgi-bin/gettoken"); n != requests {
		t.Fatalf("counted %d gettokens, want %d", n, requests)
	}

	unblock()
	// Once the writer has taken a second line, the queue has room: the next
	// line in reports the drops first.
	timeout := time.After(10 * time.Second)
	for seen := 0; seen < 2; seen++ {
		select {
		case <-w.lines:
		case <-timeout:
			t.Fatal("the log writer got nothing after it was unblocked")
		}
	}
	resp, err := client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	warning := regexp.MustCompile(`^warning: (\d+) line\(s\) dropped because the request log was not read\n$`)
	for {
		select {
		case line := <-w.lines:
			if m := warning.FindStringSubmatch(line); m != nil {
				if m[1] == "0" {
					t.Fatalf("warning %q", line)
				}
				return
			}
		case <-timeout:
			w.mu.Lock()
			defer w.mu.Unlock()
			t.Fatalf("no drop warning in the log:\n%.2000s", w.buf.String())
		}
	}
}
