package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// The control side of the third-party world: what the provider console,
// the install page and the member's login do in real WeCom. Go methods
// here, and their JSON form under /_sandbox/suite/ (docs/sandbox.md; the
// routes are in control_routes.go).

func (s *Server) suiteDef(id string) (*suiteDef, error) {
	if id == "" {
		id = DemoSuiteID
	}
	def := s.suiteDefs[id]
	if def == nil {
		return nil, fmt.Errorf("suite_id %q is unknown: use %s (the demo suite) or %s (the 代开发 template)", id, DemoSuiteID, DemoTemplateID)
	}
	return def, nil
}

func (s *Server) corpOf(id string) (*corpIndex, error) {
	if id == "" {
		id = s.fx.Corps[0].CorpID
	}
	ci := s.corps[id]
	if ci == nil {
		return nil, fmt.Errorf("corpid %q is not in the fixtures", id)
	}
	return ci, nil
}

func checkCallbackURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fmt.Errorf("url %q: give an absolute http(s) URL, e.g. http://127.0.0.1:8080/callback", u)
	}
	return nil
}

// SetSuiteCallback sets the instruction callback URL of a suite ("" = the
// demo suite); an empty url stops its pushes. The first suite_ticket push
// is due at once, then every 10 sandbox minutes. See also
// VerifySuiteCallback.
func (s *Server) SetSuiteCallback(suiteID, u string) error {
	def, err := s.suiteDef(suiteID)
	if err != nil {
		return err
	}
	if u != "" {
		if err := checkCallbackURL(u); err != nil {
			return err
		}
	}
	s.mu.Lock()
	run := s.suiteRuns[def.id]
	run.url, run.nextPush = u, s.nowLocked()
	if u != "" {
		s.startPusherLocked()
	}
	s.mu.Unlock()
	s.wakeSuitePusher()
	return nil
}

// VerifySuiteCallback checks url as the provider console does before it
// saves it (a GET with an encrypted echostr to answer decrypted), then
// sets it like SetSuiteCallback. A URL that fails is not set.
func (s *Server) VerifySuiteCallback(suiteID, u string) error {
	if _, err := s.suiteDef(suiteID); err != nil {
		return err
	}
	if err := checkCallbackURL(u); err != nil {
		return err
	}
	if err := s.verifyCallback(u); err != nil {
		return err
	}
	return s.SetSuiteCallback(suiteID, u)
}

// PushSuiteTicket issues a new suite_ticket now (the console's "refresh
// ticket" button, DOC 90628) and pushes it when a callback URL is set
// (push is nil otherwise). The 10-minute schedule restarts from now.
func (s *Server) PushSuiteTicket(suiteID string) (ticket string, push *PushResult, err error) {
	def, err := s.suiteDef(suiteID)
	if err != nil {
		return "", nil, err
	}
	s.mu.Lock()
	now := s.nowLocked()
	run := s.suiteRuns[def.id]
	ticket = s.newSuiteTicket(def.id, now)
	run.nextPush = now.Add(suiteTicketEvery)
	u := run.url
	s.mu.Unlock()
	if u == "" {
		return ticket, nil, nil
	}
	res := s.deliver(ticketPush(def.id, u, ticket, now))
	return ticket, &res, nil
}

// SuiteAuthorizeRequest is an admin finishing the install page
// (3rdapp/install, DOC 90597), or a market / QR-code install when
// PreAuthCode is empty.
type SuiteAuthorizeRequest struct {
	SuiteID     string `json:"suite_id,omitempty"`      // default: the demo suite
	PreAuthCode string `json:"pre_auth_code,omitempty"` // from get_pre_auth_code; empty = market install (pushes create_auth)
	CorpID      string `json:"corpid,omitempty"`        // the installing corp; default: the first corp of the fixtures
	UserID      string `json:"userid,omitempty"`        // the admin; default: the corp's first member
	RedirectURI string `json:"redirect_uri,omitempty"`  // default: https://wwcli.example.com/install/done
	State       string `json:"state,omitempty"`         // [a-zA-Z0-9], at most 128 bytes
	// InstallURL, the whole install link, gives the four above it names
	// (suite_id, pre_auth_code, redirect_uri, state).
	InstallURL string `json:"install_url,omitempty"`
}

// SuiteAuthorization is what the install page hands back.
type SuiteAuthorization struct {
	AuthCode    string      `json:"auth_code"`
	ExpiresIn   int         `json:"expires_in"`
	RedirectURI string      `json:"redirect_uri"` // redirect_uri?auth_code=...&expires_in=600&state=...
	State       string      `json:"state"`
	AuthType    int         `json:"auth_type"` // 1 = test install (set_session_info)
	Push        *PushResult `json:"push"`      // create_auth, for market and 代开发 installs with a callback URL
}

var installState = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9]{0,128}$`) })

func (r *SuiteAuthorizeRequest) fromInstallURL() error {
	if r.InstallURL == "" {
		return nil
	}
	u, err := url.Parse(r.InstallURL)
	if err != nil || !strings.HasSuffix(u.Path, "/3rdapp/install") {
		return fmt.Errorf("install_url %q: expected an install link, https://open.work.weixin.qq.com/3rdapp/install?suite_id=SUITE_ID&pre_auth_code=CODE", r.InstallURL)
	}
	q := u.Query()
	for _, f := range []struct {
		dst *string
		key string
	}{{&r.SuiteID, "suite_id"}, {&r.PreAuthCode, "pre_auth_code"}, {&r.RedirectURI, "redirect_uri"}, {&r.State, "state"}} {
		if *f.dst == "" {
			*f.dst = q.Get(f.key)
		}
	}
	if r.PreAuthCode == "" {
		return errors.New("install_url has no pre_auth_code")
	}
	return nil
}

// AuthorizeSuite simulates the admin's consent and returns the temporary
// auth_code (single use, 10 minutes). WeCom pushes create_auth only for
// installs that do not come back to the provider's site: market installs
// (no pre_auth_code) and 代开发 QR-code installs (DOC 90642).
func (s *Server) AuthorizeSuite(req SuiteAuthorizeRequest) (SuiteAuthorization, error) {
	var out SuiteAuthorization
	if err := req.fromInstallURL(); err != nil {
		return out, err
	}
	def, err := s.suiteDef(req.SuiteID)
	if err != nil {
		return out, err
	}
	ci, err := s.corpOf(req.CorpID)
	if err != nil {
		return out, err
	}
	if !installState().MatchString(req.State) {
		return out, fmt.Errorf("state %q: use at most 128 of a-z A-Z 0-9 (DOC 90597)", req.State)
	}
	redirect := req.RedirectURI
	if redirect == "" {
		redirect = installDoneURL
	}
	ru, err := url.Parse(redirect)
	if err != nil || (ru.Scheme != "http" && ru.Scheme != "https") || ru.Host == "" {
		return out, fmt.Errorf("redirect_uri %q: give an absolute http(s) URL", redirect)
	}

	s.mu.Lock()
	if req.UserID == "" && len(ci.Users) > 0 {
		req.UserID = ci.Users[0].UserID
	}
	if u := member(ci, req.UserID); u != nil {
		req.UserID = u.UserID
	} else {
		s.mu.Unlock()
		return out, fmt.Errorf("userid %q is not a member of %s", req.UserID, ci.CorpID)
	}
	now := s.nowLocked()
	authType := 0
	if req.PreAuthCode != "" {
		pa, e := s.usePreAuthCode(def, req.PreAuthCode, now)
		if e != nil {
			s.mu.Unlock()
			if e == errPreAuthExpired {
				return out, errors.New("pre_auth_code expired (20 minutes): get a new one with service/get_pre_auth_code")
			}
			return out, fmt.Errorf("pre_auth_code is not one of suite %s (WeCom's page says 预授权码校验失败)", def.id)
		}
		authType = pa.authType
	}
	code := pasteable(48) // 64 characters: WeCom's auth_codes are 64-512 bytes (DOC 90603)
	s.authCodes[code] = &installCode{suite: def, corp: ci, userID: req.UserID, state: req.State,
		authType: authType, expires: now.Add(installCodeTTL)}
	s.storeSuite(now, kindAuthCode+code, now.Add(installCodeTTL))
	u := s.suiteRuns[def.id].url
	s.mu.Unlock()

	q := ru.Query()
	q.Set("auth_code", code)
	q.Set("expires_in", "600")
	q.Set("state", req.State)
	ru.RawQuery = q.Encode()
	out = SuiteAuthorization{AuthCode: code, ExpiresIn: int(installCodeTTL / time.Second), RedirectURI: ru.String(),
		State: req.State, AuthType: authType}
	if u != "" && (req.PreAuthCode == "" || def.customized) {
		res := s.deliver(authPush(def.id, u, "create_auth", now, code, "", req.State))
		out.Push = &res
	}
	return out, nil
}

// SuiteCodeRequest asks for a third-party OAuth code, as WeCom hands one to
// the redirect URL of an authorize link with appid = suite id (DOC 91120).
type SuiteCodeRequest struct {
	SuiteID string `json:"suite_id,omitempty"` // default: the demo suite (代开发 apps use /_sandbox/code)
	UserID  string `json:"userid,omitempty"`
	OpenID  string `json:"openid,omitempty"` // a non-member: getuserinfo3rd answers openid
	CorpID  string `json:"corpid,omitempty"` // default: the first corp of the fixtures
	Scope   string `json:"scope,omitempty"`  // snsapi_base (default), snsapi_userinfo or snsapi_privateinfo
	// Web: the code comes from the web login page (login_type=ServiceApp),
	// whose getuserinfo3rd answer has no user_ticket (DOC 98179).
	Web bool `json:"web,omitempty"`
}

// IssueSuiteCode returns a single-use code for getuserinfo3rd, valid 5
// minutes (DOC 91121).
func (s *Server) IssueSuiteCode(req SuiteCodeRequest) (string, error) {
	def, err := s.suiteDef(req.SuiteID)
	if err != nil {
		return "", err
	}
	if def.customized {
		return "", fmt.Errorf("代开发 apps may not use getuserinfo3rd (DOC 91121); issue a code for their agent with POST /_sandbox/code {\"userid\":...,\"agentid\":%d} and call auth/getuserinfo", def.apps[s.fx.Corps[0].CorpID].AgentID)
	}
	ci, err := s.corpOf(req.CorpID)
	if err != nil {
		return "", err
	}
	switch req.Scope {
	case "":
		req.Scope = "snsapi_base"
	case "snsapi_base", "snsapi_userinfo", "snsapi_privateinfo":
	default:
		return "", fmt.Errorf("scope %q: use snsapi_base, snsapi_userinfo or snsapi_privateinfo", req.Scope)
	}
	switch {
	case req.UserID != "" && req.OpenID != "":
		return "", errors.New("give userid (member) or openid (non-member), not both")
	case req.UserID == "" && req.OpenID == "":
		return "", errors.New("userid is required (or openid for a non-member)")
	}
	code := newCode()
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.UserID != "" {
		u := member(ci, req.UserID)
		if u == nil {
			return "", fmt.Errorf("userid %q is not a member of %s", req.UserID, ci.CorpID)
		}
		req.UserID = u.UserID // the member's own spelling
	}
	now := s.nowLocked()
	s.sCodes[code] = &suiteCode{suite: def, corp: ci, userID: req.UserID, openID: req.OpenID, scope: req.Scope,
		web: req.Web, expires: now.Add(suiteCodeTTL)}
	s.storeSuite(now, kindSuiteCode+code, now.Add(suiteCodeTTL))
	return code, nil
}

// installed finds the install of def by ci. Called with s.mu held.
func (s *Server) installed(def *suiteDef, ci *corpIndex) (*install, error) {
	in := s.installs[installKey(def.id, ci.CorpID)]
	if in == nil || in.permanent == "" {
		return nil, fmt.Errorf("%s has not installed %s: authorize it first (POST /_sandbox/suite/authorize, then service/get_permanent_code)", ci.CorpID, def.id)
	}
	return in, nil
}

// suiteEvent runs change (with s.mu held) for an install and pushes
// infoType with the auth code change returns.
func (s *Server) suiteEvent(suiteID, corpID, infoType string, change func(in *install, now time.Time) string) (string, *PushResult, error) {
	def, err := s.suiteDef(suiteID)
	if err != nil {
		return "", nil, err
	}
	ci, err := s.corpOf(corpID)
	if err != nil {
		return "", nil, err
	}
	s.mu.Lock()
	in, err := s.installed(def, ci)
	if err != nil {
		s.mu.Unlock()
		return "", nil, err
	}
	now := s.nowLocked()
	code := change(in, now)
	u := s.suiteRuns[def.id].url
	s.mu.Unlock()
	if u == "" {
		return code, nil, nil
	}
	res := s.deliver(authPush(def.id, u, infoType, now, code, ci.CorpID, ""))
	return code, &res, nil
}

// ChangeSuiteAuth pushes change_auth, as when the admin edits the app's
// visible range or privileges (DOC 90642). The sandbox's grants stay as
// they are.
func (s *Server) ChangeSuiteAuth(suiteID, corpID string) (*PushResult, error) {
	_, res, err := s.suiteEvent(suiteID, corpID, "change_auth", func(*install, time.Time) string { return "" })
	return res, err
}

// CancelSuiteAuth uninstalls: the permanent code answers 40084 from now on,
// the corp tokens issued through it 40014, and cancel_auth is pushed.
func (s *Server) CancelSuiteAuth(suiteID, corpID string) (*PushResult, error) {
	_, res, err := s.suiteEvent(suiteID, corpID, "cancel_auth", func(in *install, _ time.Time) string {
		delete(s.permCodes, in.permanent)
		delete(s.installs, installKey(in.suite.id, in.corp.CorpID))
		for _, t := range in.tokens {
			delete(s.tokens, t)
		}
		return ""
	})
	return res, err
}

// ResetPermanentCode is a 代开发 template's "重新获取secret": a new auth
// code, pushed as reset_permanent_code (DOC 97175); exchanging it gives
// a new permanent code and retires the old one.
func (s *Server) ResetPermanentCode(suiteID, corpID string) (string, *PushResult, error) {
	if suiteID == "" {
		suiteID = DemoTemplateID
	}
	if def, err := s.suiteDef(suiteID); err != nil {
		return "", nil, err
	} else if !def.customized {
		return "", nil, fmt.Errorf("suite %s is not a 代开发 template: reset_permanent_code is for %s", def.id, DemoTemplateID)
	}
	return s.suiteEvent(suiteID, corpID, "reset_permanent_code", func(in *install, now time.Time) string {
		code := pasteable(48)
		s.authCodes[code] = &installCode{suite: in.suite, corp: in.corp, userID: in.userID, state: in.state,
			authType: in.authType, reset: true, expires: now.Add(installCodeTTL)}
		s.storeSuite(now, kindAuthCode+code, now.Add(installCodeTTL))
		return code
	})
}

// suiteInfo describes the third-party world without secrets.
func (s *Server) suiteInfo() object {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	ids := make([]string, 0, len(s.suiteDefs))
	for id := range s.suiteDefs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	suites := make([]object, 0, len(ids))
	for _, id := range ids {
		def, run := s.suiteDefs[id], s.suiteRuns[id]
		agents := object{}
		for _, c := range s.fx.Corps {
			agents = append(agents, field{c.CorpID, def.apps[c.CorpID].AgentID})
		}
		var installs []string
		for _, c := range s.fx.Corps {
			if in := s.installs[installKey(id, c.CorpID)]; in != nil && in.permanent != "" {
				installs = append(installs, c.CorpID)
			}
		}
		o := object{{"suite_id", id}, {"name", def.name}, {"customized", def.customized}, {"agentid", agents},
			{"callback_url", run.url}, {"installed_by", nonNilSlice(installs)}}
		if n := len(run.tickets); n > 0 {
			o = append(o, field{"ticket_age_seconds", int(now.Sub(run.tickets[n-1].issued) / time.Second)})
		}
		if run.url != "" {
			o = append(o, field{"next_push", run.nextPush.UTC().Format(time.RFC3339)})
		}
		o = append(o, field{"last_push", run.last})
		suites = append(suites, o)
	}
	return object{{"provider_corpid", DemoProviderCorpID}, {"suites", suites}}
}

// suiteControl answers one POST /_sandbox/suite/... call (the route table
// is in control_routes.go): decode the JSON body into req, run do, write
// its answer or its error (400).
func suiteControl[T any](w http.ResponseWriter, r *http.Request, req *T, do func() (any, error)) {
	if !decodeControl(w, r, req) {
		return
	}
	out, err := do()
	if err != nil {
		controlError(w, http.StatusBadRequest, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

type suiteCorpRequest struct {
	SuiteID string `json:"suite_id,omitempty"`
	CorpID  string `json:"corpid,omitempty"`
}

func (s *Server) controlSuiteInfo(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.suiteInfo())
}

func (s *Server) controlSuiteCallback(w http.ResponseWriter, r *http.Request) {
	var req struct {
		SuiteID string `json:"suite_id,omitempty"`
		URL     string `json:"url"`
		Verify  bool   `json:"verify,omitempty"` // check the URL first, as the console does
	}
	suiteControl(w, r, &req, func() (any, error) {
		if req.Verify {
			return object{{"ok", true}, {"verified", true}}, s.VerifySuiteCallback(req.SuiteID, req.URL)
		}
		return object{{"ok", true}}, s.SetSuiteCallback(req.SuiteID, req.URL)
	})
}

func (s *Server) controlSuitePushTicket(w http.ResponseWriter, r *http.Request) {
	var req struct {
		SuiteID string `json:"suite_id,omitempty"`
	}
	suiteControl(w, r, &req, func() (any, error) {
		t, res, err := s.PushSuiteTicket(req.SuiteID)
		return object{{"suite_ticket", t}, {"expires_in", int(suiteTicketTTL / time.Second)}, {"push", res}}, err
	})
}

func (s *Server) controlSuiteAuthorize(w http.ResponseWriter, r *http.Request) {
	var req SuiteAuthorizeRequest
	suiteControl(w, r, &req, func() (any, error) { return s.AuthorizeSuite(req) })
}

func (s *Server) controlSuiteCode(w http.ResponseWriter, r *http.Request) {
	var req SuiteCodeRequest
	suiteControl(w, r, &req, func() (any, error) {
		code, err := s.IssueSuiteCode(req)
		return object{{"code", code}, {"expires_in", int(suiteCodeTTL / time.Second)}}, err
	})
}

func (s *Server) controlSuiteChange(w http.ResponseWriter, r *http.Request) {
	var req suiteCorpRequest
	suiteControl(w, r, &req, func() (any, error) {
		res, err := s.ChangeSuiteAuth(req.SuiteID, req.CorpID)
		return object{{"push", res}}, err
	})
}

func (s *Server) controlSuiteCancel(w http.ResponseWriter, r *http.Request) {
	var req suiteCorpRequest
	suiteControl(w, r, &req, func() (any, error) {
		res, err := s.CancelSuiteAuth(req.SuiteID, req.CorpID)
		return object{{"push", res}}, err
	})
}

func (s *Server) controlSuiteResetSecret(w http.ResponseWriter, r *http.Request) {
	var req suiteCorpRequest
	suiteControl(w, r, &req, func() (any, error) {
		code, res, err := s.ResetPermanentCode(req.SuiteID, req.CorpID)
		return object{{"auth_code", code}, {"expires_in", int(installCodeTTL / time.Second)}, {"push", res}}, err
	})
}

// ParseSuiteCallback reads `--suite-callback` values: "URL" for the demo
// suite, or "SUITE_ID=URL" (e.g. the 代开发 template's id).
func ParseSuiteCallback(arg string) (suiteID, u string, err error) {
	suiteID, u = DemoSuiteID, arg
	if id, rest, ok := strings.Cut(arg, "="); ok && !strings.ContainsAny(id, ":/?") {
		suiteID, u = id, rest
	}
	if suiteID != DemoSuiteID && suiteID != DemoTemplateID {
		return "", "", fmt.Errorf("%q: the sandbox knows suite %s and 代开发 template %s", suiteID, DemoSuiteID, DemoTemplateID)
	}
	if err := checkCallbackURL(u); err != nil {
		return "", "", err
	}
	return suiteID, u, nil
}
