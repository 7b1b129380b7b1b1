package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/wwcli/wwcli/pkg/apicatalog"
	"github.com/wwcli/wwcli/pkg/recording"
)

// serveReplay answers a path the sandbox does not simulate from the
// recordings given with --replay (Options.Replay): the first recording of
// the same method and path whose non-secret query and body agree
// (recording.Match) is sent back as recorded. When the endpoint takes an
// access_token, the caller's must be a live sandbox token, as for the
// simulated endpoints (41001, 40014, 42001). Recordings of the path that
// all disagree get an answer saying so, not a silent fall-through.
func (s *Server) serveReplay(w http.ResponseWriter, r *http.Request, finish func(status, code int)) bool {
	recs := s.opts.Replay
	path := r.URL.Path
	if recording.Count(recs, r.Method, path) == 0 {
		return false
	}
	var body []byte
	if r.Method == http.MethodPost {
		var release func()
		var ok bool
		if body, release, ok = s.readBody(w, r, maxBody, finish); !ok {
			return true
		}
		defer release()
	}
	q := r.URL.Query()
	ip := callerIP(r)
	s.mu.Lock()
	now := s.nowLocked()
	apiErr := s.replayTokenError(path, q)
	s.mu.Unlock()
	fail := func(code int, text string) bool {
		writeJSON(w, http.StatusOK, object{{"errcode", code}, {"errmsg", errmsg(code, text, newHint(now.Unix()), ip)}})
		finish(http.StatusOK, code)
		return true
	}
	if apiErr != nil {
		return fail(apiErr.code, apiErr.text)
	}
	m := recording.Match(recs, r.Method, path, q, body)
	if m == nil {
		return fail(NotSimulatedErrCode, fmt.Sprintf("sandbox: none of the %d recordings of %s %s in --replay matches this query and body "+
			"(secret and redacted values aside); record this call too", recording.Count(recs, r.Method, path), r.Method, path))
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(m.Status)
	_, _ = w.Write(append(append([]byte(nil), m.Response...), '\n'))
	code := 0
	if e, ok := recordedErrCode(m.Response); ok {
		code = e
	}
	finish(m.Status, code)
	return true
}

// replayTokenError checks the access_token of a replayed call whose
// endpoint takes one. Called with s.mu held.
func (s *Server) replayTokenError(path string, q map[string][]string) *apiError {
	e, known := apicatalog.Load().Lookup(path)
	_, sent := q["access_token"]
	if (!known || e.Secret.TokenParam() != "access_token") && !sent {
		return nil
	}
	at := ""
	if v := q["access_token"]; len(v) > 0 {
		at = v[0]
	}
	if at == "" {
		return errMissingToken
	}
	tok := s.tokens[at]
	if tok == nil {
		return errInvalidToken
	}
	if !s.nowLocked().Before(tok.expires) {
		return errTokenExpired
	}
	return nil
}

func recordedErrCode(raw []byte) (int, bool) {
	var env struct {
		ErrCode *int `json:"errcode"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || env.ErrCode == nil {
		return 0, false
	}
	return *env.ErrCode, true
}

// Simulates reports whether the sandbox answers path itself (then a
// recording of it is never served).
func (s *Server) Simulates(path string) bool {
	_, ok := s.routes[path]
	return ok
}
