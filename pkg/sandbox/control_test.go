package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestControlCode(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.post("/_sandbox/code", `{"userid":"zhangsan","scope":"snsapi_privateinfo","agentid":1000002}`)
	if a.status != 200 || a.str("code") == "" || a.m["expires_in"] != float64(300) {
		t.Fatalf("control code: %d %s", a.status, a.raw)
	}
	tok := e.token(DemoAppSecret)
	u := e.get("/cgi-bin/auth/getuserinfo", "access_token", tok, "code", a.str("code"))
	wantCode(t, u, 0)
	if u.str("user_ticket") == "" {
		t.Fatalf("privateinfo code: %s", u.raw)
	}
	mp := e.post("/_sandbox/code", `{"userid":"lisi","type":"miniprogram"}`)
	wantCode(t, e.get("/cgi-bin/miniprogram/jscode2session", "access_token", e.token(DemoMiniProgramSecret),
		"js_code", mp.str("code"), "grant_type", "authorization_code"), 0)

	bad := []struct{ body, want string }{
		{`{"userid":"nobody"}`, "not a member"},
		{`{}`, "userid is required"},
		{`{"userid":"lisi","openid":"o1"}`, "not both"},
		{`{"userid":"lisi","scope":"snsapi_userinfo"}`, "scope"},
		{`{"userid":"lisi","type":"qr"}`, "type"},
		{`{"userid":"lisi","agentid":5}`, "agentid 5"},
		{`{"userid":"lisi","corpid":"wwnope"}`, "corpid"},
		{`{"openid":"o1","type":"miniprogram"}`, "need a userid"},
		{`{"userid":"lisi","extra":1}`, "unknown field"},
		{`{`, "invalid JSON"},
	}
	for _, b := range bad {
		a := e.post("/_sandbox/code", b.body)
		if a.status != http.StatusBadRequest || !strings.Contains(a.str("error"), b.want) {
			t.Errorf("%s: %d %s (want %q)", b.body, a.status, a.raw, b.want)
		}
	}
	if a := e.get("/_sandbox/code"); a.status != http.StatusMethodNotAllowed {
		t.Fatalf("GET /_sandbox/code: %d", a.status)
	}
}

func TestControlFaults(t *testing.T) {
	e := newEnv(t, Options{})
	gettoken := func() answer {
		return e.get("/cgi-bin/gettoken", "corpid", DemoCorpID, "corpsecret", DemoAppSecret)
	}
	if a := e.post("/_sandbox/faults", `{"path":"/cgi-bin/gettoken","errcode":-1,"errmsg":"system busy","times":2}`); a.status != 200 {
		t.Fatalf("add fault: %s", a.raw)
	}
	list := e.get("/_sandbox/faults")
	if !strings.Contains(list.raw, `"left":2`) {
		t.Fatalf("fault list %s", list.raw)
	}
	for i := 0; i < 2; i++ {
		a := gettoken()
		wantCode(t, a, -1)
		if !strings.HasPrefix(a.str("errmsg"), "system busy, hint: [") {
			t.Fatalf("injected errmsg %q", a.str("errmsg"))
		}
	}
	wantCode(t, gettoken(), 0)

	e.post("/_sandbox/faults", `{"path":"/cgi-bin/gettoken","http_status":502}`)
	a := gettoken()
	if a.status != 502 || !strings.Contains(a.raw, "injected HTTP 502") {
		t.Fatalf("http fault: %d %s", a.status, a.raw)
	}
	wantCode(t, gettoken(), 0)

	e.post("/_sandbox/faults", `{"path":"/cgi-bin/gettoken","errcode":45033,"http_status":503,"times":-1}`)
	for i := 0; i < 3; i++ {
		if a := gettoken(); a.status != 503 || a.code() != 45033 {
			t.Fatalf("unlimited fault %d: %d %s", i, a.status, a.raw)
		}
	}
	if a := e.do(http.MethodDelete, "/_sandbox/faults", nil, ""); a.status != 200 {
		t.Fatalf("clear: %s", a.raw)
	}
	wantCode(t, gettoken(), 0)

	e.post("/_sandbox/faults", `{"path":"/cgi-bin/gettoken","delay":"20ms"}`)
	wantCode(t, gettoken(), 0) // a delay alone still answers normally

	bad := []string{
		`{"path":"/other","errcode":1}`,
		`{"path":"/cgi-bin/gettoken"}`,
		`{"path":"/cgi-bin/gettoken","http_status":99}`,
		`{"path":"/cgi-bin/gettoken","delay":"soon"}`,
		`{"path":"/cgi-bin/gettoken","delay":"1h"}`,
		`{"path":"/cgi-bin/gettoken","errcode":1,"times":-2}`,
	}
	for _, b := range bad {
		if a := e.post("/_sandbox/faults", b); a.status != http.StatusBadRequest || a.str("error") == "" {
			t.Errorf("%s: %d %s", b, a.status, a.raw)
		}
	}
	if e.s.Count("/cgi-bin/gettoken") != 10 {
		t.Fatalf("faulted requests are counted too: %d", e.s.Count("/cgi-bin/gettoken"))
	}
	faulted := 0
	for _, r := range e.s.Requests() {
		if r.Fault {
			faulted++
		}
	}
	if faulted != 6 {
		t.Fatalf("log marks %d faulted requests, want 6", faulted)
	}
}

func TestControlClockCountersReset(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token(DemoAppSecret)
	c := e.get("/_sandbox/clock")
	if c.m["unix"] != float64(testEpoch.Unix()) {
		t.Fatalf("clock %s", c.raw)
	}
	a := e.post("/_sandbox/clock", `{"advance":"2h"}`)
	if a.m["unix"] != float64(testEpoch.Add(2*time.Hour).Unix()) || a.str("now") != "2025-03-01T10:00:00Z" {
		t.Fatalf("advance %s", a.raw)
	}
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", tok), 42001)
	for _, b := range []string{`{"advance":"-1h"}`, `{"advance":"later"}`, `{}`} {
		if a := e.post("/_sandbox/clock", b); a.status != http.StatusBadRequest {
			t.Errorf("%s: %d", b, a.status)
		}
	}

	cnt := e.get("/_sandbox/counters")
	if !strings.Contains(cnt.raw, `"/cgi-bin/gettoken":1`) || !strings.Contains(cnt.raw, `"/cgi-bin/get_jsapi_ticket":1`) {
		t.Fatalf("counters %s", cnt.raw)
	}
	one := e.get("/_sandbox/counters", "path", "/cgi-bin/gettoken")
	if one.m["count"] != float64(1) {
		t.Fatalf("counter by path %s", one.raw)
	}
	reqs := e.get("/_sandbox/requests")
	if strings.Contains(reqs.raw, tok) || strings.Count(reqs.raw, `"path":`) != 2 || !strings.Contains(reqs.raw, `"errcode":42001`) {
		t.Fatalf("requests %s", reqs.raw)
	}
	e.post("/cgi-bin/message/send", `{"touser":"lisi","msgtype":"text","agentid":1000002,"text":{"content":"hi"}}`,
		"access_token", e.token(DemoAppSecret))
	if m := e.get("/_sandbox/messages"); !strings.Contains(m.raw, `"to_users":["lisi"]`) {
		t.Fatalf("messages %s", m.raw)
	}
	info := e.get("/_sandbox/")
	if !strings.Contains(info.raw, DemoCorpID) || strings.Contains(info.raw, DemoAppSecret) {
		t.Fatalf("info must list the corp without secrets: %s", info.raw)
	}

	if a := e.post("/_sandbox/reset", ""); a.status != 200 {
		t.Fatalf("reset %s", a.raw)
	}
	if e.s.Now() != testEpoch || len(e.s.Counters()) != 0 || len(e.s.Requests()) != 0 || len(e.s.Messages()) != 0 {
		t.Fatal("reset must clear clock, counters, log and messages")
	}
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", tok), 40014) // tokens forgotten
	if m := e.get("/_sandbox/messages"); m.raw != "{\"messages\":[]}\n" {
		t.Fatalf("empty messages %q", m.raw)
	}
	if a := e.get("/_sandbox/nope"); a.status != 404 {
		t.Fatalf("unknown control path: %d", a.status)
	}
	if a := e.get("/_sandbox/reset"); a.status != 405 {
		t.Fatalf("GET reset: %d", a.status)
	}
}

// TestConcurrentClients: 50 clients x 20 requests each, a mix of token,
// ticket, code and contact calls; every answer correct, every request counted.
func TestConcurrentClients(t *testing.T) {
	e := newEnv(t, Options{})
	const clients, perClient = 50, 20
	var wg sync.WaitGroup
	errs := make(chan string, clients*perClient)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			secret := []string{DemoAppSecret, DemoApp2Secret}[i%2]
			var tok string
			for j := 0; j < perClient; j++ {
				var a answer
				switch {
				case j == 0 || j%5 == 0:
					a = e.get("/cgi-bin/gettoken", "corpid", DemoCorpID, "corpsecret", secret)
					tok = a.str("access_token")
				case j%5 == 1:
					a = e.get("/cgi-bin/ticket/get", "access_token", tok, "type", "agent_config")
				case j%5 == 2:
					code, err := e.s.IssueCode(CodeRequest{UserID: "zhangsan"})
					if err != nil {
						errs <- err.Error()
						continue
					}
					a = e.get("/cgi-bin/auth/getuserinfo", "access_token", tok, "code", code)
				case j%5 == 3:
					a = e.get("/cgi-bin/user/get", "access_token", tok, "userid", "zhangsan")
				default:
					a = e.post("/cgi-bin/message/send", `{"touser":"zhangsan","msgtype":"text","agentid":`+
						strconv.Itoa([]int{DemoAgentID, DemoApp2AgentID}[i%2])+`,"text":{"content":"hi"}}`, "access_token", tok)
				}
				if a.code() != 0 {
					errs <- a.raw
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Fatalf("concurrent request failed: %s", msg)
	}
	total := 0
	for _, n := range e.s.Counters() {
		total += n
	}
	if total != clients*perClient {
		t.Fatalf("counted %d requests, want %d", total, clients*perClient)
	}
	if got := len(e.s.Messages()); got != clients*4 {
		t.Fatalf("recorded %d messages, want %d", got, clients*4)
	}
	if got := strings.Count(e.logText(), "\n"); got != clients*perClient {
		t.Fatalf("log has %d lines, want %d", got, clients*perClient)
	}
}

// TestCloseCutsDelays: a pending injected delay must not hold Close.
func TestCloseCutsDelays(t *testing.T) {
	s := New(Options{})
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.InjectFault(Fault{Path: "/cgi-bin/gettoken", Delay: 5 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() {
		resp, err := testClient.Get(base + "/cgi-bin/gettoken")
		if err != nil {
			done <- -1
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	// Wait (bounded) until the request is inside the sandbox.
	for i := 0; i < 2000 && s.Count("/cgi-bin/gettoken") == 0; i++ {
		time.Sleep(5 * time.Millisecond)
	}
	if s.Count("/cgi-bin/gettoken") != 1 {
		t.Fatal("request never reached the sandbox")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if status := <-done; status != http.StatusServiceUnavailable && status != -1 {
		t.Fatalf("delayed request ended with %d", status)
	}
	if _, err := s.Start("127.0.0.1:0"); err == nil {
		t.Fatal("a closed server cannot start again")
	}
}

func TestHandlerInHTTPTest(t *testing.T) {
	// Handler works on its own, e.g. inside httptest; Close is then a no-op.
	s := New(Options{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	resp, err := testClient.Get(srv.URL + "/cgi-bin/gettoken?corpid=" + DemoCorpID + "&corpsecret=" + DemoAppSecret)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || s.Count("/cgi-bin/gettoken") != 1 {
		t.Fatalf("status %d, count %d", resp.StatusCode, s.Count("/cgi-bin/gettoken"))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkTicketLoopback: one get_jsapi_ticket round trip over 127.0.0.1.
func BenchmarkTicketLoopback(b *testing.B) {
	s := New(Options{})
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tok, err := s.tokenForBench(DemoAppSecret)
	if err != nil {
		b.Fatal(err)
	}
	url := base + "/cgi-bin/get_jsapi_ticket?access_token=" + tok
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := testClient.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

// tokenForBench issues a token without HTTP (test helper).
func (s *Server) tokenForBench(secret string) (string, error) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/cgi-bin/gettoken?corpid="+DemoCorpID+"&corpsecret="+secret, nil)
	s.Handler().ServeHTTP(rec, req)
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.AccessToken == "" {
		return "", fmt.Errorf("gettoken: %s", rec.Body.String())
	}
	return body.AccessToken, nil
}
