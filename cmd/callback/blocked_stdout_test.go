package callback

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestServeAnswersWhileStdoutIsBlocked is issue 16, defect 4: with a
// stdout nobody reads (a paused pager, a stuck `| jq`), serve must go on
// answering WeCom, dropping output lines with a warning instead.
func TestServeAnswersWhileStdoutIsBlocked(t *testing.T) {
	reader, stdout := io.Pipe() // never read: every write blocks
	t.Cleanup(func() { reader.Close() })
	base, errOut := startServeTo(t, vEnv, stdout, 100)

	r := execute(t, nil, vEnv, v2Msg, "encrypt")
	r.expect(t, 0, "", "query: ?msg_signature=")
	query := strings.TrimSpace(strings.SplitN(r.stderr, "?", 2)[1])
	body := r.stdout
	client := &http.Client{Timeout: 5 * time.Second}
	for i := range 500 {
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
		t.Fatalf("verification GET not answered with stdout blocked: %v", err)
	}
	echo, _ := io.ReadAll(res.Body)
	res.Body.Close()
	t.Logf("verification answered in %s after 500 messages with stdout blocked", time.Since(start))
	if res.StatusCode != http.StatusOK || string(echo) != v1Plain {
		t.Fatalf("verification: %s %q", res.Status, echo)
	}
	if log := errOut.String(); !strings.Contains(log, "warning: stdout is not being read: dropping message lines") {
		t.Fatalf("no drop warning in the log:\n%s", log)
	}
}
