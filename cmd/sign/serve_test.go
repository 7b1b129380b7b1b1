package sign

import (
	"bytes"
	"context"
	"encoding/json"
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

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/jssdk"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/signserve"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// waitFor returns the buffer once it holds want: serve writes its stdout
// and stderr through queues, so a line may land just after Ready.
func (s *syncBuffer) waitFor(t *testing.T, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.String(), want) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return s.String()
}

func TestNewServeCmdParsesFlags(t *testing.T) {
	h := newHarness(t)
	var got *ServeOptions
	cmd := NewCmd(h.F, nil)
	cmd.SetArgs([]string{"serve", "--addr", "127.0.0.1:8085", "--allow-origin", "https://a.example.com",
		"--allow-origin", "http://10.0.0.2:*", "--insecure-listen", "--agent-id", "1000002", "--no-cache", "ww1", "s"})
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
		!got.InsecureListen || got.Creds.AgentID != "1000002" || !got.NoCache || strings.Join(got.Creds.Args, " ") != "ww1 s" {
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
	out     *syncBuffer
	errOut  *syncBuffer
	term    chan os.Signal
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
	s := &served{tickets: map[string]string{}, out: &syncBuffer{}, errOut: &syncBuffer{}, term: make(chan os.Signal, 1), done: make(chan error, 1)}
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
	o := &ServeOptions{IO: h.F.IO, Now: time.Now, Session: h.F.Session, Addr: "127.0.0.1:0",
		Terminated: func() (<-chan os.Signal, func()) { return s.term, func() {} },
		Ready:      func(base string) { ready <- base }}
	if mutate != nil {
		mutate(o)
	}
	go func() { s.done <- runServe(context.Background(), o) }()
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
	if first, _, _ := strings.Cut(s.out.waitFor(t, "\n"), "\n"); first != s.base || !strings.HasPrefix(first, "http://127.0.0.1:") {
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
	if log := s.errOut.waitFor(t, "getSuiteConfigSignature"); !strings.Contains(log, `suiteId: "wwsuite0001"`) || !strings.Contains(log, "getSuiteConfigSignature") {
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
	if log := s.errOut.waitFor(t, "getSuiteConfigSignature"); !strings.Contains(log, `suiteId: "ww9c3e7b1a5d2f8e60"`) {
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

func TestClientAddrOfEveryInterfaceIsLoopback(t *testing.T) {
	for in, want := range map[string]string{"0.0.0.0:8085": "127.0.0.1:8085", "[::]:8085": "127.0.0.1:8085",
		"127.0.0.1:8085": "127.0.0.1:8085", "192.168.1.5:80": "192.168.1.5:80"} {
		a, err := net.ResolveTCPAddr("tcp", in)
		if err != nil {
			t.Fatal(err)
		}
		if got := clientAddr(a); got != want {
			t.Errorf("clientAddr(%s) = %s, want %s", in, got, want)
		}
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
