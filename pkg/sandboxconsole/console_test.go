package sandboxconsole

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, method, path, accept string) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	if !Serves(r) {
		return nil, ""
	}
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, r)
	res := w.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func TestServesBrowsersAndAssetsOnly(t *testing.T) {
	browser := "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	for _, c := range []struct {
		method, path, accept string
		want                 bool
	}{
		{"GET", "/_sandbox/", browser, true},
		{"HEAD", "/_sandbox/", browser, true},
		{"GET", "/_sandbox/", "*/*", false}, // curl and scripts: the JSON info
		{"GET", "/_sandbox/", "application/json", false},
		{"GET", "/_sandbox", browser, false}, // the JSON info, as before
		{"POST", "/_sandbox/", browser, false},
		{"GET", "/_sandbox/requests", browser, false},
		{"GET", "/_sandbox/console/console.js", "*/*", true},
		{"GET", "/_sandbox/console", "", true},
		{"DELETE", "/_sandbox/console/console.js", "", false},
	} {
		r := httptest.NewRequest(c.method, c.path, nil)
		if c.accept != "" {
			r.Header.Set("Accept", c.accept)
		}
		if got := Serves(r); got != c.want {
			t.Errorf("Serves(%s %s, Accept %q) = %v", c.method, c.path, c.accept, got)
		}
	}
}

func TestPageAndAssetsHaveAStrictPolicy(t *testing.T) {
	res, body := get(t, "GET", "/_sandbox/", "text/html")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/html; charset=utf-8" || !strings.Contains(body, "<title>wwcli sandbox console</title>") {
		t.Fatalf("page: %d %s", res.StatusCode, res.Header)
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("CSP allows unsafe sources: %q", csp)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers: %v", res.Header)
	}
	// Nothing inline for the CSP to block, and nothing from another origin.
	if regexp.MustCompile(`<script>|<script [^>]*>[^<]|\sstyle=|\son[a-z]+=`).MatchString(body) {
		t.Error("the page has inline script or style, which its CSP blocks")
	}
	if regexp.MustCompile(`(src|href)="(https?:)?//`).MatchString(body) {
		t.Error("the page loads something from another origin (it must work offline)")
	}
	for path, ctype := range map[string]string{
		"/_sandbox/console/console.js":  "text/javascript; charset=utf-8",
		"/_sandbox/console/console.css": "text/css; charset=utf-8",
		"/_sandbox/console/":            "text/html; charset=utf-8",
	} {
		res, body := get(t, "GET", path, "")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != ctype || len(body) < 100 || res.Header.Get("Content-Security-Policy") != CSP {
			t.Errorf("%s: %d %q (%d bytes)", path, res.StatusCode, res.Header.Get("Content-Type"), len(body))
		}
	}
	js := func() string { _, b := get(t, "GET", "/_sandbox/console/console.js", ""); return b }()
	if strings.Contains(js, "innerHTML") || strings.Contains(js, "eval(") || strings.Contains(js, "insertAdjacentHTML") {
		t.Error("console.js renders HTML from strings; every value must become a text node")
	}
	if res, _ := get(t, "HEAD", "/_sandbox/console/console.js", ""); res.StatusCode != 200 {
		t.Errorf("HEAD: %d", res.StatusCode)
	}
}

func TestUnknownAssetIs404(t *testing.T) {
	for _, p := range []string{"/_sandbox/console/nope.js", "/_sandbox/console/../console.go", "/_sandbox/console/assets/console.js", "/_sandbox/console/console.go"} {
		res, body := get(t, "GET", p, "")
		if res.StatusCode != 404 || !strings.Contains(body, "no console asset") {
			t.Errorf("%s: %d %q", p, res.StatusCode, body)
		}
	}
}
