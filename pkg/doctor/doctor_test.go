package doctor

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/check"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/session"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// setup is a sealed factory pointed at a sandbox, with the demo app's
// credentials in WWCLI_*, and the Env the CLI would build from it.
func setup(t *testing.T, opts sandbox.Options) (*cmdutiltest.Harness, func() Env) {
	t.Helper()
	h := cmdutiltest.NewFactory(t)
	h.StartSandbox(t, opts)
	h.Env["WWCLI_CORP_ID"], h.Env["WWCLI_SECRET"], h.Env["WWCLI_AGENT_ID"] = sandbox.DemoCorpID, sandbox.DemoAppSecret, "1000002"
	h.F.Global.Timeout = 5 * time.Second
	return h, func() Env { return envOf(h.F, cmdutil.CredInput{}) }
}

func envOf(f *cmdutil.Factory, in cmdutil.CredInput) Env {
	return Env{
		Sandbox: f.Global.Sandbox, ProfileName: f.ProfileName(), ProfileGiven: f.Global.Profile != "",
		ConfigDir: f.ConfigDir, Config: f.Config, Keyring: f.KeyringStore(), KeyringOff: f.Getenv("WWCLI_KEYRING") == "off",
		Credentials: func(ctx context.Context) (credentials.Credentials, error) {
			return f.ResolveCredentials(ctx, "doctor", in)
		},
		BaseURL:    f.APIBaseURL,
		Session:    func(c credentials.Credentials) (Session, error) { return f.SessionFor(c, true) },
		HTTPClient: f.HTTPClient(), Timeout: f.Global.Timeout,
	}
}

func find(rep Report, name string) Check {
	for _, c := range rep.Checks {
		if c.Name == name {
			return c
		}
	}
	return Check{Name: name, Status: -1}
}

func TestHealthy(t *testing.T) {
	_, env := setup(t, sandbox.Options{})
	var streamed []string
	e := env()
	e.Keyring = unavailable{reason: "disabled by WWCLI_KEYRING=off"}
	e.Done = func(c Check) { streamed = append(streamed, c.Name) }
	rep := Run(context.Background(), e)
	if !rep.OK {
		t.Fatalf("%+v", rep.Checks)
	}
	for _, n := range []string{CheckCredentials, CheckAPIHost, CheckToken, CheckCorpTicket, CheckAgentTicket, CheckAgent, CheckTrustedIP} {
		if c := find(rep, n); c.Status != check.Pass {
			t.Errorf("%s: %+v", n, c)
		}
	}
	if c := find(rep, CheckAgent); !strings.Contains(c.Detail, "演示应用") || !strings.Contains(c.Detail, "wwcli.example.com") {
		t.Errorf("agent detail: %q", c.Detail)
	}
	// The secret comes from WWCLI_SECRET: a keyring that is off is no warning.
	if c := find(rep, CheckKeyring); c.Status != check.Info || !strings.Contains(c.Detail, "WWCLI_KEYRING=off") || !strings.Contains(c.Detail, "not needed: the secret comes from WWCLI_SECRET") {
		t.Errorf("keyring: %+v", c)
	}
	if c := find(rep, CheckDomain); c.Status != check.Skip || !strings.Contains(c.Fix, "wwcli doctor --domain wwcli.example.com") {
		t.Errorf("trusted domain: %+v", c)
	}
	if c := find(rep, CheckAPIHost); !strings.Contains(c.Detail, "connect ") || !strings.Contains(c.Detail, "ms") || strings.Contains(c.Detail, " 0s") {
		t.Errorf("API host timings: %q", c.Detail)
	}
	if len(streamed) != len(rep.Checks) {
		t.Errorf("Done saw %d checks, the report has %d", len(streamed), len(rep.Checks))
	}
	b, _ := json.Marshal(rep)
	if strings.Contains(string(b), sandbox.DemoAppSecret) || !strings.Contains(string(b), `"status":"pass"`) {
		t.Errorf("JSON: %s", b)
	}
}

func TestWrongSecret(t *testing.T) {
	h, env := setup(t, sandbox.Options{})
	h.Env["WWCLI_SECRET"] = "wrong-secret"
	rep := Run(context.Background(), env())
	c := find(rep, CheckToken)
	if rep.OK || c.Status != check.Fail || !strings.Contains(c.Detail, "errcode 40001") {
		t.Fatalf("gettoken: %+v", c)
	}
	// WeCom's hint and egress IP are facts, not a fix.
	if len(c.Notes) == 0 || !strings.HasPrefix(c.Notes[0], "hint: ") || !strings.Contains(c.Notes[0], "from ip: 127.0.0.1") ||
		strings.Contains(c.Fix, "hint") || !strings.HasPrefix(c.Fix, "The secret does not match") || !strings.Contains(c.More, "e=40001") {
		t.Fatalf("notes %q fix %q more %q", c.Notes, c.Fix, c.More)
	}
	lines := strings.Split(c.Line().Fix, "\n")
	if !strings.HasPrefix(lines[0], "hint: ") || !strings.HasPrefix(lines[1], "fix: The secret") || !strings.HasPrefix(lines[len(lines)-1], "more: ") {
		t.Errorf("rendered: %q", lines)
	}
	if s := find(rep, CheckCorpTicket).Status; s != check.Skip {
		t.Errorf("ticket after a failed token: %s", s)
	}
	// Nothing past gettoken ran, so the IP was never judged: not "ok".
	if c := find(rep, CheckTrustedIP); c.Status != check.Skip || !strings.HasPrefix(c.Line().Detail, "not checked: ") {
		t.Errorf("trusted IP: %+v", c)
	}
	b, _ := json.Marshal(rep)
	if strings.Contains(string(b), "wrong-secret") {
		t.Error("secret in the report")
	}
}

func TestUntrustedIP(t *testing.T) {
	_, env := setup(t, sandbox.Options{TrustedIPs: []string{"203.0.113.7"}})
	rep := Run(context.Background(), env())
	c := find(rep, CheckTrustedIP)
	if rep.OK || c.Status != check.Fail || !strings.Contains(c.Detail, "127.0.0.1") || !strings.Contains(c.Fix, "企业可信IP") {
		t.Fatalf("trusted IP: %+v", c)
	}
}

func TestNoCredentialsFixIsAligned(t *testing.T) {
	h, env := setup(t, sandbox.Options{})
	delete(h.Env, "WWCLI_SECRET")
	delete(h.Env, "WWCLI_CORP_ID")
	e := env()
	e.Keyring = unavailable{reason: "no D-Bus session"}
	rep := Run(context.Background(), e)
	c := find(rep, CheckCredentials)
	if rep.OK || c.Status != check.Fail || find(rep, CheckToken).Status != check.Skip {
		t.Fatalf("%+v", rep.Checks)
	}
	// Without credentials the keyring may well be needed next: a warning.
	if k := find(rep, CheckKeyring); k.Status != check.Warn {
		t.Errorf("keyring: %+v", k)
	}
	lines := strings.Split(c.Line().Fix, "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "fix:   1. arguments:") {
		t.Fatalf("fix: %q", lines)
	}
	col := strings.Index(lines[0], "1.")
	for _, l := range lines[1:3] {
		if strings.IndexAny(l, "23") != col {
			t.Errorf("numbered lines not aligned:\n%s", strings.Join(lines, "\n"))
		}
	}
}

func TestUnreachableHostStillTriesGettoken(t *testing.T) {
	h, env := setup(t, sandbox.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	h.F.Global.BaseURL = dead
	rep := Run(context.Background(), env())
	host, tok := find(rep, CheckAPIHost), find(rep, CheckToken)
	if rep.OK || host.Status != check.Fail || !strings.Contains(host.Detail, "connection refused") || !strings.Contains(host.Fix, "HTTPS_PROXY") {
		t.Fatalf("API host: %+v", host)
	}
	if tok.Status != check.Fail || !strings.Contains(tok.Detail, "/cgi-bin/gettoken") {
		t.Fatalf("gettoken must be tried, not skipped: %+v", tok)
	}
}

// fakeSession calls WeCom through one client without a token cache.
type fakeSession struct {
	c              *wecom.Client
	corpID, secret string
	mu             sync.Mutex
	token          string
}

func (s *fakeSession) Token(ctx context.Context, _ bool) (session.Result, error) {
	t, err := s.c.GetToken(ctx, s.corpID, s.secret)
	s.mu.Lock()
	s.token = t.AccessToken
	s.mu.Unlock()
	return session.Result{Value: t.AccessToken, ExpiresIn: t.ExpiresIn}, err
}

func (s *fakeSession) Ticket(ctx context.Context, kind wecom.TicketKind, _ bool) (session.Result, error) {
	s.mu.Lock()
	token := s.token
	s.mu.Unlock()
	t, err := s.c.GetTicket(ctx, token, kind)
	return session.Result{Value: t.Ticket, ExpiresIn: t.ExpiresIn}, err
}

func (s *fakeSession) Call(ctx context.Context, req wecom.Request, out any) (json.RawMessage, error) {
	s.mu.Lock()
	req.Query.Set("access_token", s.token)
	s.mu.Unlock()
	return s.c.Do(ctx, req, out)
}

func TestProbesGoThroughTheProxy(t *testing.T) {
	// WeCom's host does not resolve here: only the proxy reaches it. A raw
	// dial would fail DNS; the real HTTP client goes through the proxy.
	_, sandboxURL := cmdutiltest.StartSandbox(t, sandbox.Options{})
	target, _ := url.Parse(sandboxURL)
	var proxied []string
	var mu sync.Mutex
	forward := httputil.NewSingleHostReverseProxy(target)
	proxySrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		proxied = append(proxied, r.URL.Host+r.URL.Path)
		mu.Unlock()
		r.Host = target.Host // the sandbox answers only its own names (a guard against DNS rebinding)
		forward.ServeHTTP(w, r)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = proxySrv.Serve(ln) }()
	t.Cleanup(func() { _ = proxySrv.Close() })
	proxyURL, _ := url.Parse("http://" + ln.Addr().String())
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}}

	const base = "http://wecom.invalid"
	s := &fakeSession{c: wecom.New(base, client), corpID: sandbox.DemoCorpID, secret: sandbox.DemoAppSecret}
	rep := Run(context.Background(), Env{
		ConfigDir: func() (string, error) { return t.TempDir(), nil },
		Config:    func() (*config.Config, error) { return &config.Config{}, nil },
		Keyring:   credstore.NewMemory(),
		Credentials: func(context.Context) (credentials.Credentials, error) {
			return credentials.Credentials{CorpID: sandbox.DemoCorpID, Secret: sandbox.DemoAppSecret, AgentID: "1000002", Source: "WWCLI_SECRET"}, nil
		},
		BaseURL:    func(credentials.Credentials) (string, error) { return base, nil },
		Session:    func(credentials.Credentials) (Session, error) { return s, nil },
		HTTPClient: client,
		Timeout:    5 * time.Second,
	})
	host := find(rep, CheckAPIHost)
	if host.Status != check.Pass || !strings.Contains(host.Detail, "via proxy "+proxyURL.String()) {
		t.Fatalf("API host: %+v", host)
	}
	for _, n := range []string{CheckToken, CheckCorpTicket, CheckAgentTicket, CheckAgent, CheckTrustedIP} {
		if c := find(rep, n); c.Status != check.Pass {
			t.Errorf("%s: %+v", n, c)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(proxied) == 0 || proxied[0] != "wecom.invalid/" {
		t.Errorf("the host probe did not go through the proxy: %q", proxied)
	}
}

func TestLoopbackDomainFails(t *testing.T) {
	_, env := setup(t, sandbox.Options{})
	for _, domain := range []string{"localhost", "127.0.0.1", "10.0.0.5:8443"} {
		e := env()
		e.Domain = domain
		rep := Run(context.Background(), e)
		c := find(rep, CheckDomain)
		if rep.OK || c.Status != check.Fail || !strings.Contains(c.Detail, "WeCom") || !strings.Contains(c.Fix, "public domain") {
			t.Errorf("%s: %+v", domain, c)
		}
	}
}

func TestDomainCheckIsBoundedByTimeout(t *testing.T) {
	_, env := setup(t, sandbox.Options{})
	e := env()
	e.Domain = "app.example.com"
	e.Timeout = 300 * time.Millisecond
	// A DNS server that never answers.
	e.Resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	start := time.Now()
	rep := Run(context.Background(), e)
	c := find(rep, CheckDomain)
	if c.Status != check.Fail || !strings.Contains(c.Detail, "cannot resolve app.example.com") || !strings.Contains(c.Detail, "no answer within 300ms (--timeout)") {
		t.Errorf("domain: %+v", c)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("took %s with a 300ms timeout", took)
	}
}

func TestBadDomainIsExplained(t *testing.T) {
	_, env := setup(t, sandbox.Options{})
	e := env()
	e.Domain = "https://app.example.com/"
	c := find(Run(context.Background(), e), CheckDomain)
	if c.Status != check.Fail || !strings.Contains(c.Detail, "is a URL") {
		t.Errorf("%+v", c)
	}
}

// unavailable is a keyring that cannot be reached, for reason.
type unavailable struct {
	credstore.Store
	reason string
}

func (u unavailable) Get(context.Context, string) (string, error) {
	return "", &credstore.UnavailableError{Reason: u.reason}
}
func (unavailable) Location() string { return "the OS keyring" }

func TestKeyringMattersOnlyWhenTheSecretIsThere(t *testing.T) {
	for _, c := range []struct {
		name    string
		storage string
		want    check.Status
	}{
		{"profile in the keyring", config.StorageKeyring, check.Fail},
		{"profile in a file", config.StorageFile, check.Info},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, env := setup(t, sandbox.Options{})
			delete(h.Env, "WWCLI_SECRET")
			delete(h.Env, "WWCLI_CORP_ID")
			cfg, err := h.F.Config()
			if err != nil {
				t.Fatal(err)
			}
			cfg.Profiles = map[string]*config.Profile{"default": {CorpID: sandbox.DemoCorpID, SecretStorage: c.storage}}
			if err := cfg.Save(); err != nil {
				t.Fatal(err)
			}
			store, _ := h.F.SecretStore(c.storage)
			if err := store.Set(context.Background(), config.SecretAccount("default"), sandbox.DemoAppSecret); err != nil {
				t.Fatal(err)
			}
			e := env()
			e.Keyring = unavailable{reason: "no D-Bus session"}
			rep := Run(context.Background(), e)
			if k := find(rep, CheckKeyring); k.Status != c.want || !strings.Contains(k.Detail, "no D-Bus session") {
				t.Errorf("keyring: %+v\ncredentials: %+v", k, find(rep, CheckCredentials))
			}
		})
	}
}

func TestSandboxConfigRow(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	h.F.Global.Sandbox = true
	e := envOf(h.F, cmdutil.CredInput{})
	e.Keyring = unavailable{reason: "no D-Bus session"}
	rep := Run(context.Background(), e)
	c := find(rep, CheckConfig)
	if c.Status != check.Info || !strings.Contains(c.Detail, "--sandbox") || !strings.Contains(c.Detail, "demo app (corp "+sandbox.DemoCorpID) {
		t.Errorf("config: %+v", c)
	}
	if k := find(rep, CheckKeyring); k.Status != check.Info {
		t.Errorf("keyring under --sandbox: %+v", k)
	}
	if !rep.OK {
		t.Errorf("%+v", rep.Checks)
	}
}

func TestNoAgent(t *testing.T) {
	h, env := setup(t, sandbox.Options{})
	delete(h.Env, "WWCLI_AGENT_ID")
	rep := Run(context.Background(), env())
	if !rep.OK || find(rep, CheckAgent).Status != check.Skip || !strings.Contains(find(rep, CheckAgent).Fix, "--agent-id") {
		t.Fatalf("%+v", rep.Checks)
	}
	// The corp ticket got past gettoken: the IP was accepted.
	if c := find(rep, CheckTrustedIP); c.Status != check.Pass {
		t.Errorf("trusted IP: %+v", c)
	}
}

func TestDedentKeepsLayout(t *testing.T) {
	got := dedent("\n    a\n      b\n    c\n")
	if got != "a\n  b\nc" {
		t.Errorf("%q", got)
	}
}
