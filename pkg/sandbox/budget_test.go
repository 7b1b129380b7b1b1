package sandbox

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/internal/serve"
)

// Request bodies are held within the server's memory budget (the audit's
// N6 pattern: forty 20 MB uploads at once must not take the machine).
// A body the budget cannot hold is turned away with 503 and Retry-After,
// before the handler runs; the budget is given back after each answer.
func TestBodiesAreHeldWithinTheBudget(t *testing.T) {
	e := newEnv(t, Options{})
	e.s.bodies = serve.NewBudget(4096)
	token := e.token(DemoAppSecret)
	send := func(n int) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, e.base+"/cgi-bin/message/send?access_token="+token,
			strings.NewReader(`{"touser":"zhangsan","msgtype":"text","agentid":1000002,"text":{"content":"`+strings.Repeat("x", n)+`"}}`))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := testClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := send(8000); resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a body over the budget: HTTP %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if got := len(e.s.Messages()); got != 0 {
		t.Fatalf("the refused body reached the handler (%d messages kept)", got)
	}
	for i := 0; i < 3; i++ { // each answer gives its share back
		if resp := send(1000); resp.StatusCode != http.StatusOK {
			t.Fatalf("send %d within the budget: HTTP %d", i, resp.StatusCode)
		}
	}
	if got := len(e.s.Messages()); got != 3 {
		t.Fatalf("%d messages kept, want the 3 sent within the budget", got)
	}
	if used := e.s.bodies.InUse(); used != 0 {
		t.Fatalf("%d bytes still held after the answers", used)
	}
}
