package sandbox

import (
	"fmt"
	"net/http"

	"github.com/wwcli/wwcli/pkg/apicatalog"
)

// NotSimulatedErrCode is the errcode of the sandbox's answer for an
// endpoint WeCom has but the sandbox does not simulate. It is no WeCom
// errcode (not in errcodes.tsv, DOC 90313) on purpose: nobody should take
// it for a real WeCom refusal. The HTTP status stays 200, as for every
// WeCom errcode, so clients read the body and show the errmsg (and no
// client retries it as a 5xx).
const NotSimulatedErrCode = 501

// answerUnsimulated answers a path the route table lacks when it can: from
// a --replay recording, or with "not simulated" when the API catalog knows
// the path as a WeCom endpoint. It returns false for a path WeCom does not
// have either; serveAPI answers that.
func (s *Server) answerUnsimulated(w http.ResponseWriter, r *http.Request, finish func(status, code int)) bool {
	if s.serveReplay(w, r, finish) {
		return true
	}
	e, ok := apicatalog.Load().Lookup(r.URL.Path)
	if !ok || e.Path != r.URL.Path {
		return false
	}
	s.mu.Lock()
	now := s.nowLocked()
	s.mu.Unlock()
	text := notSimulatedText(e)
	writeJSON(w, http.StatusOK, object{{"errcode", NotSimulatedErrCode},
		{"errmsg", errmsg(NotSimulatedErrCode, text, newHint(now.Unix()), callerIP(r))}})
	finish(http.StatusOK, NotSimulatedErrCode)
	return true
}

func notSimulatedText(e apicatalog.Endpoint) string {
	doc := ""
	if u := e.DocURL(); u != "" {
		doc = " (" + u + ")"
	}
	return fmt.Sprintf("sandbox: %s %s is a WeCom API the sandbox does not simulate%s; "+
		"record real answers with 'wwcli api --record DIR' and serve them with 'wwcli sandbox --replay DIR'",
		e.Method, e.Path, doc)
}
