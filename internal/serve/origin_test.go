package serve

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCheckWrite(t *testing.T) {
	h, _ := NewHosts("127.0.0.1", nil)
	type hdr map[string]string
	for _, c := range []struct {
		name   string
		method string
		host   string
		header hdr
		ok     bool
	}{
		{"curl -d (no Origin, form type)", "POST", "127.0.0.1:18401", hdr{"Content-Type": "application/x-www-form-urlencoded"}, true},
		{"script JSON", "POST", "127.0.0.1:18401", hdr{"Content-Type": "application/json"}, true},
		{"DELETE without a body", "DELETE", "127.0.0.1:18401", nil, true},
		{"the console: same origin, JSON", "POST", "127.0.0.1:18401", hdr{"Origin": "http://127.0.0.1:18401", "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}, true},
		{"GET is no write", "GET", "127.0.0.1:18401", hdr{"Origin": "https://evil.example"}, true},
		// The audit's N4 repro and its variants.
		{"cross-site text/plain", "POST", "127.0.0.1:18401", hdr{"Origin": "https://evil.example", "Content-Type": "text/plain;charset=UTF-8"}, false},
		{"cross-site form", "POST", "127.0.0.1:18401", hdr{"Origin": "https://evil.example", "Content-Type": "application/x-www-form-urlencoded"}, false},
		{"cross-site JSON (a preflight would stop it; refuse anyway)", "POST", "127.0.0.1:18401", hdr{"Origin": "https://evil.example", "Content-Type": "application/json"}, false},
		{"Sec-Fetch-Site cross-site without Origin", "POST", "127.0.0.1:18401", hdr{"Sec-Fetch-Site": "cross-site"}, false},
		{"same-site is another origin", "POST", "127.0.0.1:18401", hdr{"Sec-Fetch-Site": "same-site"}, false},
		{"Origin null", "POST", "127.0.0.1:18401", hdr{"Origin": "null"}, false},
		{"Origin of another port", "POST", "127.0.0.1:18401", hdr{"Origin": "http://127.0.0.1:3000"}, false},
		{"rebinding: Origin matches a foreign Host", "POST", "rebind.attacker.example:18401", hdr{"Origin": "http://rebind.attacker.example:18401"}, false},
		{"text/plain without Origin (an old browser)", "POST", "127.0.0.1:18401", hdr{"Content-Type": "text/plain"}, false},
		{"multipart", "PUT", "127.0.0.1:18401", hdr{"Content-Type": "multipart/form-data; boundary=x"}, false},
		{"Content-Type that does not parse", "POST", "127.0.0.1:18401", hdr{"Content-Type": "a/b; ="}, false},
	} {
		req := httptest.NewRequest(c.method, "http://127.0.0.1:18401/_sandbox/faults", nil)
		req.Host = c.host
		for k, v := range c.header {
			req.Header.Set(k, v)
		}
		err := h.CheckWrite(req)
		if (err == nil) != c.ok {
			t.Errorf("%s: CheckWrite = %v, want ok=%v", c.name, err, c.ok)
		}
		if err != nil && (!errors.Is(err, ErrCrossSite) || !strings.Contains(err.Error(), "refused")) {
			t.Errorf("%s: error %v is not a CrossSiteError", c.name, err)
		}
	}
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:1/", nil)
	req.Header["Origin"] = []string{"http://127.0.0.1:1", "https://evil.example"}
	req.Host = "127.0.0.1:1"
	if h.CheckWrite(req) == nil {
		t.Error("two Origin headers accepted")
	}
}

// FuzzCheckWrite: a write with an Origin passes only when the Origin is
// exactly http(s)://Host and the Host is allowed.
func FuzzCheckWrite(f *testing.F) {
	f.Add("127.0.0.1:1", "http://127.0.0.1:1", "same-origin", "application/json")
	f.Add("rebind.example:1", "http://rebind.example:1", "", "")
	f.Add("127.0.0.1:1", "https://evil.example", "cross-site", "text/plain")
	f.Add("[::1]:9", "http://[::1]:9", "none", "application/x-www-form-urlencoded")
	h, _ := NewHosts("127.0.0.1", nil)
	f.Fuzz(func(t *testing.T, host, origin, site, ctype string) {
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:1/_sandbox/reset", nil)
		req.Host = host
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if site != "" {
			req.Header.Set("Sec-Fetch-Site", site)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if h.CheckWrite(req) != nil {
			return
		}
		if origin != "" {
			lo := strings.ToLower(origin)
			if lo != "http://"+strings.ToLower(host) && lo != "https://"+strings.ToLower(host) {
				t.Fatalf("Origin %q passed for Host %q", origin, host)
			}
			if !h.Allowed(host) {
				t.Fatalf("Origin %q passed for a Host %q off the allow-list", origin, host)
			}
		}
		if site != "" && site != "same-origin" && site != "none" {
			t.Fatalf("Sec-Fetch-Site %q passed", site)
		}
	})
}
