package suite

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/wwcli/wwcli/pkg/wecom"
)

// Third-party identity endpoints, called with the suite_access_token of the
// suite the user logged in to.
const (
	// PathUserInfo3rd: GET ?code= → member {corpid, userid, user_ticket,
	// expires_in, open_userid} or non-member {openid} (DOC 91121,
	// https://developer.work.weixin.qq.com/document/path/91121). 代开发
	// apps may not use it: they call auth/getuserinfo with the corp token.
	PathUserInfo3rd = "/cgi-bin/service/auth/getuserinfo3rd"
	// PathUserDetail3rd: POST {user_ticket} → {corpid, userid, name,
	// gender, avatar, qr_code} (DOC 91122,
	// https://developer.work.weixin.qq.com/document/path/91122).
	PathUserDetail3rd = "/cgi-bin/service/auth/getuserdetail3rd"
)

// UserInfo3rd exchanges a third-party OAuth code (single use, 5 minutes)
// and returns WeCom's raw answer.
func UserInfo3rd(ctx context.Context, c Caller, code string) (json.RawMessage, error) {
	return c.Call(ctx, wecom.Request{Method: http.MethodGet, Path: PathUserInfo3rd, Query: url.Values{"code": {code}}}, nil)
}

// UserDetail3rd reads a member's details with the user_ticket of
// UserInfo3rd (only issued for scope snsapi_privateinfo, in the visible range).
func UserDetail3rd(ctx context.Context, c Caller, userTicket string) (json.RawMessage, error) {
	return c.Call(ctx, wecom.Request{Method: http.MethodPost, Path: PathUserDetail3rd, Body: map[string]string{"user_ticket": userTicket}}, nil)
}
