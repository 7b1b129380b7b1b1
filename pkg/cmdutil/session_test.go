package cmdutil

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// testFactory returns a factory with private config and cache dirs, a
// memory keyring and the given env.
func testFactory(t *testing.T, env map[string]string) *Factory {
	t.Helper()
	dir := t.TempDir()
	vars := map[string]string{
		"WWCLI_CONFIG_DIR": filepath.Join(dir, "config"),
		"WWCLI_CACHE_DIR":  filepath.Join(dir, "cache"),
	}
	for k, v := range env {
		vars[k] = v
	}
	io, _, _, _ := iostreams.Test()
	f := &Factory{IO: io, Getenv: func(k string) string { return vars[k] }, Now: time.Now, Keyring: credstore.NewMemory()}
	f.Global.Timeout = 5 * time.Second
	t.Cleanup(f.Close)
	return f
}

func startSandbox(t *testing.T) (*sandbox.Server, string) {
	t.Helper()
	srv := sandbox.New(sandbox.Options{})
	u, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, u
}

func saveProfile(t *testing.T, f *Factory, name string, p *config.Profile, secret string) {
	t.Helper()
	dir, _ := f.ConfigDir()
	cfg, _ := config.Load(dir)
	cfg.Profiles[name] = p
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
	store, _ := f.SecretStore(p.SecretStorage)
	if err := store.Set(context.Background(), config.SecretAccount(name), secret); err != nil {
		t.Fatal(err)
	}
}

func TestCredentialPrecedence(t *testing.T) {
	ctx := context.Background()
	env := map[string]string{"WWCLI_CORP_ID": "wwenv", "WWCLI_SECRET": "envsecret"}
	f := testFactory(t, env)
	saveProfile(t, f, "default", &config.Profile{CorpID: "wwprofile", AgentID: "7", SecretStorage: config.StorageKeyring}, "profilesecret")

	c, err := f.ResolveCredentials(ctx, "token", CredInput{Args: []string{"wwarg", "argsecret"}})
	if err != nil || c.CorpID != "wwarg" || c.Secret != "argsecret" || c.Source != "arguments" {
		t.Fatalf("positional must win: %+v %v", c, err)
	}
	secretFile := filepath.Join(t.TempDir(), "s")
	os.WriteFile(secretFile, []byte("filesecret\n"), 0o600)
	c, err = f.ResolveCredentials(ctx, "token", CredInput{CorpID: "wwflag", SecretFile: secretFile})
	if err != nil || c.CorpID != "wwflag" || c.Secret != "filesecret" {
		t.Fatalf("flags beat env: %+v %v", c, err)
	}
	c, err = f.ResolveCredentials(ctx, "token", CredInput{})
	if err != nil || c.CorpID != "wwenv" || c.Secret != "envsecret" {
		t.Fatalf("env beats profile: %+v %v", c, err)
	}
	f2 := testFactory(t, nil)
	f2.Keyring = f.Keyring
	f2.Getenv = func(k string) string {
		if k == "WWCLI_CORP_ID" || k == "WWCLI_SECRET" {
			return ""
		}
		return f.Getenv(k)
	}
	c, err = f2.ResolveCredentials(ctx, "token", CredInput{})
	if err != nil || c.CorpID != "wwprofile" || c.Secret != "profilesecret" || c.AgentID != "7" || c.Profile != "default" {
		t.Fatalf("profile last: %+v %v", c, err)
	}
}

func TestSecretStdin(t *testing.T) {
	f := testFactory(t, nil)
	f.IO.In = strings.NewReader("  stdinsecret\n")
	c, err := f.ResolveCredentials(context.Background(), "token", CredInput{CorpID: "ww1", SecretStdin: true})
	if err != nil || c.Secret != "stdinsecret" {
		t.Fatalf("%+v %v", c, err)
	}
}

func TestMissingAndPartialCredentials(t *testing.T) {
	ctx := context.Background()
	f := testFactory(t, nil)
	_, err := f.ResolveCredentials(ctx, "ticket", CredInput{})
	if ExitCode(err) != ExitCredentials {
		t.Fatalf("exit %d: %v", ExitCode(err), err)
	}
	for _, way := range []string{"wwcli ticket CORPID SECRET", "WWCLI_CORP_ID", "wwcli auth login", "--sandbox"} {
		if !strings.Contains(err.Error(), way) {
			t.Errorf("message should show %q:\n%v", way, err)
		}
	}
	f = testFactory(t, map[string]string{"WWCLI_SECRET": "x"})
	if _, err := f.ResolveCredentials(ctx, "token", CredInput{}); ExitCode(err) != ExitCredentials || !strings.Contains(err.Error(), "WWCLI_CORP_ID") {
		t.Fatalf("partial env: %v", err)
	}
	f = testFactory(t, nil)
	if _, err := f.ResolveCredentials(ctx, "token", CredInput{Args: []string{"only-one"}}); ExitCode(err) != ExitUsage {
		t.Fatalf("one arg: %v", err)
	}
	if _, err := f.ResolveCredentials(ctx, "token", CredInput{CorpID: "ww1"}); ExitCode(err) != ExitUsage {
		t.Fatalf("--corp-id without a secret: %v", err)
	}
	f.Global.Profile = "nosuch"
	if _, err := f.ResolveCredentials(ctx, "token", CredInput{}); ExitCode(err) != ExitCredentials || !strings.Contains(err.Error(), "nosuch") {
		t.Fatalf("named missing profile: %v", err)
	}
}

func TestUnavailableKeyringIsNotLoggedOut(t *testing.T) {
	f := testFactory(t, map[string]string{"WWCLI_KEYRING": "off"})
	f.Keyring = nil // the real store, disabled by WWCLI_KEYRING=off
	dir, _ := f.ConfigDir()
	cfg, _ := config.Load(dir)
	cfg.Profiles["default"] = &config.Profile{CorpID: "ww1", SecretStorage: config.StorageKeyring}
	cfg.Save()
	_, err := f.ResolveCredentials(context.Background(), "token", CredInput{})
	if ExitCode(err) != ExitCredentials || !credstore.IsUnavailable(err) || strings.Contains(err.Error(), "auth login --profile") {
		t.Fatalf("got %v", err)
	}
}

func TestSandboxModeUsesDemoAppAndNoDiskCache(t *testing.T) {
	f := testFactory(t, nil)
	f.Global.Sandbox = true
	s, err := f.Session(context.Background(), "ticket", CredInput{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if s.Creds.CorpID != sandbox.DemoCorpID || !strings.HasPrefix(s.BaseURL, "http://127.0.0.1:") {
		t.Fatalf("%+v %s", s.Creds, s.BaseURL)
	}
	if _, err := s.Ticket(context.Background(), wecom.CorpTicket, false); err != nil {
		t.Fatal(err)
	}
	// the in-process sandbox keeps its own state under sandbox/ (like
	// `wwcli sandbox --state`); the token cache is not written
	cacheDir, _ := f.CacheDir()
	entries, err := os.ReadDir(cacheDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "sandbox" {
			t.Fatalf("sandbox mode must not write the token cache: %s", e.Name())
		}
	}
	if _, err := os.Stat(sandbox.InProcessStatePath(cacheDir)); err != nil {
		t.Fatalf("the in-process sandbox saved no state: %v", err)
	}
}

func sessionFor(t *testing.T, f *Factory, base string) *Session {
	t.Helper()
	f.Global.BaseURL = base
	s, err := f.SessionFor(credentials.Credentials{CorpID: sandbox.DemoCorpID, Secret: sandbox.DemoAppSecret, AgentID: "1000002"}, false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTokenCachedAcrossSessions(t *testing.T) {
	srv, base := startSandbox(t)
	f := testFactory(t, nil)
	ctx := context.Background()
	t1, err := sessionFor(t, f, base).Token(ctx, false)
	if err != nil || t1.Cached {
		t.Fatal(t1, err)
	}
	t2, err := sessionFor(t, f, base).Token(ctx, false)
	if err != nil || !t2.Cached || t2.Value != t1.Value {
		t.Fatal(t2, err)
	}
	if n := srv.Count("/cgi-bin/gettoken"); n != 1 {
		t.Fatalf("gettoken calls: %d", n)
	}
	t3, _ := sessionFor(t, f, base).Token(ctx, true)
	if t3.Cached || srv.Count("/cgi-bin/gettoken") != 2 {
		t.Fatal("--refresh must fetch")
	}
}

func TestStaleTokenIsRefetchedOnce(t *testing.T) {
	srv, base := startSandbox(t)
	f := testFactory(t, nil)
	ctx := context.Background()
	if _, err := sessionFor(t, f, base).Token(ctx, false); err != nil {
		t.Fatal(err)
	}
	// WeCom expired the token early (the sandbox clock moves past its TTL);
	// our cache still believes it: the ticket call gets 42001, refetches once.
	srv.Advance(3 * time.Hour)
	tk, err := sessionFor(t, f, base).Ticket(ctx, wecom.CorpTicket, false)
	if err != nil || tk.Value == "" {
		t.Fatal(tk, err)
	}
	if n := srv.Count("/cgi-bin/gettoken"); n != 2 {
		t.Fatalf("gettoken calls: %d, want 2", n)
	}
	// A persistent 40014 is retried exactly once, then reported.
	if err := srv.InjectFault(sandbox.Fault{Path: "/cgi-bin/get_jsapi_ticket", ErrCode: 40014, Times: -1}); err != nil {
		t.Fatal(err)
	}
	_, err = sessionFor(t, f, base).Ticket(ctx, wecom.CorpTicket, true)
	if !wecom.IsCode(err, 40014) || srv.Count("/cgi-bin/gettoken") != 3 {
		t.Fatalf("err=%v gettoken=%d", err, srv.Count("/cgi-bin/gettoken"))
	}
}

func TestCachedToken40001RefetchesButFresh40001DoesNot(t *testing.T) {
	srv, base := startSandbox(t)
	f := testFactory(t, nil)
	ctx := context.Background()
	sessionFor(t, f, base).Token(ctx, false)
	srv.InjectFault(sandbox.Fault{Path: "/cgi-bin/get_jsapi_ticket", ErrCode: 40001})
	if _, err := sessionFor(t, f, base).Ticket(ctx, wecom.CorpTicket, false); err != nil {
		t.Fatalf("40001 on a cached token should refetch and succeed: %v", err)
	}
	if n := srv.Count("/cgi-bin/gettoken"); n != 2 {
		t.Fatalf("gettoken: %d", n)
	}
	srv.InjectFault(sandbox.Fault{Path: "/cgi-bin/gettoken", ErrCode: 40001, Times: -1})
	_, err := sessionFor(t, f, base).Token(ctx, true)
	if !wecom.IsCode(err, 40001) {
		t.Fatalf("want 40001, got %v", err)
	}
}

func TestDebugWarnsOnce(t *testing.T) {
	_, base := startSandbox(t)
	io, _, _, errOut := iostreams.Test()
	f := testFactory(t, nil)
	f.IO = io
	f.Global.Debug = true
	sessionFor(t, f, base)
	sessionFor(t, f, base)
	if strings.Count(errOut.String(), "5 calls per minute") != 1 {
		t.Fatalf("stderr: %q", errOut.String())
	}
}

func TestBaseURLValidation(t *testing.T) {
	f := testFactory(t, nil)
	f.Global.BaseURL = "qyapi.weixin.qq.com"
	if _, err := f.APIBaseURL(credentials.Credentials{}); ExitCode(err) != ExitUsage {
		t.Fatalf("got %v", err)
	}
	f.Global.BaseURL = ""
	if u, _ := f.APIBaseURL(credentials.Credentials{BaseURL: "http://127.0.0.1:1/"}); u != "http://127.0.0.1:1" {
		t.Fatal(u)
	}
	if u, _ := f.APIBaseURL(credentials.Credentials{}); u != wecom.DefaultBaseURL {
		t.Fatal(u)
	}
}

// A base URL copied with /cgi-bin would call /cgi-bin/cgi-bin/...: it is
// stripped, with one warning.
func TestBaseURLEndingInCgiBin(t *testing.T) {
	io, _, _, errOut := iostreams.Test()
	f := testFactory(t, nil)
	f.IO = io
	for _, base := range []string{"http://127.0.0.1:1/cgi-bin", "http://127.0.0.1:1/cgi-bin/"} {
		f.Global.BaseURL = base
		if u, err := f.APIBaseURL(credentials.Credentials{}); err != nil || u != "http://127.0.0.1:1" {
			t.Fatalf("%s: %q %v", base, u, err)
		}
	}
	if n := strings.Count(errOut.String(), "warning: the base URL http://127.0.0.1:1/cgi-bin ends in /cgi-bin"); n != 1 {
		t.Fatalf("want one warning, got %d: %q", n, errOut.String())
	}
}

// PlannedBaseURL (known before any secret is read) is the host the
// session then uses, for every source of credentials.
func TestPlannedBaseURLMatchesTheSession(t *testing.T) {
	ctx := context.Background()
	secretFile := filepath.Join(t.TempDir(), "s")
	if err := os.WriteFile(secretFile, []byte("filesecret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		env  map[string]string
		in   CredInput
		flag string
	}{
		{"profile", nil, CredInput{}, ""},
		{"profile, --base-url wins", nil, CredInput{}, "http://127.0.0.1:3"},
		{"arguments", nil, CredInput{Args: []string{"wwprofile", "x"}}, ""},
		{"secret file", nil, CredInput{CorpID: "wwprofile", SecretFile: secretFile}, ""},
		{"env", map[string]string{"WWCLI_CORP_ID": "wwprofile", "WWCLI_SECRET": "x"}, CredInput{}, ""},
		{"corp id alone", map[string]string{"WWCLI_CORP_ID": "wwprofile"}, CredInput{}, ""},
	}
	for _, c := range cases {
		f := testFactory(t, c.env)
		saveProfile(t, f, "default", &config.Profile{CorpID: "wwprofile", BaseURL: "http://127.0.0.1:2", SecretStorage: config.StorageKeyring}, "p")
		f.Global.BaseURL = c.flag
		planned, err := f.PlannedBaseURL(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		s, err := f.Session(ctx, "api", c.in, true)
		if err != nil || s.BaseURL != planned {
			t.Errorf("%s: planned %s, session %+v %v", c.name, planned, s, err)
		}
	}
}

// --verbose logs each exchange, secrets redacted, and never adds debug=1.
func TestVerboseLogsWithoutDebug(t *testing.T) {
	_, base := startSandbox(t)
	io, _, _, errOut := iostreams.Test()
	f := testFactory(t, nil)
	f.IO = io
	f.Global.Verbose = true
	s := sessionFor(t, f, base)
	if s.Client.Debug {
		t.Fatal("--verbose switched debug=1 on")
	}
	if _, err := s.Token(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	log := errOut.String()
	if !strings.Contains(log, "/cgi-bin/gettoken?corpid="+sandbox.DemoCorpID+"&corpsecret=REDACTED") ||
		strings.Contains(log, sandbox.DemoAppSecret) || strings.Contains(log, "debug=1") || strings.Contains(log, "warning") {
		t.Fatalf("log: %q", log)
	}
}

// Plain http only to loopback unless --insecure-http, which warns: the
// secret would travel in clear (issue 16, defect 9).
func TestAPIBaseURLPlainHTTP(t *testing.T) {
	for _, base := range []string{"http://127.0.0.1:8080", "http://127.9.9.9", "http://[::1]:80/", "http://localhost:1", "https://example.com"} {
		f := testFactory(t, nil)
		f.Global.BaseURL = base
		if _, err := f.APIBaseURL(credentials.Credentials{}); err != nil {
			t.Errorf("%s: %v", base, err)
		}
	}
	for _, base := range []string{"http://198.51.100.7", "http://qyapi.weixin.qq.com", "http://localhost.example.com", "http://[::2]"} {
		f := testFactory(t, nil)
		f.Global.BaseURL = base
		_, err := f.APIBaseURL(credentials.Credentials{})
		var flagErr *FlagError
		if !errors.As(err, &flagErr) || !strings.Contains(err.Error(), "--insecure-http") {
			t.Errorf("%s: err=%v, want a usage error naming --insecure-http", base, err)
		}
	}
	io, _, _, stderr := iostreams.Test()
	f := testFactory(t, nil)
	f.IO = io
	f.Global.BaseURL, f.Global.InsecureHTTP = "http://198.51.100.7", true
	if got, err := f.APIBaseURL(credentials.Credentials{}); err != nil || got != "http://198.51.100.7" {
		t.Fatalf("--insecure-http: %q %v", got, err)
	}
	if !strings.HasPrefix(stderr.String(), "warning: --insecure-http: calling 198.51.100.7 over plain http") {
		t.Fatalf("stderr %q, want the warning", stderr.String())
	}
}
