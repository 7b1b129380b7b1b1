package sandbox

import (
	"net/http"
	"sort"
	"strings"
	"testing"
)

// Every endpoint answers odd bodies and queries with a WeCom error, never a
// panic or a non-JSON answer, whatever the token.
func TestEveryRouteSurvivesOddInput(t *testing.T) {
	e := newEnv(t, Options{})
	tokens := []string{e.token(DemoAppSecret), e.token(DemoContactSecret), e.token(DemoExternalContactSecret)}
	paths := make([]string, 0, len(e.s.routes))
	for p := range e.s.routes {
		if !strings.HasPrefix(p, "/cgi-bin/webhook/") && !strings.HasPrefix(p, "/cgi-bin/media/") {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	bodies := []string{"", "{}", "null", "[]", `{"userid":null,"tagid":"x","agentid":"abc","chatid":7,"limit":-1}`}
	for _, p := range paths {
		for _, tok := range tokens {
			for _, b := range bodies {
				for _, m := range []string{http.MethodGet, http.MethodPost} {
					a := e.do(m, p, pairs([]string{"access_token", tok, "id", "x", "userid", "", "agentid", "-1", "tagid", "0"}), b)
					if a.status != http.StatusOK || a.m == nil {
						t.Fatalf("%s %s %q: HTTP %d %s", m, p, b, a.status, a.raw)
					}
				}
			}
		}
	}
}
