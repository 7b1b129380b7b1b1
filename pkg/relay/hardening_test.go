package relay_test

// Tests for the defects of the 2026-12 security audit (N5, N6, N12 and the
// audit-log half of N1): each fails on the relay as it was.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/internal/testutil"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/relay"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// okUpstream answers every call with errcode 0; while hold is open, every
// call waits for it. It records what reached it.
type okUpstream struct {
	hold   chan struct{} // nil: answer at once
	called chan struct{} // one send per call, when not nil
	budget *serve.Budget // checked at every call, when not nil

	mu       sync.Mutex
	calls    []wecom.Request
	maxInUse int64
}

func (u *okUpstream) Call(ctx context.Context, req wecom.Request) (json.RawMessage, error) {
	u.mu.Lock()
	u.calls = append(u.calls, req)
	if u.budget != nil {
		u.maxInUse = max(u.maxInUse, u.budget.InUse())
	}
	u.mu.Unlock()
	if u.called != nil {
		u.called <- struct{}{}
	}
	if u.hold != nil {
		select {
		case <-u.hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return json.RawMessage(`{"errcode":0,"errmsg":"ok"}`), nil
}

func (u *okUpstream) Ticket(context.Context, wecom.TicketKind) (string, int, error) {
	return "ticket", 7200, nil
}

func testClients(t *testing.T) *relay.Clients {
	t.Helper()
	clients, err := relay.ParseClients(strings.NewReader(clientsJSON()))
	if err != nil {
		t.Fatal(err)
	}
	return clients
}

// N5: an audit log nobody reads (here: a writer that blocks until the end
// of the test) never holds up an answer; what could not be written is
// counted and reported once the reader is back.
func TestAuditLogNobodyReadsNeverStallsAnswers(t *testing.T) {
	w := testutil.NewBlocked() // stderr into a pipe nobody reads, a paused terminal, docker's blocking log mode
	srv := relay.New(relay.Options{Clients: testClients(t), Upstream: &okUpstream{}, Audit: w})
	s, err := serve.Listen(serve.Config{Addr: "127.0.0.1:0", Handler: srv.Handler()})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() {
		w.Unblock()
		_ = s.Shutdown()
	})

	const n = 2000 // the audit's relay stalled at request 401
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	var next, answered atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= n; i = next.Add(1) {
				req, _ := http.NewRequest(http.MethodGet, s.URL()+relay.WhoamiPath, nil)
				if i%2 == 0 { // half without a token, as anyone could send
					req.Header.Set("Authorization", "Bearer "+ciToken)
				}
				resp, err := hc.Do(req)
				if err != nil {
					errs <- fmt.Errorf("request %d: %v", i, err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				answered.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("%v (answered %d of %d while the audit log was not read)", err, answered.Load(), n)
	}
	// Every handler has pushed its line once the server has stopped.
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}
	dropped := srv.AuditDropped()
	if dropped == 0 || dropped >= n {
		t.Fatalf("%d lines dropped of %d, want some but not all (the queue holds %d)", dropped, n, serve.DefaultQueueLen)
	}
	// The reader comes back: the queued lines, then the count of the rest.
	w.Unblock()
	waitLines(t, w, n-int(dropped))
	srv.CloseAudit(5 * time.Second)
	lines := strings.Split(strings.TrimSpace(w.String()), "\n")
	last := lines[len(lines)-1]
	if want := fmt.Sprintf("warning: %d line(s) dropped because the audit log was not read", dropped); last != want {
		t.Fatalf("last line %q, want %q", last, want)
	}
	if got := len(lines) - 1; got+int(dropped) != n {
		t.Fatalf("%d lines written + %d dropped != %d requests", got, dropped, n)
	}
}

// N6: bodies in flight stay within the server's budget; beyond it a
// request gets 503 with Retry-After, not memory.
func TestBodiesStayWithinTheBudget(t *testing.T) {
	const size, conns = 20 << 20, 40
	budget := serve.NewBudget(2*size + size/2) // room for two bodies
	up := &okUpstream{hold: make(chan struct{}), called: make(chan struct{}, conns), budget: budget}
	srv := relay.New(relay.Options{Clients: testClients(t), Upstream: up, Audit: io.Discard, Budget: budget})
	base := serveRelay(t, srv, nil)
	released := false
	t.Cleanup(func() {
		if !released {
			close(up.hold)
		}
	})

	body := bytes.Repeat([]byte("x"), size) // shared: the test holds one copy
	// Expect: 100-continue, as curl sends for bodies over 1 MiB: a refused
	// request is answered before its 20 MB are sent.
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{ExpectContinueTimeout: 10 * time.Second}}
	type result struct {
		status     int
		retryAfter string
		kind       string
		err        error
	}
	results := make(chan result, conns)
	for range conns {
		go func() {
			req, _ := http.NewRequest(http.MethodPost, base+"/cgi-bin/media/upload?type=file", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+ciToken)
			req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
			req.Header.Set("Expect", "100-continue")
			resp, err := hc.Do(req)
			if err != nil {
				results <- result{err: err}
				return
			}
			defer resp.Body.Close()
			var refusal struct {
				Error string `json:"error"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&refusal)
			results <- result{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), kind: refusal.Error}
		}()
	}
	// Two bodies fit; both wait in "WeCom" until the other 38 are refused.
	for range 2 {
		select {
		case <-up.called:
		case <-time.After(20 * time.Second):
			t.Fatal("no upload reached WeCom")
		}
	}
	count := map[int]int{}
	for range conns - 2 {
		r := <-results
		if r.err != nil {
			t.Fatalf("a refused upload got no answer: %v", r.err)
		}
		if r.status != http.StatusServiceUnavailable || r.kind != "busy" || r.retryAfter == "" {
			t.Fatalf("over the budget: %d %q Retry-After %q, want 503 busy with Retry-After", r.status, r.kind, r.retryAfter)
		}
		count[r.status]++
	}
	close(up.hold)
	released = true
	for range 2 {
		if r := <-results; r.err != nil || r.status != http.StatusOK {
			t.Fatalf("an upload within the budget: %d %v", r.status, r.err)
		}
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if len(up.calls) != 2 || up.maxInUse > 2*size+size/2 || up.maxInUse < 2*size {
		t.Fatalf("%d uploads reached WeCom with %d bytes held, want 2 within the budget", len(up.calls), up.maxInUse)
	}
	if count[http.StatusServiceUnavailable] != conns-2 {
		t.Fatalf("%v", count)
	}
}

// N6: only uploads get the 20 MB cap; a message is kilobytes, and a GET
// has no body at all.
func TestBodyCapsByEndpoint(t *testing.T) {
	up := &okUpstream{}
	srv := relay.New(relay.Options{Clients: testClients(t), Upstream: up, Audit: io.Discard})
	h := &harness{url: serveRelay(t, srv, nil), hc: &http.Client{Timeout: 30 * time.Second}}
	big := bytes.Repeat([]byte("y"), 3<<20)
	wantStatus(t, h.do(t, http.MethodPost, "/cgi-bin/message/send", "Bearer "+ciToken, "application/json", big), http.StatusRequestEntityTooLarge, "too_large")
	if a := h.do(t, http.MethodPost, "/cgi-bin/media/upload?type=file", "Bearer "+ciToken, "multipart/form-data; boundary=x", big); a.status != 200 {
		t.Fatalf("a 3 MB upload: %d %s", a.status, a.body)
	}
	if a := h.do(t, http.MethodPost, "/cgi-bin/message/send", "Bearer "+ciToken, "application/json", big[:relay.DefaultMaxJSONBody]); a.status != 200 {
		t.Fatalf("a message of exactly the cap: %d %s", a.status, a.body)
	}
	// the same over a chunked body, whose size is known only while reading
	status, err := h.sendChunked(http.MethodPost, "/cgi-bin/message/send", io.MultiReader(bytes.NewReader(big)))
	if err == nil && status != http.StatusRequestEntityTooLarge { // an error is fine too: the relay closed the connection mid-body
		t.Fatalf("chunked 3 MB message: %d", status)
	}
	wantStatus(t, h.do(t, http.MethodGet, "/cgi-bin/user/get?userid=zhangsan", "Bearer "+ciToken, "", []byte("x")), http.StatusBadRequest, "body_on_get")
	status, err = h.sendChunked(http.MethodGet, "/cgi-bin/user/get?userid=zhangsan", io.MultiReader(strings.NewReader("x")))
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusBadRequest {
		t.Fatalf("chunked GET body: %d", status)
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if n := len(up.calls); n != 2 {
		t.Fatalf("%d calls reached WeCom, want 2 (the upload and the message at the cap)", n)
	}
}

// captureWeCom is an upstream HTTP server that hands out one token and
// records the raw query of every other call.
func captureWeCom(t *testing.T) (base string, queries func() []string) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/cgi-bin/gettoken" {
			fmt.Fprint(w, `{"errcode":0,"errmsg":"ok","access_token":"RELAYTOKEN","expires_in":7200}`)
			return
		}
		mu.Lock()
		seen = append(seen, r.URL.RawQuery)
		mu.Unlock()
		fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// N12: whatever case a client writes access_token or debug in, WeCom sees
// exactly one access_token, the relay's, and debug only from a client
// the clients file allows it.
func TestSmuggledTokenAndDebugNeverReachWeCom(t *testing.T) {
	base, queries := captureWeCom(t)
	f := cmdutiltest.NewFactory(t)
	f.Env["WWCLI_BASE_URL"], f.F.Global.BaseURL = base, base
	f.Env["WWCLI_CORP_ID"], f.Env["WWCLI_SECRET"] = "ww0123456789abcdef", "secret-0123456789"
	creds, err := f.F.ResolveCredentials(context.Background(), "relay", cmdutil.CredInput{})
	if err != nil {
		t.Fatal(err)
	}
	up, err := f.F.RelayUpstream(creds, false)
	if err != nil {
		t.Fatal(err)
	}
	const debugToken = "debug-token-0123456789abc"
	clients, err := relay.ParseClients(strings.NewReader(`{"clients":[
 {"name":"ci","token_sha256":"` + relay.HashToken(ciToken) + `","paths":["/cgi-bin/*"]},
 {"name":"dev","token_sha256":"` + relay.HashToken(debugToken) + `","paths":["/cgi-bin/*"],"debug":true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{url: serveRelay(t, relay.New(relay.Options{Clients: clients, Upstream: up, Audit: io.Discard}), nil),
		hc: &http.Client{Timeout: 10 * time.Second}}
	smuggled := "userid=zhangsan&access_token=QSMUG&Access_Token=QSMUG2&ACCESS_TOKEN=QSMUG3&access%5Ftoken=QSMUG4&debug=1&DEBUG=1&Debug=1"
	if a := h.get(t, "/cgi-bin/user/get?"+smuggled, ciToken); a.status != 200 {
		t.Fatalf("GET: %d %s", a.status, a.body)
	}
	if a := h.post(t, "/cgi-bin/message/send?"+smuggled, ciToken, sendBody); a.status != 200 {
		t.Fatalf("POST: %d %s", a.status, a.body)
	}
	if a := h.get(t, "/cgi-bin/user/get?userid=zhangsan&debug=1&Access_Token=QSMUG5", debugToken); a.status != 200 {
		t.Fatalf("GET with debug: %d %s", a.status, a.body)
	}
	got := queries()
	if len(got) != 3 {
		t.Fatalf("WeCom saw %d calls: %q", len(got), got)
	}
	for i, raw := range got {
		q, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatal(err)
		}
		var tokens []string
		debug := 0
		for name, values := range q {
			switch {
			case strings.EqualFold(name, "access_token"):
				tokens = append(tokens, values...)
			case strings.EqualFold(name, "debug"):
				debug += len(values)
			}
		}
		if len(tokens) != 1 || tokens[0] != "RELAYTOKEN" || q.Get("userid") != "zhangsan" {
			t.Errorf("call %d: WeCom saw %q, want exactly the relay's access_token", i+1, raw)
		}
		if wantDebug := map[int]int{0: 0, 1: 0, 2: 1}[i]; debug != wantDebug {
			t.Errorf("call %d: WeCom saw %q: %d debug, want %d", i+1, raw, debug, wantDebug)
		}
	}
}

// rawRequest sends head (request line and headers) on a new connection
// and returns the status code of the answer.
func rawRequest(t *testing.T, base, head string) int {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, head+"Host: 127.0.0.1\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// N1: the audit log records what a client sent, and anyone can send
// anything: the audit's `$( )` path, sourced by a shell that read the log,
// ran a command. Paths and methods are written escaped.
func TestAuditLogEscapesWhatClientsChose(t *testing.T) {
	audit := &testutil.Buffer{}
	srv := relay.New(relay.Options{Clients: testClients(t), Upstream: &okUpstream{}, Audit: audit})
	base := serveRelay(t, srv, nil)
	for head, status := range map[string]int{
		"GET /cgi-bin/$(touch${IFS}/tmp/PWNED-$(id${IFS}-un)) HTTP/1.1\r\n":                                 400, // unclean
		"GET /cgi-bin/user/get`id` HTTP/1.1\r\nAuthorization: Bearer " + ciToken + "\r\n":                   400,
		"GET /cgi-bin/a%24%28id%29 HTTP/1.1\r\n":                                                            400,
		"`reboot` /cgi-bin/user/get HTTP/1.1\r\n":                                                           401, // a method is any token
		"GET /cgi-bin/" + strings.Repeat("$", 5000) + " HTTP/1.1\r\n":                                       400,
		"GET /cgi-bin/user/get?x=$(id) HTTP/1.1\r\nAuthorization: Bearer " + ciToken + "\r\n":               200, // the query is never logged
		"POST /cgi-bin/user/get HTTP/1.1\r\nAuthorization: Bearer " + ciToken + "\r\nContent-Length: 0\r\n": 200,
	} {
		if got := rawRequest(t, base, head); got != status {
			t.Errorf("%.60q: %d, want %d", head, got, status)
		}
	}
	lines := waitLines(t, audit, 7)
	log := strings.Join(lines, "\n")
	for _, want := range []string{
		`"path":"/cgi-bin/%24%28touch%24%7BIFS%7D/tmp/PWNED-%24%28id%24%7BIFS%7D-un%29%29"`,
		`"path":"/cgi-bin/user/get%60id%60"`,
		`"path":"/cgi-bin/a%2524%2528id%2529"`,
		`"method":"%60reboot%60"`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the audit log lacks %s:\n%s", want, log)
		}
	}
	for _, l := range lines {
		var e relay.AuditEntry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(e.Path+e.Method, "$`(){};|&<>\\'\" \t\n") {
			t.Errorf("the audit log holds a shell metacharacter: %s", l)
		}
	}
	long := regexp.MustCompile(`"path":"(/cgi-bin/(%24)+)…"`).FindStringSubmatch(log)
	if long == nil || len(long[1]) > 300 {
		t.Errorf("a 5,000-byte path is not cut short in the log:\n%.400s", log)
	}
}

// N1 (the relay's side of it): a path WeCom does not use is refused
// before anything else, authenticated or not.
func TestCheckPathAllowsOnlyWeComCharacters(t *testing.T) {
	for _, p := range []string{"/cgi-bin/$(id)", "/cgi-bin/a;b", "/cgi-bin/a|b", "/cgi-bin/a`b`", "/cgi-bin/a{b}", "/cgi-bin/a'b", "/cgi-bin/a\"b", "/cgi-bin/a~b", "/cgi-bin/a+b"} {
		if _, err := relay.CheckPath(p, ""); err == nil {
			t.Errorf("CheckPath(%q) accepted", p)
		}
	}
	for _, p := range []string{"/cgi-bin/user/get", "/cgi-bin/media/get/jssdk", "/cgi-bin/externalcontact/get_corp_tag_list", "/cgi-bin/a-b.c"} {
		if _, err := relay.CheckPath(p, ""); err != nil {
			t.Errorf("CheckPath(%q): %v", p, err)
		}
	}
}

// countingUpstream holds every call until hold closes and records how
// many were in flight at most.
type countingUpstream struct {
	okUpstream
	now, most atomic.Int64
}

func (u *countingUpstream) Call(ctx context.Context, req wecom.Request) (json.RawMessage, error) {
	n := u.now.Add(1)
	defer u.now.Add(-1)
	for m := u.most.Load(); n > m && !u.most.CompareAndSwap(m, n); m = u.most.Load() {
	}
	return u.okUpstream.Call(ctx, req)
}

// 1,000 clients at once must not mean 1,000 connections to WeCom (and
// their memory): calls beyond MaxUpstream wait for a slot.
func TestCallsToWeComWaitForASlot(t *testing.T) {
	const clients, slots = 6, 2
	up := &countingUpstream{okUpstream: okUpstream{hold: make(chan struct{}), called: make(chan struct{}, clients)}}
	srv := relay.New(relay.Options{Clients: testClients(t), Upstream: up, Audit: io.Discard, MaxUpstream: slots})
	entered := make(chan struct{}, clients)
	s, err := serve.Listen(serve.Config{Addr: "127.0.0.1:0", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		srv.Handler().ServeHTTP(w, r)
	})})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() { _ = s.Shutdown(); srv.CloseAudit(time.Second) })
	statuses := make(chan int, clients)
	for range clients {
		go func() {
			req, _ := http.NewRequest(http.MethodGet, s.URL()+"/cgi-bin/user/get?userid=zhangsan", nil)
			req.Header.Set("Authorization", "Bearer "+ciToken)
			resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	for range clients {
		<-entered
	}
	for range slots {
		<-up.called
	}
	select { // a third call while two are held breaks the cap
	case <-up.called:
		t.Fatalf("a call to WeCom beyond the %d slots", slots)
	case <-time.After(300 * time.Millisecond):
	}
	close(up.hold)
	for range clients {
		if st := <-statuses; st != 200 {
			t.Fatalf("a call that waited for its slot: %d", st)
		}
	}
	if m := up.most.Load(); m != slots {
		t.Fatalf("%d calls to WeCom at once, want %d", m, slots)
	}
}
