package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/wwcli/wwcli/pkg/sandboxconsole"
)

const (
	codeOAuth       = "oauth"
	codeMiniProgram = "miniprogram"
)

// CodeRequest asks for an OAuth code (as WeCom hands one to the redirect
// URL after a member authorizes) or a mini-program js_code (wx.qy.login).
type CodeRequest struct {
	UserID  string `json:"userid,omitempty"`  // member; or OpenID for a non-member (oauth only)
	OpenID  string `json:"openid,omitempty"`  // non-member: getuserinfo answers openid
	CorpID  string `json:"corpid,omitempty"`  // default: the first corp of the fixtures
	AgentID int64  `json:"agentid,omitempty"` // 0 = usable by any app of the corp
	Scope   string `json:"scope,omitempty"`   // snsapi_base (default) or snsapi_privateinfo (adds user_ticket)
	Type    string `json:"type,omitempty"`    // "oauth" (default) or "miniprogram"
}

// IssueCode returns a fresh single-use code, valid for 5 minutes. With
// Options.Codes it goes to that store (a *StoreError when it cannot).
func (s *Server) IssueCode(req CodeRequest) (string, error) {
	if req.CorpID == "" {
		req.CorpID = s.fx.Corps[0].CorpID
	}
	ci := s.corps[req.CorpID]
	if ci == nil {
		return "", fmt.Errorf("corpid %q is not in the fixtures", req.CorpID)
	}
	switch req.Type {
	case "":
		req.Type = codeOAuth
	case codeOAuth, codeMiniProgram:
	default:
		return "", fmt.Errorf("type %q: use \"oauth\" or \"miniprogram\"", req.Type)
	}
	switch req.Scope {
	case "":
		req.Scope = "snsapi_base"
	case "snsapi_base", "snsapi_privateinfo":
	default:
		return "", fmt.Errorf("scope %q: use \"snsapi_base\" or \"snsapi_privateinfo\"", req.Scope)
	}
	s.mu.Lock() // members change (user/create, user/delete)
	defer s.mu.Unlock()
	switch {
	case req.UserID != "" && req.OpenID != "":
		return "", errors.New("give userid (member) or openid (non-member), not both")
	case req.UserID != "":
		u := ci.user(req.UserID)
		if u == nil {
			return "", fmt.Errorf("userid %q is not a member of %s", req.UserID, req.CorpID)
		}
		req.UserID = u.UserID // the member's own spelling (userids are case-insensitive)
	case req.OpenID != "":
		if req.Type == codeMiniProgram {
			return "", errors.New("mini-program codes need a userid")
		}
	default:
		return "", errors.New("userid is required (or openid for a non-member)")
	}
	if req.AgentID != 0 && ci.apps[req.AgentID] == nil {
		return "", fmt.Errorf("agentid %d is not an app of %s", req.AgentID, req.CorpID)
	}
	code := newCode()
	now := s.nowLocked()
	s.pruneTokens(now)
	cd := &authCode{corp: ci, agentID: req.AgentID, userID: req.UserID, openID: req.OpenID,
		scope: req.Scope, kind: req.Type, expires: now.Add(codeTTL)}
	if s.opts.Codes != nil {
		return code, s.saveCode(code, cd)
	}
	s.storeCode(code, cd)
	s.changed()
	return code, nil
}

// Fault makes the next Times requests to Path fail (or slow down).
type Fault struct {
	Path       string        `json:"path"`                  // e.g. /cgi-bin/gettoken
	ErrCode    int           `json:"errcode,omitempty"`     // answer this errcode (WeCom errmsg format)
	ErrMsg     string        `json:"errmsg,omitempty"`      // English text before ", hint: ..." (default "injected fault")
	HTTPStatus int           `json:"http_status,omitempty"` // HTTP status (default 200); without errcode: a plain-text body
	Delay      time.Duration `json:"-"`                     // wait this long first (0..5m)
	Times      int           `json:"times,omitempty"`       // 0 = once, N = the next N requests, -1 = until reset
}

type faultRule struct {
	Fault
	left int // -1 = unlimited
}

// InjectFault adds a fault; faults on one path apply in the order added.
func (s *Server) InjectFault(f Fault) error {
	if !strings.HasPrefix(f.Path, "/cgi-bin/") {
		return fmt.Errorf("path %q: must start with /cgi-bin/", f.Path)
	}
	if f.ErrCode == 0 && f.HTTPStatus == 0 && f.Delay == 0 {
		return errors.New("a fault needs an errcode, an http_status or a delay")
	}
	if f.HTTPStatus != 0 && (f.HTTPStatus < 100 || f.HTTPStatus > 599) {
		return fmt.Errorf("http_status %d: must be 100-599", f.HTTPStatus)
	}
	if f.Delay < 0 || f.Delay > 5*time.Minute {
		return fmt.Errorf("delay %s: must be between 0 and 5m", f.Delay)
	}
	if f.Times < -1 {
		return fmt.Errorf("times %d: use N > 0, 0 for once, or -1 for until reset", f.Times)
	}
	left := f.Times
	if left == 0 {
		left = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, &faultRule{Fault: f, left: left})
	s.mu.Unlock()
	return nil
}

// takeFault pops one use of the first fault for path. Called with s.mu held.
func (s *Server) takeFault(path string) *Fault {
	for i, f := range s.faults {
		if f.Path != path {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		copied := f.Fault
		return &copied
	}
	return nil
}

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// Advance moves the sandbox clock forward (tokens, codes, tickets and the
// debug=1 window all follow it) and returns the new time.
func (s *Server) Advance(d time.Duration) time.Time {
	defer s.wakeSuitePusher() // due suite_ticket pushes go out (after the unlock below)
	s.mu.Lock()
	defer s.mu.Unlock()
	if d > 0 {
		s.offset += d
		s.changed()
	}
	return s.nowLocked()
}

// Unknown paths are counted one by one only up to maxUnknownPaths of them
// (each at most maxCountedPathLen bytes); the rest together under
// otherPaths, so a client walking odd paths cannot grow memory or
// /_sandbox/counters without limit.
const (
	maxUnknownPaths   = 100
	maxCountedPathLen = 256
	otherPaths        = "(other paths)"
)

// countRequest counts one request to path. Called with s.mu held.
func (s *Server) countRequest(path string) {
	if _, known := s.routes[path]; !known {
		if _, seen := s.counts[path]; !seen {
			if len(path) > maxCountedPathLen || s.oddPaths >= maxUnknownPaths {
				path = otherPaths
			} else {
				s.oddPaths++
			}
		}
	}
	s.counts[path]++
}

// Count is how many requests the sandbox saw for path (faults included);
// an unknown path past the first 100 is counted under "(other paths)".
func (s *Server) Count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[path]
}

// Counters returns the request count of every /cgi-bin path seen.
func (s *Server) Counters() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts)
}

// Requests returns the request log (the last 1000 requests), oldest first.
func (s *Server) Requests() []LogEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]LogEntry(nil), s.log...)
}

// Messages returns the messages accepted by message/send (the last 1000).
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Reset forgets tokens, codes, tickets, faults, counters, the log, the
// messages and the clock offset: the sandbox is as new.
func (s *Server) Reset() {
	s.mu.Lock()
	s.restoreContacts()
	s.resetState()
	s.mu.Unlock()
}

// serveControl is the JSON control API under /_sandbox/.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	bad := func(status int, format string, a ...any) {
		writeJSON(w, status, object{{"error", fmt.Sprintf(format, a...)}})
	}
	method := func(allowed ...string) bool {
		for _, m := range allowed {
			if r.Method == m {
				return true
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		bad(http.StatusMethodNotAllowed, "%s %s: use %s", r.Method, r.URL.Path, strings.Join(allowed, " or "))
		return false
	}
	decode := func(v any) bool {
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			bad(http.StatusBadRequest, "invalid JSON body: %v", err)
			return false
		}
		return true
	}

	// A web page of another site can send a "simple" POST here (text/plain,
	// a form) without the user knowing; it must change nothing (CSRF, audit
	// N4). Scripts, curl and the console's own same-origin calls pass.
	if err := s.hosts.Load().CheckWrite(r); err != nil {
		bad(http.StatusForbidden, "%v", err)
		return
	}
	if sandboxconsole.Serves(r) { // the web console: HTML over this JSON API
		sandboxconsole.Handler().ServeHTTP(w, r)
		return
	}
	switch strings.TrimSuffix(r.URL.Path, "/") {
	case "/_sandbox":
		if method(http.MethodGet) {
			writeJSON(w, http.StatusOK, s.info())
		}
	case "/_sandbox/suite":
		s.controlSuiteInfo(w, r)
	case "/_sandbox/suite/callback":
		s.controlSuiteCallback(w, r)
	case "/_sandbox/suite/push_ticket":
		s.controlSuitePushTicket(w, r)
	case "/_sandbox/suite/authorize":
		s.controlSuiteAuthorize(w, r)
	case "/_sandbox/suite/code":
		s.controlSuiteCode(w, r)
	case "/_sandbox/suite/change_auth":
		s.controlSuiteChange(w, r)
	case "/_sandbox/suite/cancel_auth":
		s.controlSuiteCancel(w, r)
	case "/_sandbox/suite/reset_permanent_code":
		s.controlSuiteResetSecret(w, r)
	case "/_sandbox/code":
		if !method(http.MethodPost) {
			return
		}
		var req CodeRequest
		if !decode(&req) {
			return
		}
		code, err := s.IssueCode(req)
		if err != nil {
			bad(http.StatusBadRequest, "%v", err)
			return
		}
		writeJSON(w, http.StatusOK, object{{"code", code}, {"expires_in", int(codeTTL / time.Second)}})
	case "/_sandbox/faults":
		switch r.Method {
		case http.MethodPost:
			var req struct {
				Fault
				Delay string `json:"delay,omitempty"`
			}
			if !decode(&req) {
				return
			}
			f := req.Fault
			if req.Delay != "" {
				d, err := time.ParseDuration(req.Delay)
				if err != nil {
					bad(http.StatusBadRequest, "delay %q: use a Go duration such as 1500ms or 2s", req.Delay)
					return
				}
				f.Delay = d
			}
			if err := s.InjectFault(f); err != nil {
				bad(http.StatusBadRequest, "%v", err)
				return
			}
			writeJSON(w, http.StatusOK, object{{"ok", true}})
		case http.MethodGet:
			s.mu.Lock()
			list := make([]object, 0, len(s.faults))
			for _, f := range s.faults {
				list = append(list, object{{"path", f.Path}, {"errcode", f.ErrCode}, {"errmsg", f.ErrMsg},
					{"http_status", f.HTTPStatus}, {"delay", f.Delay.String()}, {"left", f.left}})
			}
			s.mu.Unlock()
			writeJSON(w, http.StatusOK, object{{"faults", list}})
		case http.MethodDelete:
			s.ClearFaults()
			writeJSON(w, http.StatusOK, object{{"ok", true}})
		default:
			method(http.MethodGet, http.MethodPost, http.MethodDelete)
		}
	case "/_sandbox/clock":
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, clockBody(s.Now()))
		case http.MethodPost:
			var req struct {
				Advance string `json:"advance"`
			}
			if !decode(&req) {
				return
			}
			d, err := time.ParseDuration(req.Advance)
			if err != nil || d <= 0 {
				bad(http.StatusBadRequest, "advance %q: use a positive Go duration such as 2h or 301s", req.Advance)
				return
			}
			writeJSON(w, http.StatusOK, clockBody(s.Advance(d)))
		default:
			method(http.MethodGet, http.MethodPost)
		}
	case "/_sandbox/counters":
		if !method(http.MethodGet) {
			return
		}
		if p := r.URL.Query().Get("path"); p != "" {
			writeJSON(w, http.StatusOK, object{{"path", p}, {"count", s.Count(p)}})
			return
		}
		writeJSON(w, http.StatusOK, object{{"counters", s.Counters()}})
	case "/_sandbox/requests":
		if method(http.MethodGet) {
			writeJSON(w, http.StatusOK, object{{"requests", nonNilSlice(s.Requests())}})
		}
	case "/_sandbox/messages":
		if method(http.MethodGet) {
			writeJSON(w, http.StatusOK, object{{"messages", nonNilSlice(s.Messages())}})
		}
	case "/_sandbox/robots":
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.robotsInfo(r.URL.Query().Get("robot")))
		case http.MethodPost:
			var req struct {
				Window string `json:"window"`
			}
			if !decode(&req) {
				return
			}
			d, err := time.ParseDuration(req.Window)
			if err == nil {
				err = s.SetRobotWindow(d)
			}
			if err != nil {
				bad(http.StatusBadRequest, "window %q: use a Go duration from 10ms to 1h, e.g. 2s", req.Window)
				return
			}
			writeJSON(w, http.StatusOK, s.robotsInfo(""))
		default:
			method(http.MethodGet, http.MethodPost)
		}
	case "/_sandbox/rotate":
		if !method(http.MethodPost) {
			return
		}
		var req struct {
			Invalidate bool `json:"invalidate"`
		}
		if r.ContentLength != 0 && !decode(&req) {
			return
		}
		s.RotateTokens(req.Invalidate)
		writeJSON(w, http.StatusOK, object{{"ok", true}})
	case "/_sandbox/members":
		if method(http.MethodGet) {
			writeJSON(w, http.StatusOK, s.membersInfo())
		}
	case "/_sandbox/reset":
		if method(http.MethodPost) {
			s.Reset()
			writeJSON(w, http.StatusOK, object{{"ok", true}})
		}
	default:
		if id, ok := strings.CutPrefix(r.URL.Path, "/_sandbox/images/"); ok && method(http.MethodGet) {
			if d := s.permanentImage(id); d != nil {
				d.serve(w, r)
				return
			}
			bad(http.StatusNotFound, "no uploaded image %q", id)
			return
		}
		bad(http.StatusNotFound, "unknown control endpoint %s; see docs/sandbox.md", r.URL.Path)
	}
}

func nonNilSlice[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

func clockBody(t time.Time) object {
	return object{{"now", t.UTC().Format(time.RFC3339)}, {"unix", t.Unix()}}
}

// info describes the fixtures without their secrets.
func (s *Server) info() object {
	s.mu.Lock() // members and apps change (user/create, agent/set)
	defer s.mu.Unlock()
	corps := make([]object, 0, len(s.fx.Corps))
	for _, c := range s.fx.Corps {
		apps := make([]object, 0, len(c.Apps))
		for _, a := range c.Apps {
			apps = append(apps, object{{"agentid", a.AgentID}, {"name", a.Name}})
		}
		users := make([]string, 0, len(c.Users))
		for _, u := range c.Users {
			users = append(users, u.UserID)
		}
		robots := make([]string, 0, len(c.Robots))
		for _, r := range c.Robots {
			robots = append(robots, r.Name)
		}
		corps = append(corps, object{{"corpid", c.CorpID}, {"name", c.Name}, {"apps", apps},
			{"contact_secret", c.ContactSecret != ""}, {"users", users}, {"robots", robots}})
	}
	return object{{"corps", corps}, {"token_ttl", int(s.opts.TokenTTL / time.Second)}, {"now", s.nowLocked().UTC().Format(time.RFC3339)}}
}
