package sandbox

import (
	"time"
)

// Third-party endpoints (/cgi-bin/service/...). DOC n =
// https://developer.work.weixin.qq.com/document/path/n. Successful answers
// carry errcode 0 like the docs' examples, although DOC 97162 / 96237 say
// errcode is only present on failure: clients must accept both.

var (
	errInvalidPreAuth    = errf(40077, "invalid pre_auth_code")          // sandbox wording
	errInvalidAuthCode   = errf(40078, "invalid auth_code")              // sandbox wording
	errInvalidSuiteSec   = errf(40080, "invalid suite_secret")           // sandbox wording
	errInvalidSuiteToken = errf(40082, "invalid suite_access_token")     // sandbox wording
	errInvalidSuiteID    = errf(40083, "invalid suite_id")               // sandbox wording
	errInvalidPermCode   = errf(40084, "invalid permanent_code")         // sandbox wording
	errInvalidSuiteTkt   = errf(40085, "invalid suite_ticket")           // sandbox wording
	errInvalidAppID3rd   = errf(40086, "invalid third-party appid")      // sandbox wording
	errMissingSuiteID    = errf(41021, "suite_id missing")               // sandbox wording
	errMissingSuiteToken = errf(41022, "suite_access_token missing")     // sandbox wording
	errMissingSuiteTkt   = errf(41023, "suite_ticket missing")           // sandbox wording
	errMissingSuiteSec   = errf(41024, "suite_secret missing")           // sandbox wording
	errMissingPermCode   = errf(41025, "permanent_code missing")         // sandbox wording
	errPreAuthExpired    = errf(42007, "pre_auth_code expired")          // sandbox wording
	errSuiteTokenExpired = errf(42009, "suite_access_token expired")     // sandbox wording
	errAuthCodeShort     = errf(40058, "auth_code exceed min length 64") // observed (community 00066aedd50e100f3b3b8526c51400)
	errSuiteIDMismatch   = errf(48003, "invalid suite_id")               // sandbox wording
)

// ttlSeconds is expires_in for something that expires at exp.
func ttlSeconds(now, exp time.Time) int { return int(exp.Sub(now).Round(time.Second) / time.Second) }

// issueSvcToken returns the live token in *cur, or a new one that lasts
// Options.TokenTTL: "repeated calls within the lifetime return the same
// result" (provider token, DOC 96237; suite token, staff in community
// 000e8ca86102e85119cb44b6356c00). Called with s.mu held.
func (s *Server) issueSvcToken(now time.Time, cur *string, t svcToken) (string, int) {
	if old := s.svcTokens[*cur]; old != nil && now.Before(old.expires) {
		return *cur, ttlSeconds(now, old.expires)
	}
	at := randomString(72)
	t.expires = now.Add(s.opts.TokenTTL)
	s.svcTokens[at] = &t
	s.storeSuite(now, kindSvcToken+at, t.expires.Add(tokenMemory))
	*cur = at
	return at, int(s.opts.TokenTTL / time.Second)
}

// getSuiteToken: POST service/get_suite_token {suite_id, suite_secret,
// suite_ticket} (DOC 97162: the same call for third-party suites and
// 代开发 templates).
func (s *Server) getSuiteToken(c *call) (object, *apiError) {
	var req struct {
		SuiteID     string `json:"suite_id"`
		SuiteSecret string `json:"suite_secret"`
		SuiteTicket string `json:"suite_ticket"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	switch def := s.suiteDefs[req.SuiteID]; {
	case req.SuiteID == "":
		return nil, errMissingSuiteID
	case def == nil:
		return nil, errInvalidSuiteID
	case req.SuiteSecret == "":
		return nil, errMissingSuiteSec
	case req.SuiteSecret != def.secret:
		return nil, errInvalidSuiteSec
	case req.SuiteTicket == "":
		return nil, errMissingSuiteTkt
	case !s.ticketValid(def.id, req.SuiteTicket, c.now):
		return nil, errInvalidSuiteTkt
	default:
		at, ttl := s.issueSvcToken(c.now, &s.suiteRuns[def.id].token, svcToken{suite: def})
		return object{{"suite_access_token", at}, {"expires_in", ttl}}, nil
	}
}

// getProviderToken: POST service/get_provider_token {corpid,
// provider_secret} (DOC 96237, DOC 90593).
func (s *Server) getProviderToken(c *call) (object, *apiError) {
	var req struct {
		CorpID         string `json:"corpid"`
		ProviderSecret string `json:"provider_secret"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	switch {
	case req.CorpID == "":
		return nil, errMissingCorpID
	case req.CorpID != DemoProviderCorpID:
		return nil, errInvalidCorpID
	case req.ProviderSecret == "":
		return nil, errMissingSecret
	case req.ProviderSecret != DemoProviderSecret:
		return nil, errInvalidCredential
	}
	at, ttl := s.issueSvcToken(c.now, &s.providerToken, svcToken{provider: req.CorpID})
	return object{{"provider_access_token", at}, {"expires_in", ttl}}, nil
}

// suiteOf checks ?suite_access_token=: 41022 missing, 40082 unknown (a
// provider token included), 42009 expired.
func (s *Server) suiteOf(c *call) (*suiteDef, *apiError) {
	at := c.q.Get("suite_access_token")
	if at == "" {
		return nil, errMissingSuiteToken
	}
	t := s.svcTokens[at]
	if t == nil || t.suite == nil {
		return nil, errInvalidSuiteToken
	}
	if !c.now.Before(t.expires) {
		return nil, errSuiteTokenExpired
	}
	return t.suite, nil
}

// getPreAuthCode: GET service/get_pre_auth_code (DOC 90601): 20 minutes.
func (s *Server) getPreAuthCode(c *call) (object, *apiError) {
	def, e := s.suiteOf(c)
	if e != nil {
		return nil, e
	}
	code := pasteable(48)
	pa := &preAuthCode{suite: def, expires: c.now.Add(preAuthCodeTTL)}
	s.preAuth[code] = pa
	// kept past expiry so a late use answers 42007, not 40077
	s.storeSuite(c.now, kindPreAuth+code, pa.expires.Add(time.Hour))
	return object{{"pre_auth_code", code}, {"expires_in", int(preAuthCodeTTL / time.Second)}}, nil
}

// usePreAuthCode finds a live pre_auth_code of def: 40077 unknown or of
// another suite, 42007 expired. Pre-auth codes are not single use here
// (WeCom's page is silent). Called with s.mu held.
func (s *Server) usePreAuthCode(def *suiteDef, code string, now time.Time) (*preAuthCode, *apiError) {
	pa := s.preAuth[code]
	if code == "" || pa == nil || pa.suite != def {
		return nil, errInvalidPreAuth
	}
	if !now.Before(pa.expires) {
		return nil, errPreAuthExpired
	}
	return pa, nil
}

// setSessionInfo: POST service/set_session_info {pre_auth_code,
// session_info{appid, auth_type}} (DOC 90602): auth_type 1 = test install.
func (s *Server) setSessionInfo(c *call) (object, *apiError) {
	def, e := s.suiteOf(c)
	if e != nil {
		return nil, e
	}
	var req struct {
		PreAuthCode string `json:"pre_auth_code"`
		SessionInfo struct {
			AppID    []int64 `json:"appid"`
			AuthType *int    `json:"auth_type"`
		} `json:"session_info"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	pa, e := s.usePreAuthCode(def, req.PreAuthCode, c.now)
	if e != nil {
		return nil, e
	}
	// appid lists apps of an old multi-app suite; the demo suite has one
	// app and no app ids, so any id is unknown (40086).
	if len(req.SessionInfo.AppID) > 0 {
		return nil, errInvalidAppID3rd
	}
	if t := req.SessionInfo.AuthType; t != nil {
		if *t != 0 && *t != 1 {
			return nil, errf(40035, "invalid auth_type, use 0 (formal) or 1 (test)")
		}
		pa.authType = *t
	}
	return nil, nil
}

// takeAuthCode consumes a temporary auth_code of def (single use, 10 min,
// DOC 90597). Called with s.mu held.
func (s *Server) takeAuthCode(c *call, def *suiteDef) (*installCode, *apiError) {
	var req struct {
		SuiteID  string `json:"suite_id"` // older clients still send it
		AuthCode string `json:"auth_code"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	if req.SuiteID != "" && req.SuiteID != def.id {
		return nil, errSuiteIDMismatch
	}
	if req.AuthCode == "" {
		return nil, errInvalidAuthCode
	}
	if len(req.AuthCode) < 64 {
		return nil, errAuthCodeShort
	}
	ic := s.authCodes[req.AuthCode]
	if ic == nil || ic.suite != def {
		return nil, errInvalidAuthCode
	}
	delete(s.authCodes, req.AuthCode)
	if !c.now.Before(ic.expires) {
		return nil, errInvalidAuthCode
	}
	return ic, nil
}

// redeem turns an auth_code into the corp's install: the first install
// (or one after cancel_auth) gets a new permanent code, re-authorizing an
// installed corp keeps it, and a reset_permanent_code code replaces it.
func (s *Server) redeem(ic *installCode) *install {
	key := installKey(ic.suite.id, ic.corp.CorpID)
	in := s.installs[key]
	if in == nil {
		in = &install{suite: ic.suite, corp: ic.corp, app: ic.suite.apps[ic.corp.CorpID]}
		s.installs[key] = in
	}
	if in.permanent == "" || ic.reset {
		if in.permanent != "" {
			delete(s.permCodes, in.permanent)
		}
		in.permanent = pasteable(32)
		s.permCodes[in.permanent] = in
	}
	in.userID, in.state, in.authType = ic.userID, ic.state, ic.authType
	return in
}

// corpToken returns the install's live access_token, or issues one, usable
// on every /cgi-bin endpoint like a self-built app's (DOC 90605). Like
// gettoken for 代开发 apps (DOC 97164: "the same result while valid"), a
// repeated call gets the same token. Called with s.mu held.
func (s *Server) corpToken(in *install, now time.Time) (string, int) {
	if n := len(in.tokens); n > 0 {
		if t := s.tokens[in.tokens[n-1]]; t != nil && now.Before(t.expires) {
			return in.tokens[n-1], ttlSeconds(now, t.expires)
		}
	}
	s.pruneTokens(now)
	at := randomString(96)
	s.storeToken(at, &token{corp: in.corp, app: in.app, kind: kindApp, expires: now.Add(s.opts.TokenTTL)})
	if len(in.tokens) >= 64 {
		in.tokens = in.tokens[1:]
	}
	in.tokens = append(in.tokens, at)
	return at, int(s.opts.TokenTTL / time.Second)
}

// getPermanentCode: POST service/get_permanent_code {auth_code} (DOC 90603).
// 代开发 templates get no access_token (DOC 97164).
func (s *Server) getPermanentCode(c *call) (object, *apiError) {
	def, e := s.suiteOf(c)
	if e != nil {
		return nil, e
	}
	ic, e := s.takeAuthCode(c, def)
	if e != nil {
		return nil, e
	}
	in := s.redeem(ic)
	var resp object
	if !def.customized {
		at, ttl := s.corpToken(in, c.now)
		resp = object{{"access_token", at}, {"expires_in", ttl}}
	}
	resp = append(resp, field{"permanent_code", in.permanent},
		field{"auth_corp_info", s.authCorpInfo(in, false)},
		field{"auth_info", s.authInfo(in)},
		field{"auth_user_info", s.authUserInfo(in)})
	return resp, nil
}

// getPermanentCodeV2: POST service/v2/get_permanent_code (DOC 100776): no
// corp token and no auth_info; adds state.
func (s *Server) getPermanentCodeV2(c *call) (object, *apiError) {
	def, e := s.suiteOf(c)
	if e != nil {
		return nil, e
	}
	ic, e := s.takeAuthCode(c, def)
	if e != nil {
		return nil, e
	}
	in := s.redeem(ic)
	return object{{"permanent_code", in.permanent},
		{"auth_corp_info", object{{"corpid", in.corp.CorpID}, {"corp_name", in.corp.Name}}},
		{"auth_user_info", s.authUserInfo(in)},
		{"state", in.state}}, nil
}

// installOf checks {auth_corpid, permanent_code} against the caller's
// suite: 48003 for a suite_id in the body that is not the token's
// (errcodes 48003), 41025 missing code, 41002 missing corp, 40084 for a
// code that is unknown, cancelled, of another suite or of another corp
// (DOC 90605 / errcodes 40084).
func (s *Server) installOf(c *call, def *suiteDef) (*install, *apiError) {
	var req struct {
		SuiteID       string `json:"suite_id"` // older clients still send it
		AuthCorpID    string `json:"auth_corpid"`
		PermanentCode string `json:"permanent_code"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	if req.SuiteID != "" && req.SuiteID != def.id {
		return nil, errSuiteIDMismatch
	}
	if req.PermanentCode == "" {
		return nil, errMissingPermCode
	}
	if req.AuthCorpID == "" {
		return nil, errMissingCorpID
	}
	in := s.permCodes[req.PermanentCode]
	if in == nil || in.suite != def || in.corp.CorpID != req.AuthCorpID {
		return nil, errInvalidPermCode
	}
	return in, nil
}

// getAuthInfo: POST service/get_auth_info (developer.work.weixin.qq.com/
// document/14943) and
// service/v2/get_auth_info (代开发 tree, DOC 100795: adds corp_ex_name).
func (s *Server) getAuthInfo(v2 bool) func(c *call) (object, *apiError) {
	return func(c *call) (object, *apiError) {
		def, e := s.suiteOf(c)
		if e != nil {
			return nil, e
		}
		in, e := s.installOf(c, def)
		if e != nil {
			return nil, e
		}
		return object{{"auth_corp_info", s.authCorpInfo(in, v2)}, {"auth_info", s.authInfo(in)}}, nil
	}
}

// getCorpToken: POST service/get_corp_token {auth_corpid, permanent_code}
// (DOC 90605).
func (s *Server) getCorpToken(c *call) (object, *apiError) {
	def, e := s.suiteOf(c)
	if e != nil {
		return nil, e
	}
	in, e := s.installOf(c, def)
	if e != nil {
		return nil, e
	}
	at, ttl := s.corpToken(in, c.now)
	return object{{"access_token", at}, {"expires_in", ttl}}, nil
}

// getTokenWithPermanentCode is gettoken that also takes a 代开发 app's
// permanent code as corpsecret (DOC 97164); anything else goes to the
// self-built gettoken.
func (s *Server) getTokenWithPermanentCode(c *call) (object, *apiError) {
	if in := s.permCodes[c.q.Get("corpsecret")]; in != nil && in.suite.customized && in.corp.CorpID == c.q.Get("corpid") {
		at, ttl := s.corpToken(in, c.now)
		return object{{"access_token", at}, {"expires_in", ttl}}, nil
	}
	return s.getTokenFor(c)
}

func (s *Server) authCorpInfo(in *install, v2 bool) object {
	o := object{{"corpid", in.corp.CorpID}, {"corp_name", in.corp.Name}, {"corp_type", "verified"},
		{"corp_square_logo_url", "https://wwcli.example.com/corp-logo.png"}, {"corp_user_max", 200},
		{"corp_full_name", in.corp.Name}, {"verified_end_time", 0}, {"subject_type", 1}}
	if v2 {
		o = append(o, field{"corp_ex_name", ""})
	} else {
		o = append(o, field{"corp_wxqrcode", "https://wwcli.example.com/corp-qrcode.png"})
	}
	return append(o, field{"corp_scale", "1-50人"}, field{"corp_industry", "IT服务"}, field{"corp_sub_industry", "软件服务"})
}

func (s *Server) authInfo(in *install) object {
	a := in.app
	agent := object{{"agentid", a.AgentID}, {"name", a.Name}, {"round_logo_url", a.SquareLogoURL},
		{"square_logo_url", a.SquareLogoURL}, {"auth_mode", 0}, {"is_customized_app", in.suite.customized},
		{"auth_from_thirdapp", false},
		{"privilege", object{{"level", 1}, {"allow_party", nonNilSlice(a.AllowParties)}, {"allow_user", []string{}},
			{"allow_tag", []int64{}}, {"extra_party", []int64{}}, {"extra_user", []string{}}, {"extra_tag", []int64{}}}}}
	return object{{"agent", []object{agent}}}
}

func (s *Server) authUserInfo(in *install) object {
	u := member(in.corp, in.userID)
	if u == nil {
		return object{}
	}
	return object{{"userid", u.UserID}, {"open_userid", openUserID(in.corp.CorpID, u.UserID)},
		{"name", u.Name}, {"avatar", u.Avatar}}
}

// userInfo3rd is what a third-party login code says.
type userInfo3rd struct {
	corpID, userID, openUserID, openID string
	ticket                             string // "" = none
}

// useCode3rd consumes a third-party OAuth code (DOC 91121): a member gets
// corpid, userid, open_userid and, with scope snsapi_privateinfo /
// snsapi_userinfo inside the visible range (the corp installed the app),
// a user_ticket; a non-member gets openid. Called with s.mu held.
func (s *Server) useCode3rd(c *call) (*userInfo3rd, *apiError) {
	def, e := s.suiteOf(c)
	if e != nil {
		return nil, e
	}
	code := c.q.Get("code")
	if code == "" {
		return nil, errMissingCode
	}
	sc := s.sCodes[code]
	if sc == nil || sc.suite != def {
		return nil, errInvalidCode
	}
	delete(s.sCodes, code)
	if !c.now.Before(sc.expires) {
		return nil, errInvalidCode
	}
	if sc.userID == "" {
		return &userInfo3rd{openID: sc.openID}, nil
	}
	installed := s.installs[installKey(def.id, sc.corp.CorpID)] != nil
	info := &userInfo3rd{corpID: sc.corp.CorpID, userID: sc.userID, openUserID: openUserID(sc.corp.CorpID, sc.userID)}
	if !installed {
		// "userid is encrypted when the corp has not authorized the app"
		info.userID = deviceID(sc.corp.CorpID+"/"+def.id, sc.userID)
	}
	if installed && sc.scope != "snsapi_base" && !sc.web {
		info.ticket = randomString(72)
		ut := &suiteUserTicket{suite: def, corp: sc.corp, userID: sc.userID, expires: c.now.Add(suiteUserTicketTTL)}
		s.sTickets[info.ticket] = ut
		s.storeSuite(c.now, kindSuiteTicket+info.ticket, ut.expires.Add(time.Hour))
	}
	return info, nil
}

// memberTail ends both getuserinfo3rd answers for a member: the
// user_ticket of a consented scope, then open_userid (DOC 91121).
func (info *userInfo3rd) memberTail(resp object) object {
	if info.ticket != "" {
		resp = append(resp, field{"user_ticket", info.ticket}, field{"expires_in", int(suiteUserTicketTTL / time.Second)})
	}
	return append(resp, field{"open_userid", info.openUserID})
}

// getUserInfo3rd: GET service/auth/getuserinfo3rd?suite_access_token=&code=
// (DOC 91121).
func (s *Server) getUserInfo3rd(c *call) (object, *apiError) {
	info, e := s.useCode3rd(c)
	if e != nil {
		return nil, e
	}
	if info.openID != "" {
		return object{{"openid", info.openID}}, nil
	}
	resp := object{{"corpid", info.corpID}, {"userid", info.userID}}
	return info.memberTail(resp), nil
}

// legacyGetUserInfo3rd: the older path service/getuserinfo3rd with
// capitalised CorpId / UserId / DeviceId / OpenId, still documented (DOC
// 91711) and still called by SDKs (e.g. WxJava's GET_USERINFO3RD).
func (s *Server) legacyGetUserInfo3rd(c *call) (object, *apiError) {
	info, e := s.useCode3rd(c)
	if e != nil {
		return nil, e
	}
	if info.openID != "" {
		return object{{"OpenId", info.openID}, {"DeviceId", deviceID(DemoProviderCorpID, info.openID)}}, nil
	}
	resp := object{{"CorpId", info.corpID}, {"UserId", info.userID}, {"DeviceId", deviceID(info.corpID, info.openUserID)}}
	return info.memberTail(resp), nil
}

// getUserDetail3rd: POST service/auth/getuserdetail3rd {user_ticket}
// (DOC 91122): name is the userid (apps since 2020-06-30); gender, avatar,
// qr_code come with privateinfo consent.
func (s *Server) getUserDetail3rd(c *call) (object, *apiError) {
	def, e := s.suiteOf(c)
	if e != nil {
		return nil, e
	}
	var req struct {
		UserTicket string `json:"user_ticket"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	if req.UserTicket == "" {
		return nil, errMissingTicket
	}
	t := s.sTickets[req.UserTicket]
	if t == nil || t.suite != def {
		return nil, errTicketInvalid
	}
	if !c.now.Before(t.expires) {
		return nil, errTicketExpired
	}
	u := member(t.corp, t.userID)
	if u == nil {
		return nil, errTicketInvalid
	}
	gender := u.Gender
	if gender == "" {
		gender = "0"
	}
	return object{{"corpid", t.corp.CorpID}, {"userid", u.UserID}, {"name", u.UserID}, {"gender", gender},
		{"avatar", u.Avatar},
		{"qr_code", "https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=" + deviceID(t.corp.CorpID, u.UserID)[:16]}}, nil
}
