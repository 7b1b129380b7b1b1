package sandbox

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"time"
)

func (s *Server) getToken(c *call) (object, *apiError) {
	corpID, secret := c.q.Get("corpid"), c.q.Get("corpsecret")
	if corpID == "" {
		return nil, errMissingCorpID
	}
	if secret == "" {
		return nil, errMissingSecret
	}
	corp := s.corps[corpID]
	if corp == nil {
		return nil, errInvalidCorpID
	}
	ref, ok := corp.secrets[secret]
	if !ok {
		for _, other := range s.corps {
			if _, found := other.secrets[secret]; found && other != corp {
				return nil, errSecretOtherCorp
			}
		}
		return nil, errInvalidCredential
	}
	if ref.app != nil && ref.app.Closed {
		return nil, errInvalidCredential
	}
	s.pruneTokens(c.now)
	// A repeated gettoken within the lifetime returns the same token: DOC
	// 91039 as published in 2020 ("有效期内重复获取返回相同结果，过期后获取会返回新的
	// access_token"; the 2024-03-26 page dropped the sentence, see
	// docs/sandbox.md). expires_in is then what is left of it (sandbox choice; the
	// docs do not say). Tokens are per secret, so the key is (corp, secret).
	key := liveKey(corp, ref)
	if at, ok := s.liveTokens[key]; ok {
		if t := s.tokens[at]; t != nil && c.now.Before(t.expires) {
			return object{{"access_token", at}, {"expires_in", remaining(t.expires, c.now)}}, nil
		}
	}
	at := randomString(96)
	s.storeToken(at, &token{corp: corp, app: ref.app, kind: ref.kind, expires: c.now.Add(s.opts.TokenTTL)})
	s.liveTokens[key] = at
	return object{{"access_token", at}, {"expires_in", int(s.opts.TokenTTL / time.Second)}}, nil
}

// liveState is the token and the tickets each secret has now, so a repeated
// call returns them (DOC 91039, 2020 copy) instead of minting new ones.
type liveState struct {
	liveTokens  map[string]string      // liveKey -> access_token
	liveTickets map[string]*liveTicket // "jsapi/" or "agent/" + liveKey
}

type liveTicket struct {
	Value   string    `json:"ticket"`
	Expires time.Time `json:"expires"`
}

func newLiveState() liveState {
	return liveState{liveTokens: map[string]string{}, liveTickets: map[string]*liveTicket{}}
}

func liveKey(corp *corpIndex, ref secretRef) string {
	agent := int64(0)
	if ref.app != nil {
		agent = ref.app.AgentID
	}
	return fmt.Sprintf("%s/%d/%d", corp.CorpID, ref.kind, agent)
}

// remaining is a lifetime left in whole seconds, at least 1.
func remaining(expires, now time.Time) int {
	return max(1, int(expires.Sub(now)/time.Second))
}

// ticket returns the live ticket of kind for the caller's app, or a new one.
// WeCom documents no reuse rule for tickets (docs/sandbox.md): the
// sandbox treats them like tokens, one per app until it expires.
func (s *Server) ticket(c *call, kind string) object {
	key := kind + "/" + liveKey(c.tok.corp, secretRef{app: c.tok.app, kind: c.tok.kind})
	if t := s.liveTickets[key]; t != nil && c.now.Before(t.Expires) {
		return object{{"ticket", t.Value}, {"expires_in", remaining(t.Expires, c.now)}}
	}
	t := &liveTicket{Value: randomString(64), Expires: c.now.Add(ticketTTL)}
	s.liveTickets[key] = t
	return object{{"ticket", t.Value}, {"expires_in", int(ticketTTL / time.Second)}}
}

func (s *Server) corpTicket(c *call) (object, *apiError) {
	if c.tok.app == nil {
		return nil, errAPIForbidden
	}
	return s.ticket(c, "jsapi"), nil
}

func (s *Server) agentTicket(c *call) (object, *apiError) {
	if c.q.Get("type") != "agent_config" {
		return nil, errBadTicketType
	}
	if c.tok.app == nil {
		return nil, errAPIForbidden
	}
	return s.ticket(c, "agent"), nil
}

// useCode consumes a code of kind for the caller's app: codes are single
// use and live 5 minutes; any misuse is 40029 like WeCom.
func (s *Server) useCode(c *call, param, kind string) (*authCode, *apiError) {
	code := c.q.Get(param)
	if code == "" {
		return nil, errMissingCode
	}
	cd := s.codes[code]
	if cd == nil && s.opts.Codes != nil {
		var e *apiError
		if cd, e = s.takeStoredCode(c, code, kind); e != nil {
			return nil, e
		}
	}
	if cd == nil || cd.kind != kind || cd.corp != c.tok.corp || c.tok.app == nil ||
		(cd.agentID != 0 && cd.agentID != c.tok.app.AgentID) {
		return nil, errInvalidCode
	}
	delete(s.codes, code)
	if !c.now.Before(cd.expires) {
		return nil, errInvalidCode
	}
	return cd, nil
}

// privateTicket issues a user_ticket when the code was granted with
// snsapi_privateinfo and the member is inside the app's visible range.
func (s *Server) privateTicket(c *call, cd *authCode) string {
	if cd.scope != "snsapi_privateinfo" || cd.userID == "" {
		return ""
	}
	u := cd.corp.user(cd.userID)
	if u == nil || !cd.corp.userVisible(c.tok.app, u) {
		return ""
	}
	t := randomString(96)
	s.storeTicket(t, &userTicket{corp: cd.corp, agentID: c.tok.app.AgentID, userID: cd.userID, expires: c.now.Add(userTicketTTL)})
	return t
}

func (s *Server) authGetUserInfo(c *call) (object, *apiError) {
	cd, e := s.useCode(c, "code", codeOAuth)
	if e != nil {
		return nil, e
	}
	if cd.userID == "" {
		return object{{"openid", cd.openID}}, nil
	}
	resp := object{{"userid", cd.userID}}
	if t := s.privateTicket(c, cd); t != "" {
		resp = append(resp, field{"user_ticket", t})
	}
	return resp, nil
}

func (s *Server) legacyGetUserInfo(c *call) (object, *apiError) {
	cd, e := s.useCode(c, "code", codeOAuth)
	if e != nil {
		return nil, e
	}
	device := deviceID(cd.corp.CorpID, cd.userID+cd.openID)
	if cd.userID == "" {
		return object{{"OpenId", cd.openID}, {"DeviceId", device}}, nil
	}
	resp := object{{"UserId", cd.userID}, {"DeviceId", device}}
	if t := s.privateTicket(c, cd); t != "" {
		resp = append(resp, field{"user_ticket", t}, field{"expires_in", int(userTicketTTL / time.Second)})
	}
	return resp, nil
}

// memberQRCode is a member's personal QR code URL, stable per member.
func memberQRCode(corpID, userID string) string {
	return "https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=" + deviceID(corpID, userID)[:16]
}

// deviceID is stable per member, like an installed client's id.
func deviceID(corpID, who string) string {
	sum := sha1.Sum([]byte(corpID + "/" + who))
	return hex.EncodeToString(sum[:16])
}

func (s *Server) authGetUserDetail(c *call) (object, *apiError) {
	var req struct {
		UserTicket string `json:"user_ticket"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	if req.UserTicket == "" {
		return nil, errMissingTicket
	}
	t := s.tickets[req.UserTicket]
	if t == nil || t.corp != c.tok.corp || c.tok.app == nil || t.agentID != c.tok.app.AgentID {
		return nil, errTicketInvalid
	}
	if !c.now.Before(t.expires) {
		return nil, errTicketExpired
	}
	u := t.corp.user(t.userID)
	if u == nil {
		return nil, errTicketInvalid
	}
	gender := u.Gender
	if gender == "" {
		gender = "0"
	}
	return object{
		{"userid", u.UserID}, {"gender", gender}, {"avatar", u.Avatar},
		{"qr_code", memberQRCode(t.corp.CorpID, u.UserID)},
		{"mobile", u.Mobile}, {"email", u.Email}, {"biz_mail", u.BizMail}, {"address", u.Address},
	}, nil
}

func (s *Server) jscode2session(c *call) (object, *apiError) {
	if c.tok.app == nil || c.tok.app.MiniProgramAppID == "" {
		// WeCom: a token of an app not linked to the mini program is 40014.
		return nil, errInvalidToken
	}
	if c.q.Get("js_code") == "" {
		return nil, errMissingCode
	}
	if c.q.Get("grant_type") != "authorization_code" {
		return nil, errInvalidParam
	}
	cd, e := s.useCode(c, "js_code", codeMiniProgram)
	if e != nil {
		return nil, e
	}
	return object{{"corpid", cd.corp.CorpID}, {"userid", cd.userID}, {"session_key", randomStdBase64(16)}}, nil
}

// RotateTokens makes the next gettoken and ticket calls mint new values.
// With invalidate, the tokens issued so far stop working at once (40014),
// as when WeCom invalidates a token early (DOC 91039: 企业微信可能会出于运营
// 需要，提前使access_token失效); without, they stay valid until they expire.
func (s *Server) RotateTokens(invalidate bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if invalidate {
		for at := range s.tokens {
			delete(s.tokens, at)
		}
	}
	s.liveState = newLiveState()
	s.changed()
}
