package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"
)

// getRaw sends a query string exactly as given (no re-encoding), the way a
// hostile or sloppy client would.
func (e *env) getRaw(path, rawQuery string) answer {
	e.t.Helper()
	resp, err := testClient.Get(e.base + path + "?" + rawQuery)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, raw: string(data)}
	_ = json.Unmarshal(data, &a.m)
	return a
}

// Percent-encoded parameter names reach the handler decoded, so the log
// must redact by the decoded name too (audit D13).
func TestLogRedactsPercentEncodedNames(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.getRaw("/cgi-bin/gettoken", "corpid="+DemoCorpID+"&corp%73ecret="+DemoAppSecret)
	wantCode(t, a, 0)
	tok := a.str("access_token")
	wantCode(t, e.getRaw("/cgi-bin/get_jsapi_ticket", "access%5Ftoken="+tok), 0)
	e.getRaw("/cgi-bin/miniprogram/jscode2session", "access_token="+tok+"&js%5Fcode=JSCODE-SECRET&grant_type=authorization_code")
	e.getRaw("/cgi-bin/auth/getuserinfo", "ACCESS_TOKEN="+tok+"&%63ode=OAUTH-CODE-SECRET")

	reqs := e.get("/_sandbox/requests").raw
	for _, where := range []struct{ name, text string }{{"log", e.logText()}, {"/_sandbox/requests", reqs}} {
		for _, secret := range []string{DemoAppSecret, tok, "JSCODE-SECRET", "OAUTH-CODE-SECRET"} {
			if strings.Contains(where.text, secret) {
				t.Errorf("%s shows %q in clear", where.name, secret)
			}
		}
	}
	if !strings.Contains(e.logText(), "corpid="+DemoCorpID) {
		t.Errorf("non-secret parameters stay readable:\n%s", e.logText())
	}
}

func TestRedactQuery(t *testing.T) {
	for raw, want := range map[string]string{
		"corpid=ww1&corpsecret=S":            "corpid=ww1&corpsecret=***",
		"corp%73ecret=S&corpid=ww1":          "corpsecret=***&corpid=ww1",
		"access%5Ftoken=T&type=agent_config": "access_token=***&type=agent_config",
		"js_code=J&code=C&user_ticket=U":     "js_code=***&code=***&user_ticket=***",
		"key=K&debug=1":                      "key=***&debug=1",
	} {
		if got := redactQuery(raw); got != want {
			t.Errorf("redactQuery(%q) = %q, want %q", raw, got, want)
		}
	}
}

// Per-path counters are bounded: a client walking thousands of unknown
// paths cannot grow memory or /_sandbox/counters without limit (audit D7).
func TestCountersAreBounded(t *testing.T) {
	s := New(Options{})
	h := s.Handler()
	const paths = 3 * maxUnknownPaths
	for i := range paths {
		r, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("/cgi-bin/nope/%d/%s", i, strings.Repeat("x", 400)), nil)
		h.ServeHTTP(discardWriter{}, r)
	}
	r, _ := http.NewRequest(http.MethodGet, "/cgi-bin/gettoken", nil)
	h.ServeHTTP(discardWriter{}, r)

	counters := s.Counters()
	if len(counters) > maxUnknownPaths+2 {
		t.Fatalf("%d counters after %d unknown paths, want at most %d", len(counters), paths, maxUnknownPaths+2)
	}
	if counters["/cgi-bin/gettoken"] != 1 {
		t.Fatalf("known paths are always counted: %v", counters["/cgi-bin/gettoken"])
	}
	total := 0
	for p, n := range counters {
		if len(p) > maxCountedPathLen {
			t.Errorf("counter key of %d bytes", len(p))
		}
		total += n
	}
	if total != paths+1 || counters[otherPaths] == 0 {
		t.Fatalf("every request is counted somewhere: total %d, %s %d", total, otherPaths, counters[otherPaths])
	}
}

type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (discardWriter) WriteHeader(int)             {}

// A prune looks only at entries that are due, soonest first: it never
// walks what is still valid, however much is stored (audit D7).
func TestExpiryQueuePopsOnlyDueEntries(t *testing.T) {
	var q expiryQueue
	now := testEpoch
	due := 0
	for i := range 10000 {
		at := now.Add(time.Duration(rand.IntN(20000)-10000) * time.Second)
		if now.After(at) {
			due++
		}
		q.add(at, fmt.Sprint(i))
	}
	var forgotten []string
	q.popDue(now, func(k string) { forgotten = append(forgotten, k) })
	if len(forgotten) != due || q.Len() != 10000-due {
		t.Fatalf("forgot %d of %d due; %d left", len(forgotten), due, q.Len())
	}
	for _, it := range q {
		if now.After(it.at) {
			t.Fatalf("a due entry was left: %v", it.at)
		}
	}
	calls := 0
	q.popDue(now, func(string) { calls++ })
	if calls != 0 {
		t.Fatalf("a second prune at the same time forgot %d entries", calls)
	}
}

// Tokens, codes and tickets are forgotten when due, and only then.
func TestPruneForgetsWhenDue(t *testing.T) {
	e := newEnv(t, Options{})
	old := e.token(DemoAppSecret)
	unused := e.code(CodeRequest{UserID: "zhangsan"})
	used := e.code(CodeRequest{UserID: "zhangsan", Scope: "snsapi_privateinfo"})
	a := e.get("/cgi-bin/auth/getuserinfo", "access_token", old, "code", used)
	wantCode(t, a, 0)
	if a.str("user_ticket") == "" {
		t.Fatalf("no user_ticket: %s", a.raw)
	}
	e.s.Advance(4 * time.Minute)
	fresh := e.token(DemoApp2Secret) // another secret: a repeated gettoken reuses the live token
	if n := len(e.s.tokens); n != 2 || len(e.s.codes) != 1 || len(e.s.tickets) != 1 {
		t.Fatalf("nothing is due yet: %d tokens, %d codes, %d tickets", n, len(e.s.codes), len(e.s.tickets))
	}

	// Past the ticket's 30 minutes and the codes' 5: a prune (at gettoken) drops them.
	e.s.Advance(time.Hour)
	e.token(DemoAppSecret)
	if len(e.s.codes) != 0 || len(e.s.tickets) != 0 || e.s.codeExpiry.Len() != 0 || e.s.ticketExpiry.Len() != 0 {
		t.Fatalf("codes %d (queued %d), tickets %d (queued %d)", len(e.s.codes), e.s.codeExpiry.Len(), len(e.s.tickets), e.s.ticketExpiry.Len())
	}
	if a := e.get("/cgi-bin/auth/getuserinfo", "access_token", fresh, "code", unused); a.code() != 40029 {
		t.Fatalf("a forgotten code: %s", a.raw)
	}

	// The first token is forgotten 24 h after it expired; the next, 4 minutes later.
	e.s.Advance(defaultTokenTTL + tokenMemory - time.Hour - 4*time.Minute + time.Second)
	e.token(DemoAppSecret)
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", old), 40014)
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", fresh), 42001)
	if len(e.s.tokens) != e.s.tokenExpiry.Len() {
		t.Fatalf("%d tokens, %d queued", len(e.s.tokens), e.s.tokenExpiry.Len())
	}
}

// Past maxTokens the token due to be forgotten first goes early, so memory
// stays bounded however fast tokens are fetched.
func TestTokensAreCapped(t *testing.T) {
	s := New(Options{Now: func() time.Time { return testEpoch }})
	corp := s.corps[DemoCorpID]
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range maxTokens + 10 {
		s.storeToken(fmt.Sprint(i), &token{corp: corp, expires: testEpoch.Add(time.Duration(i) * time.Millisecond)})
	}
	if len(s.tokens) != maxTokens || s.tokenExpiry.Len() != maxTokens {
		t.Fatalf("%d tokens, %d queued; want %d", len(s.tokens), s.tokenExpiry.Len(), maxTokens)
	}
	if s.tokens["9"] != nil || s.tokens["10"] == nil {
		t.Fatal("the ten oldest tokens go first")
	}
}

// The log holds 1000 entries; each keeps at most maxLogged bytes of path
// and of query, so long request lines cannot fill memory.
func TestLogEntriesAreClipped(t *testing.T) {
	s := New(Options{})
	long := strings.Repeat("p", 10*maxLogged)
	r, _ := http.NewRequest(http.MethodGet, "/cgi-bin/"+long+"?q="+long, nil)
	s.Handler().ServeHTTP(discardWriter{}, r)
	e := s.Requests()[0]
	if len(e.Path) > maxLogged+20 || len(e.Query) > maxLogged+20 || !strings.HasPrefix(e.Path, "/cgi-bin/ppp") {
		t.Fatalf("path %d bytes, query %d bytes", len(e.Path), len(e.Query))
	}
}
