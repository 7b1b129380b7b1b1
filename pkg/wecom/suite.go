package wecom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// Third-party apps (第三方应用), providers (服务商) and 代开发 templates.
//
// Three token kinds, never interchangeable (DOC 97159, DOC 90593): the
// provider token (provider-level calls), the suite token (pre-auth codes,
// permanent codes, auth info, third-party identity) and the corp token of
// an authorized corp, which works on the ordinary corp APIs like a
// self-built app's access_token.
//
// Every call below that is a POST goes through Do, so it is repeated only
// when no connection was ever made (see the package documentation): none
// of them is sent twice blindly. Successful answers may omit errcode
// (DOC 97162, DOC 90605); Do treats a missing errcode as success.

// SuiteToken is the answer of service/get_suite_token.
type SuiteToken struct {
	SuiteAccessToken string `json:"suite_access_token"`
	ExpiresIn        int    `json:"expires_in"`
}

// GetSuiteToken exchanges a suite id (ww…/wx… for third-party apps, dk…
// for 代开发 templates), its secret and the latest suite_ticket for a
// suite_access_token (DOC 97162: POST service/get_suite_token,
// valid 2 h).
func (c *Client) GetSuiteToken(ctx context.Context, suiteID, suiteSecret, suiteTicket string) (SuiteToken, error) {
	var t SuiteToken
	_, err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/cgi-bin/service/get_suite_token",
		Body: map[string]string{"suite_id": suiteID, "suite_secret": suiteSecret, "suite_ticket": suiteTicket}}, &t)
	if err == nil && t.SuiteAccessToken == "" {
		err = fmt.Errorf("get_suite_token answered without a suite_access_token")
	}
	return t, err
}

// ProviderToken is the answer of service/get_provider_token.
type ProviderToken struct {
	ProviderAccessToken string `json:"provider_access_token"`
	ExpiresIn           int    `json:"expires_in"`
}

// GetProviderToken exchanges the provider's corp id and provider_secret
// (服务商管理后台 → 通用开发参数) for a provider_access_token (DOC 96237,
// DOC 90593: POST service/get_provider_token, valid 2 h).
func (c *Client) GetProviderToken(ctx context.Context, providerCorpID, providerSecret string) (ProviderToken, error) {
	var t ProviderToken
	_, err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/cgi-bin/service/get_provider_token",
		Body: map[string]string{"corpid": providerCorpID, "provider_secret": providerSecret}}, &t)
	if err == nil && t.ProviderAccessToken == "" {
		err = fmt.Errorf("get_provider_token answered without a provider_access_token")
	}
	return t, err
}

// GetCorpToken fetches the access_token of an authorized corp with the
// suite token and that corp's permanent code (DOC 90605: POST
// service/get_corp_token). The token is used like a self-built app's.
func (c *Client) GetCorpToken(ctx context.Context, suiteAccessToken, authCorpID, permanentCode string) (Token, error) {
	var t Token
	_, err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/cgi-bin/service/get_corp_token",
		Query: url.Values{"suite_access_token": {suiteAccessToken}},
		Body:  map[string]string{"auth_corpid": authCorpID, "permanent_code": permanentCode}}, &t)
	if err == nil && t.AccessToken == "" {
		err = fmt.Errorf("get_corp_token answered without an access_token")
	}
	return t, err
}

// PreAuthCode is the answer of service/get_pre_auth_code.
type PreAuthCode struct {
	PreAuthCode string `json:"pre_auth_code"`
	ExpiresIn   int    `json:"expires_in"` // 1200: 20 minutes
}

// GetPreAuthCode fetches a pre_auth_code for an install link (DOC 90601:
// GET service/get_pre_auth_code; a read, retried like any GET).
func (c *Client) GetPreAuthCode(ctx context.Context, suiteAccessToken string) (PreAuthCode, error) {
	var p PreAuthCode
	_, err := c.Do(ctx, Request{Method: http.MethodGet, Path: "/cgi-bin/service/get_pre_auth_code",
		Query: url.Values{"suite_access_token": {suiteAccessToken}}}, &p)
	if err == nil && p.PreAuthCode == "" {
		err = fmt.Errorf("get_pre_auth_code answered without a pre_auth_code")
	}
	return p, err
}

// Authorization types of set_session_info (DOC 90602).
const (
	AuthTypeFormal = 0 // 正式授权 (the default)
	AuthTypeTest   = 1 // 测试授权: installs an app that is not released yet
)

// SessionInfo is set_session_info's session_info. AppIDs names apps of an
// old multi-app suite; empty means all (DOC 90602).
type SessionInfo struct {
	AppIDs   []int `json:"appid,omitempty"`
	AuthType int   `json:"auth_type"`
}

// SetSessionInfo sets the authorization type of a pre_auth_code (DOC
// 90602: POST service/set_session_info). Setting it twice is harmless, but
// Do still never repeats it after a connection was made.
func (c *Client) SetSessionInfo(ctx context.Context, suiteAccessToken, preAuthCode string, info SessionInfo) error {
	_, err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/cgi-bin/service/set_session_info",
		Query: url.Values{"suite_access_token": {suiteAccessToken}},
		Body:  map[string]any{"pre_auth_code": preAuthCode, "session_info": info}}, nil)
	return err
}

// CorpRef is a corp named by id and name (dealer_corp_info, and the short
// auth_corp_info of the v2 answer).
type CorpRef struct {
	CorpID   string `json:"corpid"`
	CorpName string `json:"corp_name"`
}

// AuthCorpInfo is auth_corp_info: the corp that installed the app
// (DOC 90603). The v2 answer fills only CorpID and CorpName.
type AuthCorpInfo struct {
	CorpID            string `json:"corpid"`
	CorpName          string `json:"corp_name"`
	CorpType          string `json:"corp_type,omitempty"`
	CorpSquareLogoURL string `json:"corp_square_logo_url,omitempty"`
	CorpUserMax       int    `json:"corp_user_max,omitempty"`
	CorpFullName      string `json:"corp_full_name,omitempty"`
	VerifiedEndTime   int64  `json:"verified_end_time,omitempty"`
	SubjectType       int    `json:"subject_type,omitempty"`
	CorpWxQRCode      string `json:"corp_wxqrcode,omitempty"`
	CorpScale         string `json:"corp_scale,omitempty"`
	CorpIndustry      string `json:"corp_industry,omitempty"`
	CorpSubIndustry   string `json:"corp_sub_industry,omitempty"`
	CorpExName        string `json:"corp_ex_name,omitempty"` // v2 get_auth_info (DOC 100795)
}

// AuthAgent is one app of auth_info.agent[] (DOC 90603).
type AuthAgent struct {
	AgentID          int64           `json:"agentid"`
	Name             string          `json:"name"`
	RoundLogoURL     string          `json:"round_logo_url,omitempty"`
	SquareLogoURL    string          `json:"square_logo_url,omitempty"`
	AuthMode         int             `json:"auth_mode"` // 0 admin, 1 member
	IsCustomizedApp  bool            `json:"is_customized_app"`
	AuthFromThirdApp bool            `json:"auth_from_thirdapp,omitempty"`
	Privilege        json.RawMessage `json:"privilege,omitempty"`
	SharedFrom       json.RawMessage `json:"shared_from,omitempty"`
}

// AuthInfo is auth_info: the apps the corp authorized.
type AuthInfo struct {
	Agent []AuthAgent `json:"agent"`
}

// AuthUserInfo is the admin who installed (may be absent or empty).
type AuthUserInfo struct {
	UserID     string `json:"userid,omitempty"`
	OpenUserID string `json:"open_userid,omitempty"`
	Name       string `json:"name,omitempty"`
	Avatar     string `json:"avatar,omitempty"`
}

// PermanentCode is the answer of service/get_permanent_code (v1, DOC
// 90603) or service/v2/get_permanent_code (DOC 100776). v1 also returns
// the corp token (AccessToken) — except for 代开发 apps — and auth_info;
// v2 returns neither (call GetAuthInfo for the agents) but echoes State.
// PermanentCode is a secret: never print it unless asked.
type PermanentCode struct {
	AccessToken      string          `json:"access_token,omitempty"`
	ExpiresIn        int             `json:"expires_in,omitempty"`
	PermanentCode    string          `json:"permanent_code"`
	DealerCorpInfo   *CorpRef        `json:"dealer_corp_info,omitempty"`
	AuthCorpInfo     AuthCorpInfo    `json:"auth_corp_info"`
	AuthInfo         *AuthInfo       `json:"auth_info,omitempty"`
	AuthUserInfo     *AuthUserInfo   `json:"auth_user_info,omitempty"`
	RegisterCodeInfo json.RawMessage `json:"register_code_info,omitempty"`
	EditionInfo      json.RawMessage `json:"edition_info,omitempty"`
	State            string          `json:"state,omitempty"`
	Raw              json.RawMessage `json:"-"` // WeCom's answer as received
}

// GetPermanentCode exchanges a temporary auth_code (10 minutes, single
// use, DOC 90597) for the corp's permanent code. v2 selects
// service/v2/get_permanent_code, which the doc recommends (DOC 100776).
// The auth_code is consumed by the first call that reaches WeCom, so this
// POST is never repeated after a connection was made.
func (c *Client) GetPermanentCode(ctx context.Context, suiteAccessToken, authCode string, v2 bool) (PermanentCode, error) {
	path := "/cgi-bin/service/get_permanent_code"
	if v2 {
		path = "/cgi-bin/service/v2/get_permanent_code"
	}
	var p PermanentCode
	raw, err := c.Do(ctx, Request{Method: http.MethodPost, Path: path,
		Query: url.Values{"suite_access_token": {suiteAccessToken}},
		Body:  map[string]string{"auth_code": authCode}}, &p)
	p.Raw = raw
	if err == nil && p.PermanentCode == "" {
		err = fmt.Errorf("%s answered without a permanent_code", path)
	}
	return p, err
}

// AuthInfoResult is the answer of service/get_auth_info.
type AuthInfoResult struct {
	DealerCorpInfo *CorpRef        `json:"dealer_corp_info,omitempty"`
	AuthCorpInfo   AuthCorpInfo    `json:"auth_corp_info"`
	AuthInfo       AuthInfo        `json:"auth_info"`
	EditionInfo    json.RawMessage `json:"edition_info,omitempty"`
	Raw            json.RawMessage `json:"-"`
}

// GetAuthInfo reads what an authorized corp granted (POST
// service/get_auth_info, developer.work.weixin.qq.com/document/14943). It
// only reads, but as a POST it follows the POST retry rule.
func (c *Client) GetAuthInfo(ctx context.Context, suiteAccessToken, authCorpID, permanentCode string) (AuthInfoResult, error) {
	var a AuthInfoResult
	raw, err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/cgi-bin/service/get_auth_info",
		Query: url.Values{"suite_access_token": {suiteAccessToken}},
		Body:  map[string]string{"auth_corpid": authCorpID, "permanent_code": permanentCode}}, &a)
	a.Raw = raw
	return a, err
}

// GetUserInfo3rd turns a third-party OAuth code into an identity (DOC
// 91121: GET service/auth/getuserinfo3rd). A member comes back with
// corpid, userid, open_userid and maybe user_ticket; a non-member with
// openid only. 代开发 apps must use auth/getuserinfo instead.
func (c *Client) GetUserInfo3rd(ctx context.Context, suiteAccessToken, code string) (Identity, error) {
	raw, err := c.Do(ctx, Request{Method: http.MethodGet, Path: "/cgi-bin/service/auth/getuserinfo3rd",
		Query: url.Values{"suite_access_token": {suiteAccessToken}, "code": {code}}}, nil)
	if err != nil {
		return nil, err
	}
	return NormalizeIdentity(raw)
}

// GetUserDetail3rd reads a member's details with the user_ticket of
// GetUserInfo3rd (DOC 91122: POST service/auth/getuserdetail3rd).
func (c *Client) GetUserDetail3rd(ctx context.Context, suiteAccessToken, userTicket string) (Identity, error) {
	raw, err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/cgi-bin/service/auth/getuserdetail3rd",
		Query: url.Values{"suite_access_token": {suiteAccessToken}},
		Body:  map[string]string{"user_ticket": userTicket}}, nil)
	if err != nil {
		return nil, err
	}
	return NormalizeIdentity(raw)
}
