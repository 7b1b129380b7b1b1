// Package suite holds the flows of a WeCom third-party app (第三方应用) or
// 代开发 template beyond fetching its tokens: the install link
// (get_pre_auth_code, set_session_info), exchanging the temporary auth_code
// for the permanent code (get_permanent_code v1/v2, then get_auth_info for
// v2's agents), and the identity behind a third-party OAuth code
// (getuserinfo3rd, getuserdetail3rd). The wire calls are pkg/wecom's; this
// package validates input and sequences the calls; the caller supplies the
// suite_access_token. It knows nothing about terminals, keyrings or cobra.
package suite

import (
	"context"

	"github.com/wwcli/wwcli/pkg/wecom"
)

// API is the part of *wecom.Client the flows use.
type API interface {
	GetPreAuthCode(ctx context.Context, suiteAccessToken string) (wecom.PreAuthCode, error)
	SetSessionInfo(ctx context.Context, suiteAccessToken, preAuthCode string, info wecom.SessionInfo) error
	GetPermanentCode(ctx context.Context, suiteAccessToken, authCode string, v2 bool) (wecom.PermanentCode, error)
	GetAuthInfo(ctx context.Context, suiteAccessToken, authCorpID, permanentCode string) (wecom.AuthInfoResult, error)
	GetUserInfo3rd(ctx context.Context, suiteAccessToken, code string) (wecom.Identity, error)
	GetUserDetail3rd(ctx context.Context, suiteAccessToken, userTicket string) (wecom.Identity, error)
}

// Suite is one third-party app (or 代开发 template) with a way to call
// with its suite_access_token.
type Suite struct {
	ID  string
	API API
	// WithToken runs fn with the suite_access_token and, when WeCom says
	// the token went stale, once more with a fresh one (WeCom did not act
	// then, so even the auth_code exchange may be sent again). The CLI
	// passes cmdutil.SuiteSession.WithToken.
	WithToken func(ctx context.Context, fn func(suiteToken string) error) error
}

func (s *Suite) withToken(ctx context.Context, fn func(token string) error) error {
	return s.WithToken(ctx, fn)
}
