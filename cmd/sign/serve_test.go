package sign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/internal/testutil"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/jssdk"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/signserve"
)

func TestNewServeCmdParsesFlags(t *testing.T) {
	h := newHarness(t)
	var got *ServeOptions
	cmd := NewCmd(h.F, nil)
	cmd.SetArgs([]string{"serve", "--addr", "127.0.0.1:8085", "--allow-origin", "https://a.example.com",
		"--allow-origin", "http://10.0.0.2:*", "--insecure-listen", "--allow-host", "dev.example.test", "--allow-host", "*.tunnel.example",
		"--agent-id", "1000002", "--no-cache", "ww1", "s"})
	for _, c := range cmd.Commands() {
		if c.Name() == "serve" {
			*c = *NewServeCmd(h.F, func(_ context.Context, o *ServeOptions) error { got = o; return nil })
		}
	}
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Addr != "127.0.0.1:8085" || strings.Join(got.AllowOrigins, " ") != "https://a.example.com http://10.0.0.2:*" ||
		!got.InsecureListen || strings.Join(got.AllowHosts, " ") != "dev.example.test *.tunnel.example" || got.Creds.AgentID != "1000002" || !got.NoCache || strings.Join(got.Creds.Args, " ") != "ww1 s" {
		t.Fatalf("options: %+v", got)
	}
}

func TestServeUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "0.0.0.0:0"}, "not a loopback address"},
		{[]string{"--addr", "192.168.1.5:8085"}, "--insecure-listen"},
		{[]string{"--addr", "127.0.0.1"}, "use host:port"},
		{[]string{"--addr", "127.0.0.1:http"}, "the port must be a number"},
		{[]string{"--addr", ":8085"}, "name the host"},
		{[]string{"--allow-host", "http://dev.example.test"}, "--allow-host \"http://dev.example.test\" is not a host name"},
		{[]string{"--allow-host", "dev.example.test:8085"}, "without scheme or port"},
		{[]string{"--allow-host", "*"}, "every DNS-rebinding page"},
		{[]string{"--allow-origin", "*"}, "every web page"},
		{[]string{"--allow-origin", "localhost:5173"}, "scheme://host[:port]"},
		{[]string{"one"}, "expected CORPID SECRET"},
		{[]string{"--trusted-domain", "https://app.example.com/"}, "give the bare domain"},
		{[]string{"--suite-ticket", "T"}, "--suite-id and --suite-ticket go together"},
		{[]string{"--suite-id", "ww9c3e7b1a5d2f8e60"}, "--suite-id and --suite-ticket go together"},
		{[]string{"--suite-id", "ww9c3e7b1a5d2f8e60", "--suite-ticket", "a b"}, "no spaces"},
	} {
		r := runSign(t, append([]string{"serve"}, c.args...)...)
		if r.code != cmdutil.ExitUsage || !strings.Contains(r.errorString, c.want) {
			t.Errorf("serve %v: exit %d %q, want exit 2 with %q", c.args, r.code, r.errorString, c.want)
		}
	}
}

func TestServeWithoutCredentialsExits4(t *testing.T) {
	r := runSign(t, "serve")
	if r.code != cmdutil.ExitCredentials || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q: %s", r.code, r.stdout, r.errorString)
	}
}

func TestServeWrongSecretExits3BeforeListening(t *testing.T) {
	h := newHarness(t)
	withSandbox(t, h)
	h.Env["WWCLI_SECRET"] = "wrong-secret"
	r := runSignWith(t, h, "serve")
	if r.code != cmdutil.ExitAPI || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q: %s", r.code, r.stdout, r.errorString)
	}
}

type served struct {
	base    string
	mu      sync.Mutex
	tickets map[string]string // ticket kind -> the last ticket the sandbox handed out
	out     *testutil.Buffer
	errOut  *testutil.Buffer
	term    chan os.Signal
	cancel  context.CancelFunc // Ctrl-C
	done    chan error
}

// startServe runs `sign serve` against a sandbox with the demo app's
// credentials; stdout and stderr are out and errOut (nil: buffers).
func startServe(t *testing.T, mutate func(*ServeOptions), out, errOut io.Writer) (*served, *sandbox.Server) {
	t.Helper()
	h := newHarness(t)
	h.F.Now = time.Now
	srv, sandboxURL := h.StartSandbox(t, sandbox.Options{})
	h.Env["WWCLI_CORP_ID"], h.Env["WWCLI_SECRET"] = sandbox.DemoCorpID, sandbox.DemoAppSecret
	s := &served{tickets: map[string]string{}, out: &testutil.Buffer{}, errOut: &testutil.Buffer{}, term: make(chan os.Signal, 1), done: make(chan error, 1)}
	if out == nil {
		out = s.out
	}
	if errOut == nil {
		errOut = s.errOut
	}
	h.F.IO.Out, h.F.IO.ErrOut = out, errOut
	h.Env["WWCLI_BASE_URL"] = s.recordTickets(t, sandboxURL)
	h.F.Global.BaseURL = h.Env["WWCLI_BASE_URL"]
	ready := make(chan string, 1)
	o := &ServeOptions{IO: h.F.IO, Now: time.Now, Session: h.F.Session,
		Signals: func() (serve.Signals, func()) { return serve.Signals{Term: s.term}, func() {} },
		Ready:   func(base string) { ready <- base }}
	o.Addr = "127.0.0.1:0"
	if mutate != nil {
		mutate(o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	t.Cleanup(cancel)
	go func() { s.done <- runServe(ctx, o) }()
	select {
	case s.base = <-ready:
	case err := <-s.done:
		t.Fatalf("serve stopped at once: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start within 10s")
	}
	t.Cleanup(func() {
		select {
		case s.term <- syscall.SIGTERM:
		default:
		}
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop within 10s of SIGTERM")
		}
	})
	return s, srv
}

func getSignature(t *testing.T, base, kind, pageURL string) (int, map[string]any) {
	t.Helper()
	q := url.Values{"url": {pageURL}}
	if kind != "" {
		q.Set("type", kind)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	res, err := client.Get(base + "/signature?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, body
}

// recordTickets is a proxy to the sandbox that remembers the tickets it
// hands out, so the test can recompute the signatures.
func (s *served) recordTickets(t *testing.T, sandboxURL string) string {
	t.Helper()
	target, _ := url.Parse(sandboxURL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(res *http.Response) error {
		kind := map[string]string{"/cgi-bin/get_jsapi_ticket": "corp", "/cgi-bin/ticket/get": "agent"}[res.Request.URL.Path]
		if kind == "" {
			return nil
		}
		body, err := io.ReadAll(res.Body)
		if err != nil {
			return err
		}
		res.Body = io.NopCloser(bytes.NewReader(body))
		var m struct{ Ticket string }
		_ = json.Unmarshal(body, &m)
		s.mu.Lock()
		s.tickets[kind] = m.Ticket
		s.mu.Unlock()
		return nil
	}
	ps := httptest.NewServer(proxy)
	t.Cleanup(ps.Close)
	return ps.URL
}

func (s *served) ticket(kind string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tickets[kind]
}

func TestServeSignsWithCachedTicketsAndStopsOnSIGTERM(t *testing.T) {
	s, srv := startServe(t, func(o *ServeOptions) { o.Creds.AgentID = "1000002" }, nil, nil)
	if first, _, _ := strings.Cut(s.out.WaitFor("\n"), "\n"); first != s.base || !strings.HasPrefix(first, "http://127.0.0.1:") {
		t.Fatalf("first stdout line %q, want the base URL %s", first, s.base)
	}
	for _, kind := range []string{"", "agent"} {
		for i := range 20 {
			page := "http://localhost:5173/page?i=" + string(rune('a'+i))
			status, body := getSignature(t, s.base, kind, page)
			if status != 200 || len(body) != 3 {
				t.Fatalf("type=%s: %d %v", kind, status, body)
			}
			k := kind
			if k == "" {
				k = "corp"
			}
			ticket := s.ticket(k)
			want := jssdk.Signature(ticket, body["nonceStr"].(string), jsonInt(body["timestamp"]), page)
			if body["signature"] != want {
				t.Fatalf("type=%s %s: signature %v, want %s", kind, page, body["signature"], want)
			}
		}
	}
	// One ticket fetch per kind for 40 signatures.
	corp, agent := srv.Count("/cgi-bin/get_jsapi_ticket"), srv.Count("/cgi-bin/ticket/get")
	if corp != 1 || agent != 1 {
		t.Fatalf("ticket fetches: corp %d, agent %d; want 1 each", corp, agent)
	}
	if status, body := getSignature(t, s.base, "suite", "http://localhost:5173/"); status != 501 || !strings.HasPrefix(body["error"].(string), "not configured: ") {
		t.Fatalf("type=suite: %d %v", status, body)
	}
	s.term <- syscall.SIGTERM
	if err := <-s.done; err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	s.done <- nil // for the cleanup
	log := s.errOut.String()
	for _, want := range []string{
		"ok signing on " + s.base + "/signature?url=URL",
		"trusted domain: wwcli.example.com (URLs of other public hosts get a warning)",
		`getAgentConfigSignature: (url) => fetch("` + s.base + `/signature?type=agent&url=" + encodeURIComponent(url)).then((r) => r.json()),`,
		"ok corp http://localhost:5173/page?i=a",
		"ok agent http://localhost:5173/page?i=t",
		"→ 501: not configured: type=suite",
		"sign serve stopped (SIGTERM)",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("stderr lacks %q:\n%s", want, log)
		}
	}
}

func jsonInt(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestServeSuiteSourceIsWiredThrough(t *testing.T) {
	const ticket = "suite-ticket-for-the-test"
	s, _ := startServe(t, func(o *ServeOptions) {
		o.SuiteID = "wwsuite0001"
		o.Suite = signserve.TicketFunc(func(context.Context) (signserve.Ticket, error) {
			return signserve.Ticket{Value: ticket, ExpiresAt: time.Now().Add(2 * time.Hour)}, nil
		})
	}, nil, nil)
	status, body := getSignature(t, s.base, "suite", "https://app.example.com/")
	if status != 200 || body["signature"] != jssdk.Signature(ticket, body["nonceStr"].(string), jsonInt(body["timestamp"]), "https://app.example.com/") {
		t.Fatalf("type=suite: %d %v", status, body)
	}
	if log := s.errOut.WaitFor("getSuiteConfigSignature"); !strings.Contains(log, `suiteId: "wwsuite0001"`) || !strings.Contains(log, "getSuiteConfigSignature") {
		t.Fatalf("snippet without the suite:\n%s", log)
	}
}

func TestServeSuiteTicketFlagSignsTypeSuite(t *testing.T) {
	s, _ := startServe(t, func(o *ServeOptions) {
		o.SuiteID, o.SuiteTicket = "ww9c3e7b1a5d2f8e60", "given-suite-ticket"
	}, nil, nil)
	for i := 0; i < 2; i++ { // the given ticket serves every request
		status, body := getSignature(t, s.base, "suite", "https://app.example.com/login")
		if status != 200 || body["signature"] != jssdk.Signature("given-suite-ticket", body["nonceStr"].(string), jsonInt(body["timestamp"]), "https://app.example.com/login") {
			t.Fatalf("type=suite with --suite-ticket: %d %v", status, body)
		}
	}
	if log := s.errOut.WaitFor("getSuiteConfigSignature"); !strings.Contains(log, `suiteId: "ww9c3e7b1a5d2f8e60"`) {
		t.Fatalf("snippet without the suite:\n%s", log)
	}
}

// TestServeAnswersWhileStdoutAndStderrAreBlocked: a terminal or pipe
// nobody reads (a paused pager, a stuck `| jq`) must not stop signatures.
func TestServeAnswersWhileStdoutAndStderrAreBlocked(t *testing.T) {
	outR, outW := io.Pipe()
	errR, errW := io.Pipe()
	t.Cleanup(func() { outR.Close(); errR.Close() })
	s, _ := startServe(t, func(o *ServeOptions) { o.queueLen = 16 }, outW, errW)
	start := time.Now()
	for i := range 300 {
		if status, body := getSignature(t, s.base, "", "http://localhost:5173/#/"+string(rune('a'+i%26))); status != 200 {
			t.Fatalf("request %d: %d %v", i, status, body)
		}
	}
	t.Logf("300 signatures in %s with stdout and stderr blocked", time.Since(start))
	// Neither does stopping: the queues wait a bounded time for a reader.
	s.term <- syscall.SIGTERM
	select {
	case err := <-s.done:
		if code := cmdutil.ExitCode(err); code != cmdutil.ExitOK {
			t.Fatalf("SIGTERM with stdout and stderr blocked: exit %d (%v)", code, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM with stdout and stderr blocked: still running after 10s")
	}
	s.done <- nil // for the cleanup
}

// TestServeFirstRequestsOfBothKindsAtOnce: the first corp and agent
// requests arrive together (a page calls both callbacks at load); each
// kind is fetched once and the session is never used concurrently (-race).
func TestServeFirstRequestsOfBothKindsAtOnce(t *testing.T) {
	s, srv := startServe(t, nil, nil, nil)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kind := []string{"", "agent"}[i%2]
			if status, body := getSignature(t, s.base, kind, "http://localhost:5173/"); status != 200 {
				t.Errorf("type=%s: %d %v", kind, status, body)
			}
		}()
	}
	wg.Wait()
	if c, a := srv.Count("/cgi-bin/get_jsapi_ticket"), srv.Count("/cgi-bin/ticket/get"); c != 1 || a != 1 {
		t.Fatalf("ticket fetches: corp %d, agent %d; want 1 each", c, a)
	}
}

func TestServeTrustedDomainFlagWinsOverAgentGet(t *testing.T) {
	s, srv := startServe(t, func(o *ServeOptions) {
		o.Creds.AgentID = "1000002"
		o.TrustedDomains = []string{"app.example.com"}
	}, nil, nil)
	getSignature(t, s.base, "", "https://app.example.com/ok")
	getSignature(t, s.base, "", "https://wwcli.example.com/off")
	s.term <- syscall.SIGTERM
	<-s.done
	s.done <- nil
	log := s.errOut.String()
	if !strings.Contains(log, "trusted domain: app.example.com") ||
		!strings.Contains(log, "wwcli.example.com is not the app's trusted domain (app.example.com)") ||
		strings.Contains(log, "app.example.com/ok\n  warn") {
		t.Fatalf("log:\n%s", log)
	}
	if n := srv.Count("/cgi-bin/agent/get"); n != 0 {
		t.Fatalf("agent/get called %d times although --trusted-domain was given", n)
	}
}

// request sends GET base+path with the given Host and headers (Host ""
// keeps the one of base).
func request(t *testing.T, base, host, path string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, string(body)
}

// TestServeRefusesADNSRebindingHost is the audit's N3 repro: a page on
// rebind.attacker.example whose name now resolves to 127.0.0.1 makes a
// same-origin GET (no Origin). It gets 403, no signature, and no ticket
// is fetched for it; the names of this machine are still answered.
func TestServeRefusesADNSRebindingHost(t *testing.T) {
	s, srv := startServe(t, func(o *ServeOptions) { o.Creds.AgentID = "1000002" }, nil, nil)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.base, "http://"))
	const pay = "/signature?url=https%3A%2F%2Fvictim-app.example.com%2Fpay&type=agent"
	for _, host := range []string{"rebind.attacker.example:" + port, "rebind.attacker.example", "127.0.0.1.nip.io:" + port,
		"localhost.attacker.example:" + port, "REBIND.attacker.example.:" + port, "app.localhost:" + port} {
		for _, path := range []string{pay, "/signature?url=https%3A%2F%2Fvictim-app.example.com%2Fpay", "/"} {
			status, body := request(t, s.base, host, path, nil)
			if status != http.StatusForbidden || strings.Contains(body, "signature\"") || !strings.Contains(body, "DNS rebinding") {
				t.Errorf("Host %s %s: %d %s, want 403 naming DNS rebinding", host, path, status, body)
			}
		}
	}
	if c, a := srv.Count("/cgi-bin/get_jsapi_ticket"), srv.Count("/cgi-bin/ticket/get"); c != 0 || a != 0 {
		t.Fatalf("refused Hosts made ticket fetches: corp %d, agent %d; want 0", c, a)
	}
	if !strings.Contains(s.errOut.String(), `refused a request for Host "rebind.attacker.example:`+port+`"`) ||
		!strings.Contains(s.errOut.String(), "add --allow-host rebind.attacker.example") {
		t.Errorf("the log does not name the refused Host and the fix:\n%s", s.errOut.String())
	}
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port, "LocalHost:" + port} {
		if status, body := request(t, s.base, host, pay, nil); status != http.StatusOK || !strings.Contains(body, `"signature":"`) {
			t.Errorf("Host %s: %d %s, want a signature", host, status, body)
		}
	}
}

// TestServeAllowHostAnswersThatNameOnly: --allow-host adds a name (a
// tunnel's, a name in /etc/hosts), and only that name.
func TestServeAllowHostAnswersThatNameOnly(t *testing.T) {
	s, _ := startServe(t, func(o *ServeOptions) { o.AllowHosts = []string{"dev.example.test", "*.tunnel.example"} }, nil, nil)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.base, "http://"))
	path := "/signature?url=" + url.QueryEscape("https://app.example.com/")
	for host, want := range map[string]int{
		"dev.example.test:" + port: 200, "dev.example.test": 200, "a.tunnel.example": 200,
		"other.example.test:" + port: 403, "tunnel.example": 403, "dev.example.test.attacker.example": 403,
	} {
		if status, body := request(t, s.base, host, path, nil); status != want {
			t.Errorf("Host %s: %d %s, want %d", host, status, body, want)
		}
	}
}

// TestServeRefusesOtherOriginsBeforeAnyTicketFetch: a page of another
// site gets 403 and a short JSON error; nothing is signed or fetched for
// it. curl (no Origin) and an allowed page (IPv6 loopback included) are
// signed.
func TestServeRefusesOtherOriginsBeforeAnyTicketFetch(t *testing.T) {
	s, srv := startServe(t, nil, nil, nil)
	path := "/signature?type=agent&url=" + url.QueryEscape("https://victim-app.example.com/pay")
	for _, origin := range []string{"https://evil.example", "null", "http://localhost.evil.com:5173"} {
		status, body := request(t, s.base, "", path, map[string]string{"Origin": origin})
		var answer map[string]string
		if err := json.Unmarshal([]byte(body), &answer); err != nil || status != http.StatusForbidden ||
			len(answer) != 1 || !strings.Contains(answer["error"], "is not allowed") {
			t.Errorf("Origin %s: %d %s, want 403 with a JSON error", origin, status, body)
		}
	}
	if n := srv.Count("/cgi-bin/ticket/get"); n != 0 {
		t.Fatalf("refused origins made %d ticket fetches, want 0", n)
	}
	if log := s.errOut.WaitFor("https://evil.example is not allowed"); !strings.Contains(log, "restart with --allow-origin https://evil.example") {
		t.Fatalf("the refusal is not logged with its fix:\n%s", log)
	}
	for _, origin := range []string{"", "http://[::1]:5173", "http://localhost:5173"} {
		h := map[string]string{}
		if origin != "" {
			h["Origin"] = origin
		}
		if status, body := request(t, s.base, "", path, h); status != http.StatusOK || !strings.Contains(body, `"signature":"`) {
			t.Errorf("Origin %q: %d %s, want a signature", origin, status, body)
		}
	}
	if log := s.errOut.String(); !strings.Contains(log, "CORS for http://localhost:*, http://127.0.0.1:*, http://[::1]:*") {
		t.Errorf("the start line does not list the default origins:\n%s", log)
	}
}

// TestServeCtrlCExits130: Ctrl-C ends the command's context; the server
// stops and returns an error, which the root turns into exit 130 (a nil
// error would be exit 0, the SIGTERM stop).
func TestServeCtrlCExits130(t *testing.T) {
	s, _ := startServe(t, nil, nil, nil)
	s.cancel()
	select {
	case err := <-s.done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Ctrl-C: %v, want the context's error (exit 130)", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Ctrl-C: still running after 10s")
	}
	s.done <- nil // for the cleanup
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(s.base, "http://"), time.Second); err == nil {
		t.Fatal("still listening after Ctrl-C")
	}
	if log := s.errOut.String(); strings.Contains(log, "stopped (SIGTERM)") {
		t.Fatalf("Ctrl-C logged as SIGTERM:\n%s", log)
	}
}

// TestServePortInUseExits1: a failed listen is a failure (1) that names
// the fix, after the credentials were checked.
func TestServePortInUseExits1(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	h := newHarness(t)
	withSandbox(t, h)
	r := runSignWith(t, h, "serve", "--addr", taken.Addr().String())
	if r.code != cmdutil.ExitFailure || r.stdout != "" || !strings.Contains(r.errorString, "is already in use") ||
		!strings.Contains(r.errorString, "--addr 127.0.0.1:0") {
		t.Fatalf("exit %d, stdout %q: %s", r.code, r.stdout, r.errorString)
	}
}
