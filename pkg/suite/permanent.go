package suite

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/wwcli/wwcli/pkg/wecom"
)

// MaxAuthCodeLen bounds the temporary auth_code: WeCom's are 64 to 512
// bytes (DOC 90603). The lower bound is left to WeCom ("40058 auth_code
// exceed min length 64"), so the sandbox's shorter codes work.
const MaxAuthCodeLen = 512

// CheckAuthCode rejects what cannot be an auth_code before it is sent:
// the code is single-use, so a typo should not cost a call.
func CheckAuthCode(code string) error {
	switch {
	case code == "":
		return &InputError{Field: "auth-code", Msg: "is empty: pass the auth_code from the redirect (?auth_code=...) or the create_auth callback"}
	case strings.ContainsFunc(code, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return &InputError{Field: "auth-code", Msg: "contains spaces or control characters: copy it again from the redirect URL"}
	case len(code) > MaxAuthCodeLen:
		return &InputError{Field: "auth-code", Msg: fmt.Sprintf("is %d bytes; WeCom's are at most %d (DOC 90603)", len(code), MaxAuthCodeLen)}
	}
	return nil
}

// Agent is one app of the suite as the authorized corp granted it.
type Agent struct {
	AgentID         int    `json:"agentid"`
	Name            string `json:"name"`
	AuthMode        int    `json:"auth_mode"` // 0 admin, 1 member authorization
	IsCustomizedApp bool   `json:"is_customized_app"`
}

// CorpInfo is the authorized corp (auth_corp_info).
type CorpInfo struct {
	CorpID       string `json:"corpid"`
	CorpName     string `json:"corp_name"`
	CorpFullName string `json:"corp_full_name,omitempty"`
	CorpType     string `json:"corp_type,omitempty"`
}

// AuthUser is the admin or member who installed (auth_user_info).
type AuthUser struct {
	UserID     string `json:"userid,omitempty"`
	OpenUserID string `json:"open_userid,omitempty"`
	Name       string `json:"name,omitempty"`
}

// Authorization is what get_permanent_code (v1 or v2, and get_auth_info
// for v2's agents) tells about one install. PermanentCode and the corp
// AccessToken are secrets.
type Authorization struct {
	PermanentCode string
	AccessToken   string // v1 only, and never for 代开发 (DOC 90603)
	ExpiresIn     int
	Corp          CorpInfo
	Agents        []Agent
	AuthUser      AuthUser
	State         string // v2: the state of the install link / QR code
	V2            bool
}

// wire shapes of get_permanent_code and get_auth_info.
type permanentCodeAnswer struct {
	AccessToken   string   `json:"access_token"`
	ExpiresIn     int      `json:"expires_in"`
	PermanentCode string   `json:"permanent_code"`
	AuthCorpInfo  CorpInfo `json:"auth_corp_info"`
	AuthInfo      authInfo `json:"auth_info"`
	AuthUserInfo  AuthUser `json:"auth_user_info"`
	State         string   `json:"state"`
}

type authInfo struct {
	Agent []Agent `json:"agent"`
}

// ExchangeAuthCode turns a temporary auth_code (10 minutes, single use)
// into the corp's permanent code: POST service/get_permanent_code (DOC
// 90603, https://developer.work.weixin.qq.com/document/path/90603), or
// service/v2/get_permanent_code with v2 (DOC 100776,
// https://developer.work.weixin.qq.com/document/path/100776), which
// returns no agents: those come from one get_auth_info call after it.
//
// The POST is never repeated after it may have reached WeCom (pkg/wecom):
// a second try would meet a spent code.
func ExchangeAuthCode(ctx context.Context, c Caller, authCode string, v2 bool) (Authorization, error) {
	if err := CheckAuthCode(authCode); err != nil {
		return Authorization{}, err
	}
	path := "/cgi-bin/service/get_permanent_code"
	if v2 {
		path = "/cgi-bin/service/v2/get_permanent_code"
	}
	var ans permanentCodeAnswer
	if _, err := c.Call(ctx, wecom.Request{Method: http.MethodPost, Path: path, Body: map[string]string{"auth_code": authCode}}, &ans); err != nil {
		return Authorization{}, err
	}
	if ans.PermanentCode == "" || ans.AuthCorpInfo.CorpID == "" {
		return Authorization{}, fmt.Errorf("WeCom answered %s without permanent_code or auth_corp_info.corpid", path)
	}
	a := Authorization{PermanentCode: ans.PermanentCode, AccessToken: ans.AccessToken, ExpiresIn: ans.ExpiresIn,
		Corp: ans.AuthCorpInfo, Agents: ans.AuthInfo.Agent, AuthUser: ans.AuthUserInfo, State: ans.State, V2: v2}
	if v2 {
		info, err := GetAuthInfo(ctx, c, a.Corp.CorpID, a.PermanentCode)
		if err != nil {
			// The permanent code is ours already: hand it back with the error
			// so the caller still stores it.
			return a, &AgentsError{Err: err}
		}
		a.Agents = info.Agents
		if info.Corp.CorpName != "" {
			a.Corp = info.Corp
		}
	}
	if a.Agents == nil {
		a.Agents = []Agent{}
	}
	return a, nil
}

// AgentsError says the permanent code was obtained but the agents could
// not be read (get_auth_info failed after v2/get_permanent_code).
type AgentsError struct{ Err error }

func (e *AgentsError) Error() string {
	return "got the permanent code, but get_auth_info failed: " + e.Err.Error()
}

func (e *AgentsError) Unwrap() error { return e.Err }

// AuthInfo is the answer of get_auth_info.
type AuthInfo struct {
	Corp   CorpInfo
	Agents []Agent
}

// GetAuthInfo reads the authorization of a corp: POST
// service/get_auth_info {auth_corpid, permanent_code} (page
// https://developer.work.weixin.qq.com/document/14943). It only reads, but
// as a POST it is repeated only when it never left.
func GetAuthInfo(ctx context.Context, c Caller, corpID, permanentCode string) (AuthInfo, error) {
	var ans permanentCodeAnswer
	body := map[string]string{"auth_corpid": corpID, "permanent_code": permanentCode}
	if _, err := c.Call(ctx, wecom.Request{Method: http.MethodPost, Path: "/cgi-bin/service/get_auth_info", Body: body}, &ans); err != nil {
		return AuthInfo{}, err
	}
	agents := ans.AuthInfo.Agent
	if agents == nil {
		agents = []Agent{}
	}
	return AuthInfo{Corp: ans.AuthCorpInfo, Agents: agents}, nil
}
