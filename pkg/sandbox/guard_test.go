package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// The control API against web pages in the user's browser (audit N4): a
// DNS-rebinding page reads nothing, a page of another site changes
// nothing, and no control call reads another server for the caller.

// raw sends one request with exactly these headers (and Host, when set).
func raw(t *testing.T, method, u, host string, headers map[string]string, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		req.Body, req.ContentLength = nil, 0
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(data)}
	_ = json.Unmarshal(data, &a.m)
	return a
}

func port(t *testing.T, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

// N4, rebinding: a page on rebind.attacker.example whose name now resolves
// to 127.0.0.1 sends its own name as Host. Every path refuses it, before
// anything is read or counted; this machine's names still work.
func TestRebindingHostGetsNothing(t *testing.T) {
	e := newEnv(t, Options{})
	p := port(t, e.base)
	evil := "rebind.attacker.example:" + p
	for _, c := range []struct{ method, path string }{
		{"GET", "/_sandbox/requests"}, {"GET", "/_sandbox/"}, {"GET", "/_sandbox/console/"},
		{"GET", "/_sandbox/counters"}, {"GET", "/_sandbox/messages"}, {"GET", "/_sandbox/members"},
		{"GET", "/_sandbox/suite"}, {"GET", "/_sandbox/faults"}, {"POST", "/_sandbox/reset"},
		{"GET", "/cgi-bin/gettoken?corpid=" + DemoCorpID + "&corpsecret=" + DemoAppSecret}, {"GET", "/"},
	} {
		a := raw(t, c.method, e.base+c.path, evil, nil, "")
		if a.status != http.StatusForbidden || !strings.Contains(a.raw, "DNS rebinding") || strings.Contains(a.raw, "requests") {
			t.Errorf("%s %s with Host %s: %d %s", c.method, c.path, evil, a.status, a.raw)
		}
	}
	if n := len(e.s.Requests()); n != 0 || e.s.Count("/cgi-bin/gettoken") != 0 {
		t.Fatalf("refused requests reached the sandbox: %d logged", n)
	}
	// whoever runs the sandbox sees why (the path only: a query may hold a secret)
	log := e.logText()
	if !strings.Contains(log, `GET /_sandbox/requests -> 403 refused: Host "`+evil+`" is not a name of this sandbox`) ||
		!strings.Contains(log, "--allow-host NAME") || strings.Contains(log, DemoAppSecret) {
		t.Fatalf("refusals in the log:\n%s", log)
	}
	for _, host := range []string{"127.0.0.1:" + p, "localhost:" + p, "LocalHost:" + p, "[::1]:" + p} {
		if a := raw(t, "GET", e.base+"/_sandbox/requests", host, nil, ""); a.status != http.StatusOK {
			t.Errorf("Host %s: %d %s", host, a.status, a.raw)
		}
	}
}

// --allow-host adds a name (a docker service name): reads and same-origin
// writes under it work; other names are still refused.
func TestAllowHostAddsAName(t *testing.T) {
	s := New(Options{})
	t.Cleanup(func() { _ = s.Close() })
	ln, err := s.Listen(ListenOptions{Addr: "127.0.0.1:0", AllowHosts: []string{"sandbox"}})
	if err != nil {
		t.Fatal(err)
	}
	ln.Start()
	base, p := ln.URL(), port(t, ln.URL())
	if a := raw(t, "GET", base+"/_sandbox/requests", "sandbox:"+p, nil, ""); a.status != http.StatusOK {
		t.Fatalf("Host sandbox: %d %s", a.status, a.raw)
	}
	same := map[string]string{"Origin": "http://sandbox:" + p, "Content-Type": "application/json", "Sec-Fetch-Site": "same-origin"}
	if a := raw(t, "POST", base+"/_sandbox/clock", "sandbox:"+p, same, `{"advance":"1m"}`); a.status != http.StatusOK {
		t.Fatalf("same-origin write under the allowed name: %d %s", a.status, a.raw)
	}
	if a := raw(t, "GET", base+"/_sandbox/requests", "other:"+p, nil, ""); a.status != http.StatusForbidden {
		t.Fatalf("Host other: %d %s", a.status, a.raw)
	}
}

// N4, CSRF: the audit's repro. A page of another site sends text/plain or
// form POSTs (no preflight) to the control API: each is refused with the
// sandbox's JSON error, and nothing changed: no fault, no reset, the same
// clock, no callback URL set and no request to it.
func TestCrossSiteControlWritesChangeNothing(t *testing.T) {
	e := newEnv(t, Options{})
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(target.Close)
	tok := e.token(DemoAppSecret)
	if err := e.s.InjectFault(Fault{Path: "/cgi-bin/agent/get", ErrCode: -1, Times: -1}); err != nil {
		t.Fatal(err)
	}
	before := e.s.Now()

	evil := "https://evil.example"
	for _, c := range []struct {
		method, path string
		headers      map[string]string
		body         string
	}{
		{"POST", "/_sandbox/faults", map[string]string{"Origin": evil, "Content-Type": "text/plain;charset=UTF-8"},
			`{"path":"/cgi-bin/gettoken","errcode":45009,"errmsg":"pwned by csrf","times":-1}`},
		{"POST", "/_sandbox/reset", map[string]string{"Origin": evil, "Content-Type": "application/x-www-form-urlencoded"}, ""},
		{"POST", "/_sandbox/clock", map[string]string{"Origin": evil, "Content-Type": "text/plain"}, `{"advance":"100h"}`},
		{"POST", "/_sandbox/suite/callback", map[string]string{"Origin": evil, "Content-Type": "text/plain"},
			`{"url":"` + target.URL + `/internal/admin?x=1","verify":true}`},
		{"DELETE", "/_sandbox/faults", map[string]string{"Origin": evil}, ""},
		{"POST", "/_sandbox/rotate", map[string]string{"Origin": "null"}, `{"invalidate":true}`},
		// a browser that hides Origin still says where the request came from
		{"POST", "/_sandbox/clock", map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, `{"advance":"100h"}`},
		// no Origin at all (an old browser): a body type only a form or text sends
		{"POST", "/_sandbox/faults", map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, "--x--"},
	} {
		a := raw(t, c.method, e.base+c.path, "", c.headers, c.body)
		if a.status != http.StatusForbidden || !strings.HasPrefix(a.str("error"), "refused: ") {
			t.Errorf("%s %s %v: %d %s", c.method, c.path, c.headers, a.status, a.raw)
		}
	}
	if got := e.token(DemoAppSecret); got != tok {
		t.Fatal("the sandbox was reset or faulted: gettoken gave another token")
	}
	if !e.s.Now().Equal(before) {
		t.Fatalf("the clock moved: %v, was %v", e.s.Now(), before)
	}
	if n := len(e.s.faults); n != 1 {
		t.Fatalf("%d faults pending, want the 1 injected before", n)
	}
	if hits.Load() != 0 || strings.Contains(e.get("/_sandbox/suite").raw, target.URL) {
		t.Fatalf("the callback URL was contacted (%d) or set", hits.Load())
	}
}

// The same endpoints from curl and scripts (no Origin; curl -d sends a
// form content type with a JSON body, as docs/sandbox.md shows) and from
// the console (same origin, JSON) keep working.
func TestControlWritesFromScriptsAndTheConsole(t *testing.T) {
	e := newEnv(t, Options{})
	self := "http://127.0.0.1:" + port(t, e.base)
	for _, c := range []struct {
		name    string
		path    string
		headers map[string]string
		body    string
	}{
		{"curl -d", "/_sandbox/faults", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, `{"path":"/cgi-bin/agent/get","errcode":-1}`},
		{"curl -X POST", "/_sandbox/rotate", nil, ""},
		{"script JSON", "/_sandbox/clock", map[string]string{"Content-Type": "application/json"}, `{"advance":"1m"}`},
		{"console", "/_sandbox/code", map[string]string{"Origin": self, "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}, `{"userid":"zhangsan"}`},
		{"console reset", "/_sandbox/reset", map[string]string{"Origin": self, "Sec-Fetch-Site": "same-origin"}, ""},
		{"typed URL", "/_sandbox/clock", map[string]string{"Sec-Fetch-Site": "none", "Content-Type": "application/json"}, `{"advance":"1m"}`},
	} {
		if a := raw(t, "POST", e.base+c.path, "", c.headers, c.body); a.status != http.StatusOK {
			t.Errorf("%s: %d %s", c.name, a.status, a.raw)
		}
	}
}

// Handler() on its own (httptest, no Listen) applies the same rule with
// loopback names and IP literals as its hosts.
func TestHandlerAloneRefusesCrossSiteWrites(t *testing.T) {
	s := New(Options{})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	a := raw(t, "POST", srv.URL+"/_sandbox/clock", "", map[string]string{"Origin": "https://evil.example", "Content-Type": "text/plain"}, `{"advance":"1h"}`)
	if a.status != http.StatusForbidden {
		t.Fatalf("cross-site: %d %s", a.status, a.raw)
	}
	same := map[string]string{"Origin": srv.URL, "Content-Type": "application/json"}
	if a := raw(t, "POST", srv.URL+"/_sandbox/clock", "", same, `{"advance":"1h"}`); a.status != http.StatusOK {
		t.Fatalf("same origin: %d %s", a.status, a.raw)
	}
}

// N4, SSRF: a control call that makes the sandbox fetch a URL says only
// that it failed: not the target's status, body or connection error, and
// the same words whether the port is closed or answers, so the control
// API is no way to read or map other servers. The log (the sandbox
// owner's stderr) has the details. Only http(s) URLs are taken, and
// redirects are not followed.
func TestURLCallsDoNotEchoTheTarget(t *testing.T) {
	e := newEnv(t, Options{})
	var redirected atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { redirected.Add(1) }))
	t.Cleanup(elsewhere.Close)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, elsewhere.URL+"/admin", http.StatusFound)
			return
		}
		http.Error(w, "INTERNAL-ADMIN-PAGE secret=42", http.StatusInternalServerError)
	}))
	t.Cleanup(target.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL + "/suite"
	closed.Close()

	var errs []string
	for _, u := range []string{target.URL + "/internal/admin?x=1", closedURL, target.URL + "/redirect"} {
		a := e.post("/_sandbox/suite/callback", jsonBody(map[string]any{"url": u, "verify": true}))
		if a.status != http.StatusBadRequest || a.str("error") != errVerifyFailed.Error() {
			t.Errorf("verify %s: %d %s", u, a.status, a.raw)
		}
		errs = append(errs, a.raw)
	}
	if errs[0] != errs[1] || errs[1] != errs[2] {
		t.Errorf("the answer tells an open port from a closed one:\n%s", strings.Join(errs, "\n"))
	}
	if redirected.Load() != 0 {
		t.Error("the redirect was followed")
	}
	// a push to a URL that answers with an error
	e.control("/_sandbox/suite/callback", map[string]string{"url": target.URL + "/internal/admin"}, 200)
	m := e.control("/_sandbox/suite/push_ticket", map[string]string{}, 200)
	info := e.get("/_sandbox/suite").raw
	for _, out := range []string{jsonBody(m), info} {
		if strings.Contains(out, "INTERNAL-ADMIN-PAGE") || strings.Contains(out, `"status"`) || strings.Contains(out, `"reply"`) {
			t.Errorf("the control API echoes the target: %s", out)
		}
	}
	if push, _ := m["push"].(map[string]any); push["ok"] != false || push["error"] != errPushFailed.Error() {
		t.Errorf("push %v", m["push"])
	}
	log := e.logText()
	if !strings.Contains(log, `HTTP 500 "INTERNAL-ADMIN-PAGE secret=42\n"`) || !strings.Contains(log, "VERIFY "+closedURL+" -> ") {
		t.Errorf("the log lacks the details:\n%s", log)
	}
	for _, u := range []string{"file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://127.0.0.1/", "//127.0.0.1/x", "http:///x"} {
		a := e.post("/_sandbox/suite/callback", jsonBody(map[string]any{"url": u, "verify": true}))
		if a.status != http.StatusBadRequest || !strings.Contains(a.str("error"), "give an absolute http(s) URL") {
			t.Errorf("url %s: %d %s", u, a.status, a.raw)
		}
	}
}
