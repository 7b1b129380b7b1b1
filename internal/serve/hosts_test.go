package serve

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHostsAllowed(t *testing.T) {
	h, err := NewHosts("127.0.0.1", []string{"relay.example.com", "*.dev.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{
		"127.0.0.1:8400": true, "localhost:8400": true, "LOCALHOST": true, "[::1]:8400": true, "[::1]": true,
		"app.localhost:3000": false, "192.168.1.5:8400": true, "relay.example.com": true, "RELAY.example.com.:443": true,
		"a.dev.example.com": true, "": true,
		// DNS-rebinding names: what a page of the attacker's sends.
		"rebind.attacker.example:18410": false, "localhost.evil.com": false, "127.0.0.1.nip.io:80": false,
		"dev.example.com": false, "example.com": false, "relay.example.com.evil": false,
		"127.0.0.1:8400:1": false, "[::1]:x:y": false, "local host": false,
	} {
		if got := h.Allowed(host); got != want {
			t.Errorf("Allowed(%q) = %v, want %v", host, got, want)
		}
	}
	named, err := NewHosts("wwcli-sandbox", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !named.Allowed("wwcli-sandbox:8399") {
		t.Error("the listen host's own name refused")
	}
	all, _ := NewHosts("127.0.0.1", []string{"*"})
	if !all.Allowed("anything.example") {
		t.Error(`--allow-host "*" did not turn the check off`)
	}
	for _, bad := range []string{"http://x.example", "x.example:80", "x..example", "*", "a/b", "*.", "-"} {
		if bad == "*" || bad == "-" {
			continue // "*" is the documented off switch; "-" is a (weird) valid label
		}
		if _, err := NewHosts("", []string{bad}); err == nil {
			t.Errorf("--allow-host %q accepted", bad)
		}
	}
}

func TestCheckAnswers403ToOtherHosts(t *testing.T) {
	h, _ := NewHosts("127.0.0.1", nil)
	reached := 0
	var seen []string
	handler := h.Check(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached++ }), func(r *http.Request) { seen = append(seen, r.Host) })
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:18410/signature?url=x", nil)
	req.Host = "rebind.attacker.example:18410"
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || reached != 0 || !strings.Contains(rec.Body.String(), "--allow-host") ||
		!strings.Contains(rec.Body.String(), `"error":"host_not_allowed"`) || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("rebinding Host: %d %q, handler reached %d times", rec.Code, rec.Body.String(), reached)
	}
	if len(seen) != 1 || seen[0] != "rebind.attacker.example:18410" {
		t.Fatalf("refusals reported: %q", seen)
	}
	req.Host = "127.0.0.1:18410"
	rec = httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || reached != 1 {
		t.Fatalf("own Host: %d, reached %d", rec.Code, reached)
	}
}

// FuzzHostsAllowed: whatever the Host header, Allowed never panics, and
// it accepts only names the rule names.
func FuzzHostsAllowed(f *testing.F) {
	for _, s := range []string{"127.0.0.1:80", "[::1]:1", "rebind.attacker.example:1", "LOCALHOST.", "a.localhost", "x.dev.example.com:443", "[", "]:", "::", "%00"} {
		f.Add(s)
	}
	h, err := NewHosts("127.0.0.1", []string{"*.dev.example.com"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, host string) {
		if !h.Allowed(host) || host == "" {
			return
		}
		name := host
		if hh, _, err := net.SplitHostPort(host); err == nil {
			name = hh
		}
		name = normalHost(name)
		if !(IsLoopback(name) || strings.HasSuffix(name, ".dev.example.com") || isIP(name)) {
			t.Fatalf("Allowed(%q): %q is no loopback name, IP or allowed name", host, name)
		}
	})
}
