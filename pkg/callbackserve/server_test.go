package callbackserve

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/pkg/suiteticket"
)

func TestNewRefusesIncompleteOptions(t *testing.T) {
	streams := NewOutputs(nil, nil, 0)
	defer streams.Close(0)
	c := crypter(t, corpID)
	fwd, _ := url.Parse("http://127.0.0.1:1/")
	tickets := suiteticket.New(t.TempDir())
	for name, o := range map[string]Options{
		"no crypter":           {Out: streams.Out, Log: streams.Log},
		"path with a space":    {Crypter: c, Out: streams.Out, Log: streams.Log, Path: "/a b"},
		"path with a wildcard": {Crypter: c, Out: streams.Out, Log: streams.Log, Path: "/{x}"},
		"no streams":           {Crypter: c},
		"suite without store":  {Crypter: c, Out: streams.Out, Log: streams.Log, Suite: &Suite{ID: suiteID}},
		"suite and forward":    {Crypter: c, Out: streams.Out, Log: streams.Log, Suite: &Suite{ID: suiteID, Tickets: tickets}, ForwardTo: fwd},
		"exchange for another": {Crypter: c, Out: streams.Out, Log: streams.Log, Suite: &Suite{ID: suiteID, Tickets: tickets, Exchange: &Exchange{Store: func(context.Context, string, string, string) error { return nil }}}},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// Each message is one line on Out, stamped by the injected clock; the log
// says nothing of it. A Render that fails costs the line, not the answer.
func TestMessageLines(t *testing.T) {
	now := time.Date(2026, 12, 8, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
	var fail atomic.Bool
	base, _, out, log := testServer(t, Options{Now: func() time.Time { return now }, Render: func(v any) ([]byte, error) {
		if fail.Load() {
			return nil, errors.New("jq: boom\x1b[2J")
		}
		return compactJSON(v)
	}})
	msg := "<xml><ToUserName>" + corpID + "</ToUserName><MsgType>event</MsgType><Event>enter_agent</Event><AgentID>1000002</AgentID></xml>"
	if status, body := push(t, base+"/", corpID, msg); status != 200 || body != "" {
		t.Fatalf("answer %d %q", status, body)
	}
	var line MessageLine
	if err := json.Unmarshal([]byte(out.WaitFor("\n")), &line); err != nil || line.ReceivedAt != "2026-12-08T01:30:00Z" ||
		line.Event != "enter_agent" || line.MsgType != "event" || line.ReceiveID != corpID || line.Message != msg || line.Forwarded != nil {
		t.Fatalf("line %+v (%v)", line, err)
	}
	fail.Store(true)
	if status, _ := push(t, base+"/", corpID, msg); status != 200 {
		t.Fatalf("a failing Render changed the answer: %d", status)
	}
	if l := log.WaitFor("cannot print"); !strings.Contains(l, `warning: cannot print a message line: jq: boom\x1b[2J`) {
		t.Fatalf("log:\n%s", l)
	}
	if n := strings.Count(out.String(), "\n"); n != 1 {
		t.Fatalf("%d stdout lines, want 1", n)
	}
}

// Bodies are read within the server's budget: a POST that finds it full
// gets 503 and Retry-After (logged), one over --max-body 400 with -40008
// unread; the budget is given back after each answer.
func TestBodiesWithinTheBudget(t *testing.T) {
	budget := serve.NewBudget(8 << 10)
	base, s, _, log := testServer(t, Options{Budget: budget, MaxBody: 4 << 10})
	q, body := seal(t, corpID, "<xml><MsgType>text</MsgType></xml>")

	// Another request holds the whole budget.
	_, release, err := budget.ReadBody(context.Background(), strings.NewReader(strings.Repeat("x", 8<<10)), 8<<10, 8<<10)
	if err != nil {
		t.Fatal(err)
	}
	budget.SetWait(0) // no time to wait for room
	req := httptest.NewRequest(http.MethodPost, "/?"+q, strings.NewReader(string(body)))
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("full budget: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	if l := log.WaitFor("→ 503"); !strings.Contains(l, "✗ POST / → 503: the server holds as many request bodies as it may") {
		t.Fatalf("log:\n%s", l)
	}
	release()

	if status, _ := post(t, base+"/", q, body); status != http.StatusOK || budget.InUse() != 0 {
		t.Fatalf("room again: %d, in use after the answer %d", status, budget.InUse())
	}
	if status, _ := post(t, base+"/", q, []byte(strings.Repeat("x", 5<<10))); status != http.StatusBadRequest || budget.InUse() != 0 {
		t.Fatalf("over --max-body: %d, in use %d", status, budget.InUse())
	}
	if l := log.WaitFor("-40008"); !strings.Contains(l, "✗ POST / → 400: -40008 IllegalBuffer: body larger than 4096 bytes") {
		t.Fatalf("log:\n%s", l)
	}
}

// Off the callback path: 404, logged with the path escaped.
func TestOtherPathsAre404(t *testing.T) {
	base, _, _, log := testServer(t, Options{Path: "/wecom"})
	res, err := http.Get(base + "/elsewhere%1b")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if l := log.WaitFor("→ 404"); !strings.Contains(l, `✗ GET /elsewhere\x1b → 404: not the callback path /wecom`) {
		t.Fatalf("log:\n%s", l)
	}
}
