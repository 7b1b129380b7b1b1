package signserve

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wwcli/wwcli/internal/testutil"
)

// The official example of the JS-SDK signature (DOC 90506, DOC 96909; docs/jssdk-signing.md).
const (
	officialTicket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
	officialNonce  = "Wm3WZYTPz0wzccnW"
	officialTS     = 1414587457
	officialURL    = "http://mp.weixin.qq.com?params=value"
	officialSig    = "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
)

type fixture struct {
	srv   *Server
	clock *testutil.Clock
	calls atomic.Int32
	log   *lines
	http  *httptest.Server
}

type lines struct {
	mu   sync.Mutex
	list []string
}

func (l *lines) add(s string) { l.mu.Lock(); l.list = append(l.list, s); l.mu.Unlock() }
func (l *lines) all() string  { l.mu.Lock(); defer l.mu.Unlock(); return strings.Join(l.list, "\n") }

// newFixture serves a signer whose corp ticket is the official example's
// (valid 7200s from the fixed clock) and whose nonce is fixed.
func newFixture(t *testing.T, mutate func(*Options)) *fixture {
	t.Helper()
	f := &fixture{clock: testutil.NewClock(time.Unix(officialTS, 0)), log: &lines{}}
	src := TicketFunc(func(context.Context) (Ticket, error) {
		f.calls.Add(1)
		return Ticket{Value: officialTicket, ExpiresAt: f.clock.Now().Add(7200 * time.Second)}, nil
	})
	opts := Options{
		Sources:  map[Kind]TicketSource{KindCorp: src, KindAgent: src},
		Now:      f.clock.Now,
		NewNonce: func() (string, error) { return officialNonce, nil },
		Log:      f.log.add,
	}
	if mutate != nil {
		mutate(&opts)
	}
	f.srv = New(opts)
	f.http = httptest.NewServer(f.srv.Handler())
	t.Cleanup(f.http.Close)
	return f
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func (f *fixture) do(t *testing.T, method, path string, header map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, f.http.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := f.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	a := answer{status: res.StatusCode, header: res.Header}
	raw, _ := io.ReadAll(res.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			t.Fatalf("%s %s: not JSON: %q", method, path, raw)
		}
	}
	return a
}

func sigPath(u string, kind string) string {
	q := url.Values{"url": {u}}
	if kind != "" {
		q.Set("type", kind)
	}
	return "/signature?" + q.Encode()
}

func TestSignatureIsTheOfficialExample(t *testing.T) {
	f := newFixture(t, nil)
	a := f.do(t, "GET", sigPath(officialURL, ""), nil)
	if a.status != 200 {
		t.Fatalf("status %d: %v", a.status, a.body)
	}
	// exactly the three fields of getConfigSignature's answer
	if len(a.body) != 3 || a.body["signature"] != officialSig || a.body["nonceStr"] != officialNonce || a.body["timestamp"] != float64(officialTS) {
		t.Fatalf("answer %v, want the official example's signature %s", a.body, officialSig)
	}
	if got := a.header.Get("Cache-Control"); got != "no-store" {
		t.Fatalf("Cache-Control %q", got)
	}
	if log := f.log.all(); !strings.Contains(log, "✓ corp "+officialURL) {
		t.Fatalf("log does not name the URL signed:\n%s", log)
	}
}

func TestAgentKindUsesTheAgentSource(t *testing.T) {
	var corp, agent atomic.Int32
	f := newFixture(t, func(o *Options) {
		o.Sources = map[Kind]TicketSource{
			KindCorp: TicketFunc(func(context.Context) (Ticket, error) {
				corp.Add(1)
				return Ticket{Value: "corp-ticket", ExpiresAt: time.Unix(officialTS+7200, 0)}, nil
			}),
			KindAgent: TicketFunc(func(context.Context) (Ticket, error) {
				agent.Add(1)
				return Ticket{Value: officialTicket, ExpiresAt: time.Unix(officialTS+7200, 0)}, nil
			}),
		}
	})
	a := f.do(t, "GET", sigPath(officialURL, "agent"), nil)
	if a.body["signature"] != officialSig || agent.Load() != 1 || corp.Load() != 0 {
		t.Fatalf("type=agent: %v (corp fetches %d, agent fetches %d)", a.body, corp.Load(), agent.Load())
	}
}

func TestOneFetchServesManySignaturesUntilNearExpiry(t *testing.T) {
	f := newFixture(t, nil)
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := f.http.Client().Get(f.http.URL + sigPath("https://app.example.com/p?i="+string(rune('a'+i%26)), ""))
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Errorf("status %d", res.StatusCode)
			}
		}()
	}
	wg.Wait()
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("200 signatures made %d ticket fetches, want 1", n)
	}
	f.clock.Advance(7200*time.Second - 6*time.Minute) // still outside the 5-minute margin
	f.do(t, "GET", sigPath("https://app.example.com/", ""), nil)
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("refetched %d times with 6 minutes left", n)
	}
	f.clock.Advance(2 * time.Minute) // inside it: refreshed ahead of expiry
	f.do(t, "GET", sigPath("https://app.example.com/", ""), nil)
	if n := f.calls.Load(); n != 2 || f.srv.Fetches(KindCorp) != 2 {
		t.Fatalf("with 4 minutes left: %d fetches, want 2", n)
	}
}

func TestSuiteNeedsASource(t *testing.T) {
	f := newFixture(t, func(o *Options) {
		o.Unconfigured = map[Kind]string{KindSuite: "wire a suite"}
	})
	a := f.do(t, "GET", sigPath(officialURL, "suite"), nil)
	if a.status != http.StatusNotImplemented || !strings.HasPrefix(a.body["error"].(string), "not configured: ") ||
		!strings.Contains(a.body["error"].(string), "wire a suite") {
		t.Fatalf("type=suite without a source: %d %v", a.status, a.body)
	}
	g := newFixture(t, func(o *Options) {
		o.Sources[KindSuite] = TicketFunc(func(context.Context) (Ticket, error) {
			return Ticket{Value: officialTicket, ExpiresAt: time.Unix(officialTS+7200, 0)}, nil
		})
	})
	if a := g.do(t, "GET", sigPath(officialURL, "suite"), nil); a.body["signature"] != officialSig {
		t.Fatalf("type=suite with a source: %d %v", a.status, a.body)
	}
}

func TestBadRequestsAreClearAndFetchNothing(t *testing.T) {
	f := newFixture(t, nil)
	long := "https://app.example.com/?q=" + strings.Repeat("a", MaxURLLen)
	for _, c := range []struct {
		method, path string
		status       int
		want         string
	}{
		{"GET", "/signature", 400, "url is missing"},
		{"GET", sigPath("/relative/page", ""), 400, "relative"},
		{"GET", sigPath("ftp://x.com/", ""), 400, "not http or https"},
		{"GET", sigPath(officialURL, "wx"), 400, `type "wx"`},
		{"GET", sigPath(long, ""), 414, "at most"},
		{"POST", sigPath(officialURL, ""), 405, "use GET"},
		{"GET", "/sign", 404, "not found"},
	} {
		a := f.do(t, c.method, c.path, nil)
		msg, _ := a.body["error"].(string)
		if a.status != c.status || !strings.Contains(msg, c.want) {
			t.Errorf("%s %.60s: %d %q, want %d containing %q", c.method, c.path, a.status, msg, c.status, c.want)
		}
	}
	if n := f.calls.Load(); n != 0 {
		t.Fatalf("bad requests fetched %d tickets", n)
	}
	if a := f.do(t, "GET", "/", nil); a.status != 200 || !strings.Contains(a.body["signature"].(string), "/signature?url=") {
		t.Fatalf("GET /: %d %v", a.status, a.body)
	}
}

func TestTicketFailureIs502AndRetriedNextTime(t *testing.T) {
	fail := atomic.Bool{}
	fail.Store(true)
	f := newFixture(t, func(o *Options) {
		o.Sources[KindCorp] = TicketFunc(func(context.Context) (Ticket, error) {
			if fail.Load() {
				return Ticket{}, errors.New("errcode 45009: api freq out of limit")
			}
			return Ticket{Value: officialTicket, ExpiresAt: time.Unix(officialTS+7200, 0)}, nil
		})
	})
	a := f.do(t, "GET", sigPath(officialURL, ""), nil)
	if a.status != http.StatusBadGateway || !strings.Contains(a.body["error"].(string), "45009") {
		t.Fatalf("failing source: %d %v", a.status, a.body)
	}
	fail.Store(false)
	if a := f.do(t, "GET", sigPath(officialURL, ""), nil); a.body["signature"] != officialSig {
		t.Fatalf("after the source recovered: %d %v", a.status, a.body)
	}
}

func TestCORS(t *testing.T) {
	extra, err := ParseOrigin("https://dev.example.com")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(o *Options) { o.AllowOrigins = []Origin{extra} })
	path := sigPath("http://localhost:5173/", "")
	for _, c := range []struct {
		origin string
		allow  bool
	}{
		{"http://localhost:5173", true},
		{"http://localhost", true},
		{"http://127.0.0.1:8080", true},
		{"https://dev.example.com", true},
		{"https://dev.example.com:443", true},
		{"https://dev.example.com:8443", false},
		{"http://dev.example.com", false},
		{"https://localhost:5173", false},
		{"http://localhost.evil.com", false},
		{"http://evil.com", false},
		{"null", false},
	} {
		a := f.do(t, "GET", path, map[string]string{"Origin": c.origin})
		got := a.header.Get("Access-Control-Allow-Origin")
		if c.allow && got != c.origin || !c.allow && got != "" {
			t.Errorf("Origin %s: Access-Control-Allow-Origin %q (allowed: %v)", c.origin, got, c.allow)
		}
		if want := map[bool]int{true: 200, false: 403}[c.allow]; a.status != want {
			t.Errorf("Origin %s: status %d, want %d", c.origin, a.status, want)
		}
	}
	// No Origin (curl, a dev-server proxy): answered, no CORS header.
	if a := f.do(t, "GET", path, nil); a.status != 200 || a.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("without Origin: %d %v", a.status, a.header)
	}
	pre := map[string]string{"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET",
		"Access-Control-Request-Headers": "x-requested-with", "Access-Control-Request-Private-Network": "true"}
	a := f.do(t, "OPTIONS", path, pre)
	if a.status != 204 || a.header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" ||
		a.header.Get("Access-Control-Allow-Methods") != "GET, OPTIONS" || a.header.Get("Access-Control-Allow-Headers") != "x-requested-with" ||
		a.header.Get("Access-Control-Allow-Private-Network") != "true" {
		t.Fatalf("allowed preflight: %d %v", a.status, a.header)
	}
	pre["Origin"] = "http://evil.com"
	a = f.do(t, "OPTIONS", path, pre)
	if a.status != 403 || a.header.Get("Access-Control-Allow-Origin") != "" || a.header.Get("Access-Control-Allow-Methods") != "" {
		t.Fatalf("refused preflight: %d %v", a.status, a.header)
	}
	if log := f.log.all(); !strings.Contains(log, "OPTIONS /signature?url=http%3A%2F%2Flocalhost%3A5173%2F → 403: origin http://evil.com is not allowed") ||
		!strings.Contains(log, "restart with --allow-origin http://evil.com") {
		t.Fatalf("refused preflight not logged with the fix:\n%s", log)
	}
}

func TestParseOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"http://localhost:5173":    "http://localhost:5173",
		"HTTPS://Dev.Example.com/": "https://dev.example.com",
		"https://a.com:443":        "https://a.com",
		"http://192.168.1.5:*":     "http://192.168.1.5:*",
		"http://[::1]:3000":        "http://[::1]:3000",
	} {
		o, err := ParseOrigin(in)
		if err != nil || o.String() != want {
			t.Errorf("ParseOrigin(%q) = %v, %v; want %s", in, o, err, want)
		}
	}
	for _, in := range []string{"*", "localhost:5173", "ftp://a.com", "https://a.com/path", "https://a.com:8443:*",
		"https://*.a.com", "https://a.com:99999", "https://user@a.com", ""} {
		if _, err := ParseOrigin(in); err == nil || !strings.Contains(err.Error(), "scheme://host[:port]") {
			t.Errorf("ParseOrigin(%q): err %v, want one naming the form", in, err)
		}
	}
}

func TestWarnings(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.TrustedDomains = []string{"app.example.com"} })
	iphone := "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 wxwork/4.1.0"
	for _, c := range []struct {
		url     string
		header  map[string]string
		want    string // "" = no warning at all
		wantNot string
	}{
		{"https://app.example.com/a", nil, "", ""},
		{"https://shop.app.example.com/a", nil, "", ""}, // sub-domains count (DOC 90547)
		{"https://app.example.com/a#/route", nil, "removed #/route", ""},
		{"http://app.example.com/a", nil, "the URL is http://", ""},
		{"http://localhost:5173/", nil, "", ""}, // local dev page: neither http nor the trusted domain is news
		{"https://other.com/", nil, "not the app's trusted domain (app.example.com)", ""},
		{"https://app.example.com/x", map[string]string{"Origin": "http://localhost:5173"}, "a page of http://localhost:5173 asked to sign a URL of https://app.example.com", ""},
		{"https://app.example.com/x", map[string]string{"Origin": "http://evil.com"}, "restart with --allow-origin http://evil.com", "✓"},
		{"https://app.example.com/spa/first", map[string]string{"User-Agent": iphone}, "", ""},
		{"https://app.example.com/spa/second", map[string]string{"User-Agent": iphone}, "first asked for https://app.example.com/spa/first", ""},
		{"https://app.example.com/desktop", map[string]string{"User-Agent": "Mozilla/5.0 (Windows NT 10.0) wxwork/4.1"}, "", ""},
		{"https://app.example.com/%E9%A1%B5", nil, "", ""},
		{"https://app.example.com/页", nil, "non-ASCII", ""},
	} {
		before := len(f.log.list)
		f.do(t, "GET", sigPath(c.url, ""), c.header)
		f.log.mu.Lock()
		got := strings.Join(f.log.list[before:], "\n")
		f.log.mu.Unlock()
		switch {
		case c.want == "" && strings.Contains(got, "\n  ! "):
			t.Errorf("%s %v: unexpected warning:\n%s", c.url, c.header, got)
		case c.want != "" && !strings.Contains(got, c.want):
			t.Errorf("%s %v: no warning %q in:\n%s", c.url, c.header, c.want, got)
		case c.wantNot != "" && strings.Contains(got, c.wantNot):
			t.Errorf("%s %v: %q in:\n%s", c.url, c.header, c.wantNot, got)
		}
	}
}

func TestLandingRule(t *testing.T) {
	for ua, want := range map[string]bool{
		"Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) wxwork/4.1":                   true,
		"Mozilla/5.0 (Linux; Android 13) MicroMessenger/8.0.40":                      true, // WeChat on a phone, corp config
		"Mozilla/5.0 (Linux; Android 13) MicroMessenger/8.0.40 wxwork/4.1":           false,
		"Mozilla/5.0 (Windows NT 10.0; WOW64) MicroMessenger/3.9 WindowsWechat":      false,
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Chrome/120.0 Safari/537.36": false,
	} {
		if got := landingRuleApplies(KindCorp, ua); got != want {
			t.Errorf("landingRuleApplies(corp, %q) = %v", ua, got)
		}
	}
	if landingRuleApplies(KindAgent, "Mozilla/5.0 (Linux; Android 13) MicroMessenger/8.0.40") {
		t.Error("WeChat's landing URL applies to the corp config only")
	}
}

func TestSnippet(t *testing.T) {
	s := Snippet(SnippetOptions{BaseURL: "http://127.0.0.1:41234", CorpID: "ww5a8f2c1d9e0b3a47", AgentID: "1000002",
		Kinds: []Kind{KindCorp, KindAgent}})
	for _, want := range []string{
		`corpId: "ww5a8f2c1d9e0b3a47",`,
		`agentId: 1000002,`,
		`getConfigSignature: (url) => fetch("http://127.0.0.1:41234/signature?url=" + encodeURIComponent(url)).then((r) => r.json()),`,
		`getAgentConfigSignature: (url) => fetch("http://127.0.0.1:41234/signature?type=agent&url=" + encodeURIComponent(url)).then((r) => r.json()),`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("snippet lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, "Suite") {
		t.Errorf("snippet without a suite source mentions it:\n%s", s)
	}
	s = Snippet(SnippetOptions{BaseURL: "http://x", CorpID: "ww1", SuiteID: "wwsuite", Kinds: []Kind{KindCorp, KindSuite}})
	if !strings.Contains(s, `suiteId: "wwsuite",`) || !strings.Contains(s, "getSuiteConfigSignature") || strings.Contains(s, "agentId") {
		t.Errorf("suite snippet:\n%s", s)
	}
}

func TestLogLinesUseTheGivenIcons(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Icons = Icons{OK: "ok", Fail: "fail", Warn: "warn"} })
	f.do(t, "GET", sigPath(officialURL+"#frag", ""), nil)
	f.do(t, "GET", "/nope", nil)
	log := f.log.all()
	for _, want := range []string{"ok corp " + officialURL + "\n  warn removed #frag", "fail GET /nope → 404"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}
