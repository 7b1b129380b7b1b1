// Package suite holds the flows of a WeCom third-party app (第三方应用) or
// 代开发 template beyond fetching its tokens: the install link
// (get_pre_auth_code, set_session_info), exchanging the temporary auth_code
// for the permanent code (get_permanent_code v1/v2, then get_auth_info for
// v2's agents), and the identity behind a third-party OAuth code
// (getuserinfo3rd, getuserdetail3rd). The wire calls are pkg/wecom's; this
// package validates input, sequences the calls and retries once with a
// fresh suite_access_token when WeCom says it went stale. It knows nothing
// about terminals, keyrings or cobra.
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

// Suite is one third-party app (or 代开发 template) with a way to get its
// suite_access_token.
type Suite struct {
	ID  string
	API API
	// Token returns the suite_access_token, a fresh one when refresh is set
	// (the cache's copy was refused).
	Token func(ctx context.Context, refresh bool) (string, error)
}

// staleSuiteToken: WeCom refused the suite_access_token itself (40082
// invalid, 42009 expired; DOC 90605's errors). WeCom did not act, so the
// call may be sent again — even a POST that spends an auth_code.
func staleSuiteToken(err error) bool { return wecom.IsCode(err, 40082, 42009) }

// withToken runs fn with the suite token, once more with a fresh one when
// the first was stale.
func (s *Suite) withToken(ctx context.Context, fn func(token string) error) error {
	tok, err := s.Token(ctx, false)
	if err != nil {
		return err
	}
	if err = fn(tok); err == nil || !staleSuiteToken(err) {
		return err
	}
	if tok, err = s.Token(ctx, true); err != nil {
		return err
	}
	return fn(tok)
}
