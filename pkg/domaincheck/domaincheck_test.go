package domaincheck

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/check"
	"github.com/wwcli/wwcli/pkg/domaincheck/domainchecktest"
)

const (
	testName  = "WW_verify_AbCdEfGh12345678.txt"
	testToken = "AbCdEfGh12345678"
)

// serveFile answers the verification path with body and content type, and
// 404 elsewhere, like a static web root.
func serveFile(body, contentType string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/"+testName {
			http.NotFound(w, r)
			return
		}
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.Write([]byte(body))
	})
}

func hostPort(t *testing.T, rawURL string) (string, string) {
	t.Helper()
	host, port, err := ParseHost(strings.TrimPrefix(strings.TrimPrefix(rawURL, "http://"), "https://"))
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

func runOne(t *testing.T, cfg Config) Result {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = testName
	}
	if cfg.Expected == nil {
		cfg.Expected = []byte(testToken)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	res := Run(context.Background(), cfg)
	if len(res) != 1 {
		t.Fatalf("%d results, want 1", len(res))
	}
	return res[0]
}

func checkOf(t *testing.T, r Result, name string) Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Check == name {
			return c
		}
	}
	t.Fatalf("no %s check in %+v", name, r.Checks)
	return Check{}
}

func hasCheck(r Result, name string) bool {
	for _, c := range r.Checks {
		if c.Check == name {
			return true
		}
	}
	return false
}

func TestHTTPCases(t *testing.T) {
	cases := []struct {
		name    string
		handler http.Handler
		ok      bool
		check   string // the check that decides, with its level and detail fragment
		level   check.Status
		detail  string
	}{
		{"pass", serveFile(testToken, "text/plain; charset=utf-8"), true, CheckBody, check.Pass, "exactly the expected content (16 bytes)"},
		{"not found", http.NotFoundHandler(), false, CheckStatus, check.Fail, "404 Not Found: the file is not at the domain root"},
		{"redirect", http.RedirectHandler("https://www.example.com/"+testName, http.StatusMovedPermanently), false, CheckRedirect, check.Fail, "redirects to https://www.example.com/" + testName},
		{"server error", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }), false, CheckStatus, check.Fail, "500 Internal Server Error"},
		{"trailing newline", serveFile(testToken+"\n", "text/plain"), false, CheckBody, check.Fail, `a trailing newline (\n)`},
		{"crlf", serveFile(testToken+"\r\n", "text/plain"), false, CheckBody, check.Fail, `CRLF`},
		{"bom", serveFile("\xEF\xBB\xBF"+testToken, "text/plain"), false, CheckBody, check.Fail, "byte-order mark"},
		{"bom and newline", serveFile("\xEF\xBB\xBF"+testToken+"\n", "text/plain"), false, CheckBody, check.Fail, "byte-order mark (EF BB BF): save the file as UTF-8 without BOM; a trailing newline"},
		{"surrounding whitespace", serveFile("  "+testToken+" \t", "text/plain"), false, CheckBody, check.Fail, `leading whitespace "  "; trailing whitespace " \t"`},
		{"html page", serveFile("<!DOCTYPE html><html><head><title>App</title></head><body></body></html>", "text/html"), false, CheckBody, check.Fail, "an HTML page"},
		{"wrong token", serveFile("ZZZZeeeeFFFF0000", "text/plain"), false, CheckBody, check.Fail, `wrong token: got "ZZZZeeeeFFFF0000"`},
		{"empty", serveFile("", "text/plain"), false, CheckBody, check.Fail, "the body is empty"},
		{"other content", serveFile("hello", "text/plain"), false, CheckBody, check.Fail, `unexpected content "hello"`},
		{"too large", serveFile(strings.Repeat("x", MaxBody+10), "text/plain"), false, CheckBody, check.Fail, "larger than 64 KiB"},
		{"content type advisory", serveFile(testToken, "application/octet-stream"), true, CheckContentType, check.Warn, "application/octet-stream; text/plain is expected (advisory)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			host, port := hostPort(t, srv.URL)
			r := runOne(t, Config{Host: host, Port: port, Schemes: []string{"http"}})
			if r.OK != c.ok {
				t.Errorf("OK = %v, want %v; checks %+v", r.OK, c.ok, r.Checks)
			}
			got := checkOf(t, r, c.check)
			if got.Level != c.level || !strings.Contains(got.Detail, c.detail) {
				t.Errorf("%s = %s %q; want %s containing %q", c.check, got.Level, got.Detail, c.level, c.detail)
			}
			if got.URL != "http://127.0.0.1:"+port+"/"+testName {
				t.Errorf("URL = %s", got.URL)
			}
			if wantOK := c.level == check.Pass; got.OK != wantOK {
				t.Errorf("%s OK = %v, want %v", c.check, got.OK, wantOK)
			}
		})
	}
}

func TestPassReportsEveryStep(t *testing.T) {
	srv := httptest.NewServer(serveFile(testToken, "text/plain"))
	defer srv.Close()
	host, port := hostPort(t, srv.URL)
	r := runOne(t, Config{Host: host, Port: port, Schemes: []string{"http"}})
	var names []string
	for _, c := range r.Checks {
		names = append(names, c.Check)
	}
	if got := strings.Join(names, ","); got != "dns,connect,status,redirect,body,content_type" {
		t.Errorf("checks %s", got)
	}
	// Loopback is fine for the test but would not be for WeCom: advisory.
	if dns := checkOf(t, r, CheckDNS); dns.Level != check.Warn || !dns.OK || !strings.Contains(dns.Detail, "loopback") {
		t.Errorf("dns = %+v", dns)
	}
	if !r.OK {
		t.Errorf("not OK: %+v", r.Checks)
	}
}

func TestNon200SkipsBody(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	host, port := hostPort(t, srv.URL)
	r := runOne(t, Config{Host: host, Port: port, Schemes: []string{"http"}})
	if hasCheck(r, CheckBody) || hasCheck(r, CheckContentType) {
		t.Errorf("body of a 404 was judged: %+v", r.Checks)
	}
}

func TestHTTPSCases(t *testing.T) {
	srv := httptest.NewTLSServer(serveFile(testToken, "text/plain"))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	_, port := hostPort(t, srv.URL)

	t.Run("trusted", func(t *testing.T) {
		r := runOne(t, Config{Host: "127.0.0.1", Port: port, Schemes: []string{"https"}, RootCAs: pool})
		tlsCheck := checkOf(t, r, CheckTLS)
		if !r.OK || r.CertUnverified || tlsCheck.Level != check.Pass || !strings.Contains(tlsCheck.Detail, "certificate valid for 127.0.0.1") {
			t.Errorf("OK %v, tls %+v", r.OK, tlsCheck)
		}
	})
	t.Run("self-signed", func(t *testing.T) {
		r := runOne(t, Config{Host: "127.0.0.1", Port: port, Schemes: []string{"https"}})
		tlsCheck := checkOf(t, r, CheckTLS)
		if r.OK || tlsCheck.Level != check.Fail || !strings.Contains(tlsCheck.Detail, "unknown authority") || !strings.Contains(tlsCheck.Detail, "--insecure") {
			t.Errorf("OK %v, tls %+v", r.OK, tlsCheck)
		}
		if hasCheck(r, CheckStatus) {
			t.Error("fetched over an unverified connection")
		}
	})
	t.Run("self-signed insecure", func(t *testing.T) {
		r := runOne(t, Config{Host: "127.0.0.1", Port: port, Schemes: []string{"https"}, Insecure: true})
		tlsCheck := checkOf(t, r, CheckTLS)
		if !r.OK || !r.CertUnverified || tlsCheck.Level != check.Warn || tlsCheck.OK || !strings.Contains(tlsCheck.Detail, "NOT verified (--insecure)") {
			t.Errorf("OK %v, unverified %v, tls %+v", r.OK, r.CertUnverified, tlsCheck)
		}
		if checkOf(t, r, CheckBody).Level != check.Pass {
			t.Errorf("body not checked: %+v", r.Checks)
		}
	})
	t.Run("wrong host", func(t *testing.T) {
		// httptest's certificate covers 127.0.0.1, ::1 and example.com, not localhost.
		r := runOne(t, Config{Host: "localhost", Port: port, Schemes: []string{"https"}, RootCAs: pool})
		tlsCheck := checkOf(t, r, CheckTLS)
		if r.OK || tlsCheck.Level != check.Fail || !strings.Contains(tlsCheck.Detail, "not valid for localhost (it covers example.com, *.example.com, 127.0.0.1") {
			t.Errorf("OK %v, tls %+v", r.OK, tlsCheck)
		}
	})
	t.Run("plain http port", func(t *testing.T) {
		plain := httptest.NewServer(serveFile(testToken, "text/plain"))
		defer plain.Close()
		_, pport := hostPort(t, plain.URL)
		r := runOne(t, Config{Host: "127.0.0.1", Port: pport, Schemes: []string{"https"}})
		if tlsCheck := checkOf(t, r, CheckTLS); !strings.Contains(tlsCheck.Detail, "plain HTTP") {
			t.Errorf("tls %+v", tlsCheck)
		}
	})
}

// silentListener accepts connections and never answers, until the test ends.
func silentListener(t *testing.T) string {
	t.Helper()
	port, stop, err := domainchecktest.SilentListener()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return port
}

func TestTimeout(t *testing.T) {
	port := silentListener(t)
	for scheme, name := range map[string]string{"http": CheckStatus, "https": CheckTLS} {
		r := runOne(t, Config{Host: "127.0.0.1", Port: port, Schemes: []string{scheme}, Timeout: 200 * time.Millisecond})
		c := checkOf(t, r, name)
		if r.OK || c.Level != check.Fail || !strings.Contains(c.Detail, "timed out: no answer within 200ms (--timeout)") {
			t.Errorf("%s: OK %v, %s %+v", scheme, r.OK, name, c)
		}
	}
}

func refusedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	return port
}

func TestConnectionRefused(t *testing.T) {
	r := runOne(t, Config{Host: "127.0.0.1", Port: refusedPort(t), Schemes: []string{"http"}})
	c := checkOf(t, r, CheckConnect)
	if r.OK || c.Level != check.Fail || !strings.Contains(c.Detail, "connection refused") {
		t.Errorf("OK %v, connect %+v", r.OK, c)
	}
}

func TestDNSFailure(t *testing.T) {
	noDNS := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS server in this test")
	}}
	r := runOne(t, Config{Host: "wwcli-test.invalid", Schemes: []string{"http", "https"}[:1], Resolver: noDNS})
	c := checkOf(t, r, CheckDNS)
	if r.OK || c.Level != check.Fail || !strings.Contains(c.Detail, "cannot resolve wwcli-test.invalid") || len(r.Checks) != 1 {
		t.Errorf("OK %v, checks %+v", r.OK, r.Checks)
	}
}

func TestRunKeepsSchemeOrder(t *testing.T) {
	srv := httptest.NewServer(serveFile(testToken, "text/plain"))
	defer srv.Close()
	host, port := hostPort(t, srv.URL)
	res := Run(context.Background(), Config{Host: host, Port: port, Name: testName, Expected: []byte(testToken), Schemes: []string{"https", "http"}, Timeout: 5 * time.Second})
	if len(res) != 2 || res[0].Scheme != "https" || res[1].Scheme != "http" || res[0].OK || !res[1].OK {
		t.Errorf("results %+v", res)
	}
}

func TestConfigURL(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Host: "example.com", Name: testName}, "https://example.com/" + testName},
		{Config{Host: "example.com", Port: "8443", Name: "a.txt"}, "https://example.com:8443/a.txt"},
		{Config{Host: "::1", Port: "8443", Name: "a.txt"}, "https://[::1]:8443/a.txt"},
	} {
		if got := c.cfg.URL("https"); got != c.want {
			t.Errorf("URL = %s, want %s", got, c.want)
		}
	}
}

func TestOnCheckReportsEachStepAsItCompletes(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release // the answer waits until the test saw the first steps
		serveFile(testToken, "text/plain").ServeHTTP(w, r)
	}))
	defer srv.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	host, port := hostPort(t, srv.URL)
	seen := make(chan Check, 16)
	done := make(chan Result, 1)
	go func() {
		done <- runOne(t, Config{Host: host, Port: port, Schemes: []string{"http"}, OnCheck: func(c Check) { seen <- c }})
	}()
	for _, want := range []string{CheckDNS, CheckConnect} {
		select {
		case c := <-seen:
			if c.Check != want || c.URL != "http://127.0.0.1:"+port+"/"+testName {
				t.Fatalf("reported %+v, want %s first", c, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s was not reported before the server answered", want)
		}
	}
	close(release)
	r := <-done
	if len(seen) != len(r.Checks)-2 {
		t.Errorf("%d more checks reported, result has %d in all", len(seen), len(r.Checks))
	}
}

func TestStepsAreUsableAlone(t *testing.T) {
	srv := httptest.NewTLSServer(serveFile(testToken, "text/plain"))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	_, port := hostPort(t, srv.URL)
	cfg := &Config{Host: "127.0.0.1", RootCAs: pool, Timeout: 5 * time.Second}
	ctx := context.Background()
	ips, dns := Resolve(ctx, cfg)
	if len(ips) != 1 || dns.Level != check.Warn || dns.URL != "" {
		t.Fatalf("resolve: %v %+v", ips, dns)
	}
	conn, c := Connect(ctx, cfg, ips, port)
	if conn == nil || c.Level != check.Pass {
		t.Fatalf("connect: %+v", c)
	}
	defer conn.Close()
	tconn, c := Handshake(ctx, cfg, conn)
	if tconn == nil || c.Level != check.Pass || !strings.Contains(c.Detail, "certificate valid for 127.0.0.1") {
		t.Fatalf("handshake: %+v", c)
	}
	if DefaultPort("http") != "80" || DefaultPort("https") != "443" {
		t.Error("default ports")
	}
}
