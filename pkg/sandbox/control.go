package sandbox

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"
)

// The control API in Go, for tests and the in-process sandbox: codes,
// faults, the clock, counters, the request log, messages, reset. Their JSON
// form under /_sandbox/ is in control_routes.go.

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
