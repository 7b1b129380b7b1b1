package userinfo

import (
	"errors"

	"github.com/wwcli/wwcli/pkg/errcode"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// loginError is a WeCom error from a code exchange with one more line that
// says what it means for the login flow. The root prints Explain(); the
// exit code (3) comes from the wrapped *wecom.APIError.
type loginError struct {
	api   *wecom.APIError
	login string
}

func (e *loginError) Error() string { return e.api.Error() }
func (e *loginError) Unwrap() error { return e.api }

// Explain is the standard errcode explanation plus the login-flow line.
func (e *loginError) Explain() string {
	return e.api.Explain() + "\n  login: " + e.login
}

// step names which exchange failed, because the same errcode means
// different things for an OAuth code and a mini-program js_code.
type step int

const (
	stepOAuth       step = iota // auth/getuserinfo or user/getuserinfo
	stepMiniProgram             // miniprogram/jscode2session
	stepDetail                  // auth/getuserdetail
)

// explainLogin wraps err with a login-flow explanation when it is a WeCom
// error we know something about; anything else is returned unchanged.
func explainLogin(err error, s step) error {
	var api *wecom.APIError
	if !errors.As(err, &api) {
		return err
	}
	line := loginAdvice(api, s)
	if line == "" {
		return err
	}
	return &loginError{api: api, login: line}
}

// loginAdvice is the text for one errcode in one step ("" = nothing to add).
func loginAdvice(api *wecom.APIError, s step) string {
	again := "send the user through the login again for a fresh code"
	if s == stepMiniProgram {
		again = "call wx.qy.login again in the mini program for a fresh js_code"
	}
	switch api.Code {
	case 40029, 42003, 42022:
		return "each code is single-use and dies 5 minutes after the redirect; " + again +
			", never retry with the same code. Failing on the first try means something else used it first " +
			"(two servers racing, a retried request, a page reload): exchange each code exactly once, on one server."
	case 41008:
		return "the code is missing: read it from the redirect's ?code= query parameter (or wx.qy.login's res.code)."
	case 50001:
		return "the redirect_uri's domain must exactly match the trusted domain (可信域名) of the app whose secret made " +
			"this token: no parent-domain match, the port counts, and IPs are not allowed. Set the app's trusted domain, " +
			"or use the secret of the app the login URL was built for."
	case 60020:
		_, ip, _ := errcode.ParseErrmsg(api.Msg)
		who := "this server's egress IP"
		if ip != "" {
			who = ip
		}
		return "WeCom refuses code exchanges from IPs the app does not trust: add " + who +
			" to the app's 企业可信IP (应用管理 → the app → 企业可信IP; third-party/代开发 apps: the provider IP whitelist). " +
			"It takes about a minute to apply."
	case 60021, 50002:
		return "the member is outside the app's visible range (可见范围): add them or their department to the app's " +
			"visible range in 应用管理, or log in with an app that can see them."
	case 40014:
		if s == stepMiniProgram {
			return "jscode2session needs a token made from the secret of the WeCom app linked to the mini program, " +
				"with the corp id (ww...) — not the mini program's appid/secret and not another app's secret."
		}
		return "this token cannot exchange codes: use the corp id with the secret of the app the user logged in to " +
			"(the contact-sync secret never can)."
	case 84014, 84015, 84090:
		return "a user_ticket lives 1800 s and belongs to the app that received the code: " + again +
			" (scope snsapi_privateinfo) and call getuserdetail with the same app's secret."
	}
	return ""
}
