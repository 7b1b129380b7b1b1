package signserve

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestDisallowedOriginGetsNoSignature: a page of another site gets a 403
// with a short JSON error, and nothing is signed or fetched for it; CORS
// alone would only hide an answer already made (audit N3, Info).
func TestDisallowedOriginGetsNoSignature(t *testing.T) {
	f := newFixture(t, nil)
	for _, origin := range []string{"http://evil.com", "null", "http://localhost.evil.com", "HTTP://LOCALHOST:5173", ""} {
		for _, kind := range []string{"", "agent"} {
			a := f.do(t, "GET", sigPath("https://victim-app.example.com/pay", kind), map[string]string{"Origin": origin})
			msg, _ := a.body["error"].(string)
			if a.status != http.StatusForbidden || a.body["signature"] != nil || !strings.Contains(msg, "not allowed") {
				t.Errorf("Origin %q type=%s: %d %v, want 403 with an error and no signature", origin, kind, a.status, a.body)
			}
			if a.header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("Origin %q: CORS header %q", origin, a.header.Get("Access-Control-Allow-Origin"))
			}
		}
	}
	if n := f.calls.Load(); n != 0 {
		t.Fatalf("refused origins made %d ticket fetches, want 0", n)
	}
	if log := f.log.all(); !strings.Contains(log, "→ 403: origin http://evil.com is not allowed") ||
		!strings.Contains(log, "--allow-origin http://evil.com") || strings.Contains(log, "✓") {
		t.Fatalf("log of refused origins:\n%s", log)
	}
	// Without Origin (curl, a dev server's proxy) it still signs.
	if a := f.do(t, "GET", sigPath(officialURL, ""), nil); a.status != 200 || a.body["signature"] != officialSig {
		t.Fatalf("without Origin: %d %v", a.status, a.body)
	}
}

// TestTwoOriginHeadersAreRefused: no browser sends two; which one CORS
// would echo is a guess, so neither is trusted.
func TestTwoOriginHeadersAreRefused(t *testing.T) {
	f := newFixture(t, nil)
	req, _ := http.NewRequest("GET", f.http.URL+sigPath(officialURL, ""), nil)
	req.Header["Origin"] = []string{"http://localhost:5173", "http://evil.com"}
	res, err := f.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || f.calls.Load() != 0 {
		t.Fatalf("two Origin headers: %d, %d fetches", res.StatusCode, f.calls.Load())
	}
}

// TestCrossSiteNoCorsRequestIsRefused: an <img> or <script> of another
// site sends Sec-Fetch-Site but no Origin; it could never read the answer,
// so it gets no signature and costs no ticket fetch.
func TestCrossSiteNoCorsRequestIsRefused(t *testing.T) {
	f := newFixture(t, nil)
	for _, site := range []string{"cross-site", "same-site"} {
		a := f.do(t, "GET", sigPath(officialURL, ""), map[string]string{"Sec-Fetch-Site": site})
		if a.status != http.StatusForbidden || a.body["signature"] != nil {
			t.Errorf("Sec-Fetch-Site %s without Origin: %d %v", site, a.status, a.body)
		}
	}
	if n := f.calls.Load(); n != 0 {
		t.Fatalf("%d ticket fetches", n)
	}
	for _, site := range []string{"same-origin", "none"} { // a proxied same-origin fetch; the address bar
		if a := f.do(t, "GET", sigPath(officialURL, ""), map[string]string{"Sec-Fetch-Site": site}); a.status != 200 {
			t.Errorf("Sec-Fetch-Site %s: %d %v", site, a.status, a.body)
		}
	}
}

// TestIPv6LoopbackPagesAreAllowedByDefault: a dev server on [::1] is as
// local as one on 127.0.0.1 (audit Info).
func TestIPv6LoopbackPagesAreAllowedByDefault(t *testing.T) {
	f := newFixture(t, nil)
	for _, origin := range []string{"http://[::1]:5173", "http://[::1]"} {
		a := f.do(t, "GET", sigPath("http://[::1]:5173/", ""), map[string]string{"Origin": origin})
		if a.status != 200 || a.header.Get("Access-Control-Allow-Origin") != origin {
			t.Errorf("Origin %s: %d, Access-Control-Allow-Origin %q", origin, a.status, a.header.Get("Access-Control-Allow-Origin"))
		}
	}
	var names []string
	for _, o := range DefaultOrigins() {
		names = append(names, o.String())
	}
	if got := strings.Join(names, " "); got != "http://localhost:* http://127.0.0.1:* http://[::1]:*" {
		t.Fatalf("default origins %s", got)
	}
}

// FuzzOriginAllowed: whatever the Origin header holds, the check never
// panics, and an origin it allows is exactly scheme://host[:port] of an
// allowed scheme and host, as a browser serializes it: nothing a lenient
// URL parser would read past (a #fragment, %-escapes, a port of 0 or
// 99999, an empty port, upper case).
func FuzzOriginAllowed(f *testing.F) {
	for _, s := range []string{
		"http://localhost:5173", "http://127.0.0.1", "http://[::1]:3000", "https://dev.example.com",
		"http://evil.com", "null", "", "http://localhost#x", "http://localhost:5173?", "http://local%68ost",
		"http://127.0.0.1:99999", "http://localhost:0", "http://localhost:", "http://localhost:05173",
		"http://[::1%25lo]:1", "http://user@localhost", "http://LOCALHOST", "http://localhost/",
		"https://dev.example.com:443", "https://dev.example.com:8443", "http://[0:0:0:0:0:0:0:1]:80",
	} {
		f.Add(s)
	}
	extra, err := ParseOrigin("https://dev.example.com")
	if err != nil {
		f.Fatal(err)
	}
	srv := New(Options{AllowOrigins: []Origin{extra}})
	hosts := map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true, "dev.example.com": true}
	f.Fuzz(func(t *testing.T, origin string) {
		if !srv.allowed(origin) {
			return
		}
		u, err := url.Parse(origin)
		if err != nil {
			t.Fatalf("allowed %q, which does not parse: %v", origin, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.User != nil || u.Path != "" || u.RawPath != "" ||
			u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
			t.Fatalf("allowed %q: more than scheme://host[:port] (%#v)", origin, u)
		}
		if u.Scheme+"://"+u.Host != origin {
			t.Fatalf("allowed %q, which reads as %s://%s", origin, u.Scheme, u.Host)
		}
		if !hosts[u.Hostname()] {
			t.Fatalf("allowed %q: host %q is not an allowed one", origin, u.Hostname())
		}
		if strings.HasSuffix(u.Host, ":") {
			t.Fatalf("allowed %q: an empty port", origin)
		}
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 || p[0] == '0' {
				t.Fatalf("allowed %q: port %q", origin, p)
			}
		}
		if u.Hostname() == "dev.example.com" && (u.Scheme != "https" || u.Port() != "" && u.Port() != "443") {
			t.Fatalf("allowed %q beyond --allow-origin https://dev.example.com", origin)
		}
	})
}

// FuzzParseOrigin: --allow-origin never panics, and what it accepts
// prints as an origin that parses back to itself.
func FuzzParseOrigin(f *testing.F) {
	for _, s := range []string{"http://localhost:5173", "HTTPS://Dev.Example.com/", "http://192.168.1.5:*",
		"http://[::1]:3000", "*", "https://a.com:8443:*", "https://user@a.com", "http://[::1%25lo]:*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOrigin(s)
		if err != nil {
			return
		}
		again, err := ParseOrigin(o.String())
		if err != nil || again != o {
			t.Fatalf("ParseOrigin(%q) = %s, which parses to %v, %v", s, o, again, err)
		}
	})
}
