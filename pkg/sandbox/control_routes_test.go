package sandbox

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The route table says which calls change state; the cross-site check
// (serve.Hosts.CheckWrite) passes GET, HEAD and OPTIONS unseen, so a write
// on one of those would never be checked. Every write is refused cross-site,
// and every route refuses the methods it does not list.
func TestControlRoutesWritesAreChecked(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	for path, rt := range s.controlRoutes() {
		if len(rt) == 0 {
			t.Errorf("%s: no methods", path)
		}
		target := path
		if strings.HasSuffix(path, "/") {
			target += "x"
		}
		seen := map[string]bool{}
		var allow []string
		for _, m := range rt {
			if seen[m.method] {
				t.Errorf("%s: %s listed twice", path, m.method)
			}
			seen[m.method] = true
			allow = append(allow, m.method)
			safe := m.method == http.MethodGet || m.method == http.MethodHead || m.method == http.MethodOptions
			if m.writes == safe {
				t.Errorf("%s %s: writes=%v, but CheckWrite checks only methods other than GET, HEAD and OPTIONS", m.method, path, m.writes)
			}
			if !m.writes {
				continue
			}
			req := httptest.NewRequest(m.method, "http://127.0.0.1:18401"+target, strings.NewReader(`{}`))
			req.Header.Set("Origin", "https://evil.example")
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, req)
			if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "refused") {
				t.Errorf("cross-site %s %s: %d %s, want 403", m.method, path, w.Code, w.Body)
			}
		}
		req := httptest.NewRequest(http.MethodPatch, "http://127.0.0.1:18401"+target, nil)
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, req)
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != strings.Join(allow, ", ") {
			t.Errorf("PATCH %s: %d, Allow %q, want 405 and Allow %q", path, w.Code, w.Header().Get("Allow"), strings.Join(allow, ", "))
		}
	}
}
