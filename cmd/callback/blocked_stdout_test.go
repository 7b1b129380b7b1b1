package callback

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/internal/testutil"
)

// blockedPosts sends n valid messages to base and fails on any answer but
// 200, then checks a verification GET is answered at once.
func blockedPosts(t *testing.T, base string, n int) {
	t.Helper()
	r := execute(t, nil, vEnv, v2Msg, "encrypt")
	r.expect(t, 0, "", "query: ?msg_signature=")
	query := strings.TrimSpace(strings.SplitN(r.stderr, "?", 2)[1])
	body := r.stdout
	client := &http.Client{Timeout: 5 * time.Second}
	for i := range n {
		res, err := client.Post(base+"/?"+query, "application/xml", strings.NewReader(body))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("message %d: %s", i, res.Status)
		}
	}

	verify := base + "/?" + url.Values{"msg_signature": {v1Sig}, "timestamp": {v1TS}, "nonce": {v1Nonce}, "echostr": {v1Echo}}.Encode()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, verify, nil)
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("verification GET not answered with the output blocked: %v", err)
	}
	echo, _ := io.ReadAll(res.Body)
	res.Body.Close()
	t.Logf("verification answered in %s after %d messages with the output blocked", time.Since(start), n)
	if res.StatusCode != http.StatusOK || string(echo) != v1Plain {
		t.Fatalf("verification: %s %q", res.Status, echo)
	}
}

// TestServeAnswersWhileStdoutIsBlocked is issue 16, defect 4: with a
// stdout nobody reads (a paused pager, a stuck `| jq`), serve must go on
// answering WeCom, dropping output lines with a warning instead. The
// warning goes to stderr, never into the JSON lines, and once stdout is
// read again it counts every line lost: lines written + lines dropped =
// the URL + one per message.
func TestServeAnswersWhileStdoutIsBlocked(t *testing.T) {
	const n = 2000 // as in the audit's D4 repro
	// Not read until the end: every write blocks.
	reader, stdout := io.Pipe()
	t.Cleanup(func() { reader.Close() })
	base, errOut := startServeTo(t, vEnv, stdout, 100)

	blockedPosts(t, base, n)
	if log := errOut.WaitFor("warning: stdout is not being read"); !strings.Contains(log, "warning: stdout is not being read: dropping message lines") {
		t.Fatalf("no drop warning in the log:\n%s", log)
	}

	read := &testutil.Buffer{}
	go func() { _, _ = io.Copy(read, reader) }() // the reader comes back
	const told = "message line(s) dropped because stdout was not read"
	log := errOut.WaitFor(told)
	var dropped int
	for _, line := range strings.Split(log, "\n") {
		if _, err := fmt.Sscanf(line, "warning: %d message line(s) dropped", &dropped); err == nil {
			break
		}
	}
	if dropped == 0 {
		t.Fatalf("no count of the dropped lines:\n%s", log)
	}
	lines := func(s string) int { return strings.Count(s, "\n") }
	out := read.Wait(func(s string) bool { return lines(s)+dropped >= n+1 })
	if lines(out)+dropped != n+1 || !strings.HasPrefix(out, base+"/\n") || strings.Contains(out, "warning") {
		t.Fatalf("stdout: %d lines written + %d dropped, want %d; starts %.60q", lines(out), dropped, n+1, out)
	}
}

// Neither stream read (docker's blocking log mode with both stuck): the
// answers go on all the same.
func TestServeAnswersWhileStdoutAndStderrAreBlocked(t *testing.T) {
	outR, stdout := io.Pipe()
	errR, stderr := io.Pipe()
	t.Cleanup(func() { outR.Close(); errR.Close() })
	h := newFactory(t, vEnv, "")
	h.F.IO.Out, h.F.IO.ErrOut = stdout, stderr
	ready := make(chan string, 1)
	cmd := NewServeCmd(h.F, func(ctx context.Context, o *ServeOptions) error {
		o.Ready = func(addr string) { ready <- addr }
		o.queueLen = 16
		return runServe(ctx, o)
	})
	cmd.PersistentFlags().String("callback-secrets-file", "", "")
	cmd.SilenceErrors, cmd.SilenceUsage = true, true // Ctrl-C's error is expected
	cmd.SetArgs([]string{"--addr", "127.0.0.1:0"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("serve did not stop within 5s of cancel with both streams blocked")
		}
	})
	select {
	case addr := <-ready:
		blockedPosts(t, "http://"+addr, 500)
	case err := <-done:
		t.Fatalf("serve exited early: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not start")
	}
}
