package cmdutil

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/suiteticket"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// fakeThirdParty is a minimal WeCom for the third-party token chain: it
// counts calls per path, checks what each call must carry, and answers
// with tokens that name their inputs.
type fakeThirdParty struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls map[string]int
	// answers overrides the answer of a path once (errcode JSON).
	answers map[string][]string
	// delay slows get_suite_token and get_corp_token, so concurrent
	// callers overlap.
	delay time.Duration
}

func newFakeThirdParty(t *testing.T) *fakeThirdParty {
	t.Helper()
	fk := &fakeThirdParty{calls: map[string]int{}, answers: map[string][]string{}}
	fk.srv = httptest.NewServer(http.HandlerFunc(fk.serve))
	t.Cleanup(fk.srv.Close)
	return fk
}

func (fk *fakeThirdParty) count(path string) int {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	return fk.calls[path]
}

func (fk *fakeThirdParty) answerOnce(path, body string) {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	fk.answers[path] = append(fk.answers[path], body)
}

func (fk *fakeThirdParty) serve(w http.ResponseWriter, r *http.Request) {
	var body map[string]string
	if b, _ := io.ReadAll(r.Body); len(b) > 0 {
		_ = json.Unmarshal(b, &body)
	}
	fk.mu.Lock()
	fk.calls[r.URL.Path]++
	var canned string
	if q := fk.answers[r.URL.Path]; len(q) > 0 {
		canned, fk.answers[r.URL.Path] = q[0], q[1:]
	}
	fk.mu.Unlock()
	if canned != "" {
		_, _ = io.WriteString(w, canned)
		return
	}
	q := r.URL.Query()
	answer := func(v map[string]any) { _ = json.NewEncoder(w).Encode(v) }
	switch r.URL.Path {
	case "/cgi-bin/service/get_suite_token":
		time.Sleep(fk.delay)
		if body["suite_ticket"] == "" {
			answer(map[string]any{"errcode": 41023, "errmsg": "missing suite_ticket"})
			return
		}
		answer(map[string]any{"suite_access_token": "SAT-" + body["suite_id"] + "-" + body["suite_ticket"], "expires_in": 7200})
	case "/cgi-bin/service/get_corp_token":
		time.Sleep(fk.delay)
		if !strings.HasPrefix(q.Get("suite_access_token"), "SAT-") {
			answer(map[string]any{"errcode": 40082, "errmsg": "invalid suite_token"})
			return
		}
		answer(map[string]any{"access_token": "CT-" + body["auth_corpid"] + "-" + body["permanent_code"], "expires_in": 7200})
	case "/cgi-bin/service/get_provider_token":
		answer(map[string]any{"errcode": 0, "errmsg": "ok", "provider_access_token": "PAT-" + body["corpid"], "expires_in": 7200})
	case "/cgi-bin/gettoken":
		answer(map[string]any{"errcode": 0, "errmsg": "ok", "access_token": "AT-" + q.Get("corpid") + "-" + q.Get("corpsecret"), "expires_in": 7200})
	case "/cgi-bin/get_jsapi_ticket":
		answer(map[string]any{"errcode": 0, "errmsg": "ok", "ticket": "JT-" + q.Get("access_token"), "expires_in": 7200})
	case "/cgi-bin/user/get":
		answer(map[string]any{"errcode": 0, "errmsg": "ok", "userid": q.Get("userid"), "token_used": q.Get("access_token")})
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// suiteEnv is the environment of a CI job with a suite and one corp.
func suiteEnv(base string) map[string]string {
	return map[string]string{
		"WWCLI_BASE_URL":       base,
		"WWCLI_SUITE_ID":       "wwsuite0000000001",
		"WWCLI_SUITE_SECRET":   "suite-secret",
		"WWCLI_SUITE_TICKET":   "TICKET1",
		"WWCLI_PERMANENT_CODE": "PCODE1",
	}
}

func suiteFactory(t *testing.T, env map[string]string) *Factory {
	f := testFactory(t, env)
	f.Global.BaseURL = env["WWCLI_BASE_URL"]
	return f
}

func TestSuiteTokenCachedAndKeyedBySuite(t *testing.T) {
	fk := newFakeThirdParty(t)
	ctx := context.Background()
	env := suiteEnv(fk.srv.URL)
	f := suiteFactory(t, env)
	s, err := f.SuiteSession(ctx, "suite token", false)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Token(ctx, false)
	if err != nil || r.Value != "SAT-wwsuite0000000001-TICKET1" || r.Cached || r.ExpiresIn < 7100 {
		t.Fatalf("%+v %v", r, err)
	}
	// A new session (as a new process) takes it from the cache, without a ticket.
	env2 := suiteEnv(fk.srv.URL)
	delete(env2, "WWCLI_SUITE_TICKET")
	env2["WWCLI_CACHE_DIR"] = mustGetenv(t, f, "WWCLI_CACHE_DIR")
	f2 := suiteFactory(t, env2)
	s2, _ := f2.SuiteSession(ctx, "suite token", false)
	r2, err := s2.Token(ctx, false)
	if err != nil || !r2.Cached || r2.Value != r.Value {
		t.Fatalf("%+v %v", r2, err)
	}
	// Another suite in the same cache never gets this suite's token.
	env3 := suiteEnv(fk.srv.URL)
	env3["WWCLI_SUITE_ID"] = "wwsuite0000000002"
	env3["WWCLI_CACHE_DIR"] = env2["WWCLI_CACHE_DIR"]
	s3, _ := suiteFactory(t, env3).SuiteSession(ctx, "suite token", false)
	r3, err := s3.Token(ctx, false)
	if err != nil || r3.Cached || r3.Value != "SAT-wwsuite0000000002-TICKET1" {
		t.Fatalf("%+v %v", r3, err)
	}
	if n := fk.count("/cgi-bin/service/get_suite_token"); n != 2 {
		t.Fatalf("get_suite_token calls: %d", n)
	}
}

func mustGetenv(t *testing.T, f *Factory, k string) string {
	t.Helper()
	v := f.Getenv(k)
	if v == "" {
		t.Fatalf("%s unset", k)
	}
	return v
}

// --auth-corp: the session's access token is the corp token, and every
// call (tickets, api) uses it as a self-built app's token.
func TestAuthCorpSessionUsesCorpToken(t *testing.T) {
	fk := newFakeThirdParty(t)
	ctx := context.Background()
	f := suiteFactory(t, suiteEnv(fk.srv.URL))
	s, err := f.Session(ctx, "ticket", CredInput{AuthCorp: "wwcorp00000000001"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Creds.IsAuthCorp() || s.Creds.CorpID != "wwcorp00000000001" || !strings.Contains(s.Creds.Source, "WWCLI_PERMANENT_CODE") {
		t.Fatalf("%+v", s.Creds)
	}
	tk, err := s.Ticket(ctx, wecom.CorpTicket, false)
	if err != nil || tk.Value != "JT-CT-wwcorp00000000001-PCODE1" {
		t.Fatalf("%+v %v", tk, err)
	}
	var out map[string]any
	if _, err := s.Call(ctx, wecom.Request{Path: "/cgi-bin/user/get", Query: map[string][]string{"userid": {"zhangsan"}}}, &out); err != nil ||
		out["token_used"] != "CT-wwcorp00000000001-PCODE1" {
		t.Fatalf("%v %v", out, err)
	}
	if fk.count("/cgi-bin/gettoken") != 0 || fk.count("/cgi-bin/service/get_corp_token") != 1 || fk.count("/cgi-bin/service/get_suite_token") != 1 {
		t.Fatalf("calls %v", fk.calls)
	}
	// Two corps of one suite have their own tokens.
	env := suiteEnv(fk.srv.URL)
	env["WWCLI_PERMANENT_CODE"] = "PCODE2"
	env["WWCLI_CACHE_DIR"] = mustGetenv(t, f, "WWCLI_CACHE_DIR")
	s2, err := suiteFactory(t, env).Session(ctx, "token", CredInput{AuthCorp: "wwcorp00000000002"}, false)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s2.Token(ctx, false)
	if err != nil || r.Value != "CT-wwcorp00000000002-PCODE2" || r.Cached {
		t.Fatalf("%+v %v", r, err)
	}
	if fk.count("/cgi-bin/service/get_suite_token") != 1 {
		t.Fatalf("the suite token was not shared across corps: %v", fk.calls)
	}
	// Another suite, same corp and (even) the same permanent code string:
	// its own suite token and its own corp token.
	env = suiteEnv(fk.srv.URL)
	env["WWCLI_SUITE_ID"] = "wwsuite0000000002"
	env["WWCLI_CACHE_DIR"] = mustGetenv(t, f, "WWCLI_CACHE_DIR")
	s3, err := suiteFactory(t, env).Session(ctx, "token", CredInput{AuthCorp: "wwcorp00000000001"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s3.Token(ctx, false); err != nil || r.Cached {
		t.Fatalf("another suite shared the corp token: %+v %v", r, err)
	}
	if a, b := fk.count("/cgi-bin/service/get_suite_token"), fk.count("/cgi-bin/service/get_corp_token"); a != 2 || b != 3 {
		t.Fatalf("get_suite_token %d, get_corp_token %d", a, b)
	}
}

// A 代开发 template's permanent code is the corp app's secret: plain
// gettoken, no suite token (DOC 97164).
func TestAuthCorpOfTemplateUsesGettoken(t *testing.T) {
	fk := newFakeThirdParty(t)
	env := suiteEnv(fk.srv.URL)
	env["WWCLI_SUITE_ID"] = "dktemplate0000001"
	f := suiteFactory(t, env)
	s, err := f.Session(context.Background(), "token", CredInput{AuthCorp: "wwcorp00000000001"}, false)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Token(context.Background(), false)
	if err != nil || r.Value != "AT-wwcorp00000000001-PCODE1" {
		t.Fatalf("%+v %v", r, err)
	}
	if fk.count("/cgi-bin/service/get_suite_token") != 0 || fk.count("/cgi-bin/service/get_corp_token") != 0 {
		t.Fatalf("calls %v", fk.calls)
	}
}

// 20 concurrent processes (separate factories and cache instances; flock
// locks conflict between them) on an empty cache: one get_suite_token and
// one get_corp_token between them.
func TestConcurrentCorpTokensFetchOnce(t *testing.T) {
	fk := newFakeThirdParty(t)
	fk.delay = 20 * time.Millisecond
	cacheDir := filepath.Join(t.TempDir(), "cache")
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	var values sync.Map
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			env := suiteEnv(fk.srv.URL)
			env["WWCLI_CACHE_DIR"] = cacheDir
			f := suiteFactory(t, env)
			s, err := f.Session(context.Background(), "token", CredInput{AuthCorp: "wwcorp00000000001"}, false)
			if err != nil {
				errs <- err
				return
			}
			r, err := s.Token(context.Background(), false)
			values.Store(i, r.Value)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	values.Range(func(_, v any) bool {
		if v != "CT-wwcorp00000000001-PCODE1" {
			t.Errorf("value %v", v)
		}
		return true
	})
	if a, b := fk.count("/cgi-bin/service/get_suite_token"), fk.count("/cgi-bin/service/get_corp_token"); a != 1 || b != 1 {
		t.Fatalf("get_suite_token %d, get_corp_token %d; want 1 and 1", a, b)
	}
}

// A suite token WeCom calls stale (42009) is refetched once, then the
// corp token fetch goes through.
func TestStaleSuiteTokenRefetchedOnce(t *testing.T) {
	fk := newFakeThirdParty(t)
	f := suiteFactory(t, suiteEnv(fk.srv.URL))
	ctx := context.Background()
	s, err := f.Session(ctx, "token", CredInput{AuthCorp: "wwcorp00000000001"}, false)
	if err != nil {
		t.Fatal(err)
	}
	fk.answerOnce("/cgi-bin/service/get_corp_token", `{"errcode":42009,"errmsg":"suite_access_token expired"}`)
	r, err := s.Token(ctx, false)
	if err != nil || r.Value != "CT-wwcorp00000000001-PCODE1" {
		t.Fatalf("%+v %v", r, err)
	}
	if a, b := fk.count("/cgi-bin/service/get_suite_token"), fk.count("/cgi-bin/service/get_corp_token"); a != 2 || b != 2 {
		t.Fatalf("get_suite_token %d, get_corp_token %d", a, b)
	}
	// 40084 (permanent code refused) is explained and exits 3.
	fk.answerOnce("/cgi-bin/service/get_corp_token", `{"errcode":40084,"errmsg":"invalid permanent_code"}`)
	_, err = s.Token(ctx, true)
	var ae *AdviceError
	if !errors.As(err, &ae) || ExitCode(err) != ExitAPI || !strings.Contains(ae.Explain(), "wwcli suite permanent-code") {
		t.Fatalf("%v (exit %d)", err, ExitCode(err))
	}
}

func TestSuiteTicketSources(t *testing.T) {
	fk := newFakeThirdParty(t)
	ctx := context.Background()
	env := suiteEnv(fk.srv.URL)
	delete(env, "WWCLI_SUITE_TICKET")
	f := suiteFactory(t, env)
	s, _ := f.SuiteSession(ctx, "suite token", false)
	_, err := s.Token(ctx, false)
	if ExitCode(err) != ExitCredentials || !strings.Contains(err.Error(), "wwcli suite ticket set -") {
		t.Fatalf("no ticket: %v (exit %d)", err, ExitCode(err))
	}
	store, _ := f.SuiteTickets()
	if err := store.Save(suiteticket.Ticket{SuiteID: "wwsuite0000000001", Value: "STORED", ReceivedAt: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	r, err := s.Token(ctx, false)
	if err != nil || r.Value != "SAT-wwsuite0000000001-STORED" {
		t.Fatalf("%+v %v", r, err)
	}
	// WeCom refusing the ticket (40085) says where it came from and how old.
	fk.answerOnce("/cgi-bin/service/get_suite_token", `{"errcode":40085,"errmsg":"invalid suite_ticket"}`)
	_, err = s.Token(ctx, true)
	var ae *AdviceError
	if !errors.As(err, &ae) || ExitCode(err) != ExitAPI || !strings.Contains(ae.Explain(), "from store, received 1m0s ago") {
		t.Fatalf("%v", err)
	}
}

func TestSuiteCredentialErrors(t *testing.T) {
	ctx := context.Background()
	f := testFactory(t, map[string]string{"WWCLI_SUITE_SECRET": "s"})
	if _, err := f.ResolveSuite(ctx, "suite token"); ExitCode(err) != ExitCredentials || !strings.Contains(err.Error(), "WWCLI_SUITE_ID is not") {
		t.Fatalf("%v", err)
	}
	f = testFactory(t, nil)
	if _, err := f.ResolveSuite(ctx, "suite token"); ExitCode(err) != ExitCredentials || !strings.Contains(err.Error(), "wwcli auth login --suite") {
		t.Fatalf("%v", err)
	}
	// --auth-corp with an app secret is a usage error.
	f = testFactory(t, suiteEnv("http://127.0.0.1:1"))
	if _, err := f.ResolveCredentials(ctx, "token", CredInput{AuthCorp: "wwcorp", Args: []string{"ww1", "s"}}); ExitCode(err) != ExitUsage {
		t.Fatalf("%v", err)
	}
	// No permanent code: names the command that stores one.
	env := suiteEnv("http://127.0.0.1:1")
	delete(env, "WWCLI_PERMANENT_CODE")
	f = testFactory(t, env)
	if _, err := f.ResolveCredentials(ctx, "token", CredInput{AuthCorp: "wwcorp"}); ExitCode(err) != ExitCredentials || !strings.Contains(err.Error(), "wwcli suite permanent-code AUTH_CODE") {
		t.Fatalf("%v", err)
	}
}

// A profile's suite secret and the permanent codes come from its store.
func TestSuiteProfileAndStoredPermanentCode(t *testing.T) {
	fk := newFakeThirdParty(t)
	ctx := context.Background()
	f := testFactory(t, map[string]string{"WWCLI_SUITE_TICKET": "T"})
	f.Global.BaseURL = fk.srv.URL
	dir, _ := f.ConfigDir()
	if err := config.Update(dir, func(c *config.Config) error {
		c.Profiles["default"] = &config.Profile{SuiteID: "wwsuiteprofile001", SecretStorage: config.StorageKeyring}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ResolveSuite(ctx, "suite token"); ExitCode(err) != ExitCredentials || !strings.Contains(err.Error(), "no suite secret") {
		t.Fatalf("%v", err)
	}
	must(t, f.Keyring.Set(ctx, config.SuiteSecretAccount("default"), "profile-suite-secret"))
	sc, err := f.ResolveSuite(ctx, "suite token")
	if err != nil || sc.SuiteID != "wwsuiteprofile001" || sc.Secret != "profile-suite-secret" || sc.Profile != "default" {
		t.Fatalf("%+v %v", sc, err)
	}
	must(t, f.StorePermanentCode(ctx, "wwsuiteprofile001", "wwcorpA", "PCA"))
	code, source, err := f.PermanentCode(ctx, "wwsuiteprofile001", "wwcorpA")
	if err != nil || code != "PCA" || !strings.Contains(source, "keyring") && !strings.Contains(source, "memory") {
		t.Fatalf("%q %q %v", code, source, err)
	}
	if _, _, err := f.PermanentCode(ctx, "wwsuiteprofile001", "wwcorpB"); ExitCode(err) != ExitCredentials {
		t.Fatalf("another corp: %v", err)
	}
	s, err := f.Session(ctx, "token", CredInput{AuthCorp: "wwcorpA"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.Token(ctx, false); err != nil || r.Value != "CT-wwcorpA-PCA" {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestProviderToken(t *testing.T) {
	fk := newFakeThirdParty(t)
	ctx := context.Background()
	f := testFactory(t, map[string]string{"WWCLI_PROVIDER_SECRET": "ps", "WWCLI_CORP_ID": "wwprovider0000001"})
	f.Global.BaseURL = fk.srv.URL
	s, err := f.ProviderSession(ctx, "provider token", "", false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		r, err := s.Token(ctx, false)
		if err != nil || r.Value != "PAT-wwprovider0000001" || r.Cached != (i == 1) {
			t.Fatalf("%d: %+v %v", i, r, err)
		}
	}
	if fk.count("/cgi-bin/service/get_provider_token") != 1 {
		t.Fatalf("calls %v", fk.calls)
	}
	// WWCLI_PROVIDER_CORP_ID wins over an app's WWCLI_CORP_ID.
	f = testFactory(t, map[string]string{"WWCLI_PROVIDER_SECRET": "ps", "WWCLI_CORP_ID": "wwapp", "WWCLI_PROVIDER_CORP_ID": "wwprov"})
	if p, err := f.ResolveProvider(ctx, "provider token", ""); err != nil || p.CorpID != "wwprov" {
		t.Fatalf("%+v %v", p, err)
	}
	f = testFactory(t, map[string]string{"WWCLI_PROVIDER_SECRET": "ps"})
	if _, err := f.ResolveProvider(ctx, "provider token", ""); ExitCode(err) != ExitUsage {
		t.Fatalf("no corp id: %v", err)
	}
	f = testFactory(t, nil)
	if _, err := f.ResolveProvider(ctx, "provider token", ""); ExitCode(err) != ExitCredentials || !strings.Contains(err.Error(), "wwcli auth login --provider") {
		t.Fatalf("nothing: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Under --sandbox, --auth-corp installs the demo suite in the demo corp
// and the corp token works; no cache on disk, so the run's memory holds
// the corp token while its fetch needs the suite token (no deadlock).
func TestSandboxAuthCorpInstallsTheDemoSuite(t *testing.T) {
	f := testFactory(t, nil)
	f.Global.Sandbox = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, _, err := f.PermanentCode(ctx, sandbox.DemoSuiteID, sandbox.DemoCorpID); ExitCode(err) != ExitCredentials {
		t.Fatalf("before any install: %v", err)
	}
	s, err := f.Session(ctx, "ticket", CredInput{AuthCorp: sandbox.DemoCorpID}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Creds.IsAuthCorp() || s.Creds.AgentID == "" || !strings.Contains(s.Creds.Source, "sandbox install") {
		t.Fatalf("%+v", s.Creds)
	}
	if _, err := s.Ticket(ctx, wecom.AgentTicket, false); err != nil {
		t.Fatal(err)
	}
	// The permanent code of this run is reused, not installed again.
	code, source, err := f.PermanentCode(ctx, sandbox.DemoSuiteID, sandbox.DemoCorpID)
	if err != nil || code != s.Creds.Secret || !strings.Contains(source, "sandbox") {
		t.Fatalf("%q %q %v", code, source, err)
	}
	if _, err := f.ResolveCredentials(ctx, "token", CredInput{AuthCorp: "wwother0000000001"}); ExitCode(err) != ExitCredentials {
		t.Fatalf("another corp under --sandbox: %v", err)
	}
}

// Suite and corp tokens are refreshed ahead of expiry, like app tokens:
// inside the last 5 minutes of their 2 hours a run fetches new ones.
func TestSuiteAndCorpTokensRefreshAheadOfExpiry(t *testing.T) {
	fk := newFakeThirdParty(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	f := suiteFactory(t, suiteEnv(fk.srv.URL))
	f.Now = func() time.Time { return now }
	token := func() {
		t.Helper()
		s, err := f.Session(ctx, "token", CredInput{AuthCorp: "wwcorp00000000001"}, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Token(ctx, false); err != nil {
			t.Fatal(err)
		}
	}
	token()
	now = now.Add(7200*time.Second - 6*time.Minute) // still fresh
	token()
	if a, b := fk.count("/cgi-bin/service/get_suite_token"), fk.count("/cgi-bin/service/get_corp_token"); a != 1 || b != 1 {
		t.Fatalf("fresh: get_suite_token %d, get_corp_token %d", a, b)
	}
	now = now.Add(2 * time.Minute) // 4 minutes left: inside the margin
	token()
	if a, b := fk.count("/cgi-bin/service/get_suite_token"), fk.count("/cgi-bin/service/get_corp_token"); a != 2 || b != 2 {
		t.Fatalf("near expiry: get_suite_token %d, get_corp_token %d", a, b)
	}
}
