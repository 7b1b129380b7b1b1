package suite

import (
	"context"
	"fmt"
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
	AgentID         int64  `json:"agentid"`
	Name            string `json:"name"`
	AuthMode        int    `json:"auth_mode"` // 0 admin, 1 member authorization
	IsCustomizedApp bool   `json:"is_customized_app"`
}

// Authorization is what one install tells: the corp, its agents, the
// installing user. PermanentCode and the corp AccessToken are secrets.
type Authorization struct {
	PermanentCode string
	AccessToken   string // v1 only, and never for 代开发 (DOC 90603)
	ExpiresIn     int
	CorpID        string
	CorpName      string
	CorpFullName  string
	Agents        []Agent
	AuthUser      wecom.AuthUserInfo
	State         string // v2: the state of the install link or QR code
	V2            bool
}

// Exchange turns a temporary auth_code (10 minutes, single use) into the
// corp's permanent code: service/get_permanent_code (DOC 90603,
// https://developer.work.weixin.qq.com/document/path/90603), or with v2
// service/v2/get_permanent_code (DOC 100776,
// https://developer.work.weixin.qq.com/document/path/100776), which returns
// no agents: one get_auth_info call (developer.work.weixin.qq.com/document/14943)
// follows for them.
//
// The exchange is sent again only when WeCom refused the suite token (it
// did not act then); pkg/wecom never repeats it after it may have reached
// WeCom, since a second try would meet a spent code.
func (s *Suite) Exchange(ctx context.Context, authCode string, v2 bool) (Authorization, error) {
	if err := CheckAuthCode(authCode); err != nil {
		return Authorization{}, err
	}
	var pc wecom.PermanentCode
	err := s.withToken(ctx, func(tok string) error {
		var err error
		pc, err = s.API.GetPermanentCode(ctx, tok, authCode, v2)
		return err
	})
	if err != nil {
		return Authorization{}, err
	}
	if pc.AuthCorpInfo.CorpID == "" {
		return Authorization{}, fmt.Errorf("WeCom answered get_permanent_code without auth_corp_info.corpid")
	}
	a := Authorization{PermanentCode: pc.PermanentCode, AccessToken: pc.AccessToken, ExpiresIn: pc.ExpiresIn,
		CorpID: pc.AuthCorpInfo.CorpID, CorpName: pc.AuthCorpInfo.CorpName, CorpFullName: pc.AuthCorpInfo.CorpFullName,
		State: pc.State, V2: v2, Agents: []Agent{}}
	if pc.AuthUserInfo != nil {
		a.AuthUser = *pc.AuthUserInfo
	}
	if pc.AuthInfo != nil {
		a.Agents = agents(pc.AuthInfo.Agent)
	}
	if v2 {
		var info wecom.AuthInfoResult
		err := s.withToken(ctx, func(tok string) error {
			var err error
			info, err = s.API.GetAuthInfo(ctx, tok, a.CorpID, a.PermanentCode)
			return err
		})
		if err != nil {
			// The permanent code is ours already: hand it back with the
			// error, so the caller still stores it.
			return a, &AgentsError{Err: err}
		}
		a.Agents = agents(info.AuthInfo.Agent)
		if info.AuthCorpInfo.CorpName != "" {
			a.CorpName, a.CorpFullName = info.AuthCorpInfo.CorpName, info.AuthCorpInfo.CorpFullName
		}
	}
	return a, nil
}

func agents(in []wecom.AuthAgent) []Agent {
	out := make([]Agent, 0, len(in))
	for _, ag := range in {
		out = append(out, Agent{AgentID: ag.AgentID, Name: ag.Name, AuthMode: ag.AuthMode, IsCustomizedApp: ag.IsCustomizedApp})
	}
	return out
}

// AgentsError says the permanent code was obtained but its agents could
// not be read (get_auth_info failed after v2/get_permanent_code).
type AgentsError struct{ Err error }

func (e *AgentsError) Error() string {
	return "got the permanent code, but get_auth_info failed: " + e.Err.Error()
}

func (e *AgentsError) Unwrap() error { return e.Err }

// UserInfo exchanges a third-party OAuth code (single use, 5 minutes) with
// service/auth/getuserinfo3rd (DOC 91121): a member comes back with
// corpid, userid, open_userid and maybe user_ticket, a non-member with
// openid only. 代开发 apps may not use it (they call auth/getuserinfo).
func (s *Suite) UserInfo(ctx context.Context, code string) (wecom.Identity, error) {
	var id wecom.Identity
	err := s.withToken(ctx, func(tok string) error {
		var err error
		id, err = s.API.GetUserInfo3rd(ctx, tok, code)
		return err
	})
	return id, err
}

// UserDetail reads a member's details with the user_ticket of UserInfo
// (service/auth/getuserdetail3rd, DOC 91122).
func (s *Suite) UserDetail(ctx context.Context, userTicket string) (wecom.Identity, error) {
	var id wecom.Identity
	err := s.withToken(ctx, func(tok string) error {
		var err error
		id, err = s.API.GetUserDetail3rd(ctx, tok, userTicket)
		return err
	})
	return id, err
}
