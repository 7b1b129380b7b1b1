package errcode

// LoginStep names which exchange of a login failed, because the same
// errcode means different things for an OAuth code and a mini-program
// js_code.
type LoginStep int

const (
	StepOAuth       LoginStep = iota // auth/getuserinfo or user/getuserinfo
	StepMiniProgram                  // miniprogram/jscode2session
	StepDetail                       // auth/getuserdetail
)

// LoginContext is where a login exchange ran.
type LoginContext struct {
	Step LoginStep
	// Sandbox: against wwcli's in-process sandbox, which knows only the
	// codes `wwcli sandbox code` issued.
	Sandbox bool
	// IgnoredBaseURL is a --base-url / WWCLI_BASE_URL that --sandbox did
	// not use: `wwcli sandbox code` without --sandbox asks that one.
	IgnoredBaseURL string
}

// SandboxCodeHint says where codes come from under --sandbox. With a base
// URL set, a plain `wwcli sandbox code` asked that sandbox instead, so the
// command to paste carries --sandbox too.
func SandboxCodeHint(at LoginContext) string {
	issue := "wwcli sandbox code"
	elsewhere := ""
	if at.IgnoredBaseURL != "" {
		issue = "wwcli --sandbox sandbox code"
		elsewhere = " (without --sandbox, `wwcli sandbox code` asks the sandbox at " + at.IgnoredBaseURL + ", the base URL set)"
	}
	if at.Step == StepMiniProgram {
		return "the in-process sandbox (--sandbox) knows only js_codes issued by `" + issue + " --miniprogram USERID`" +
			elsewhere + ", each valid once within 5 minutes, exchanged with the mini-program app's secret " +
			"(listed by `wwcli sandbox --help`)"
	}
	return "the in-process sandbox (--sandbox) knows only codes issued by `" + issue + " USERID`" + elsewhere +
		", each valid once within 5 minutes: " +
		"code=$(" + issue + ` zhangsan) && wwcli --sandbox userinfo "$code"`
}

// Advice is what a failed code exchange means for the login flow.
type Advice struct {
	Text string
	// ReplacesFix: the table's fix is wrong here and Text takes its place
	// (under --sandbox an unknown code was never issued, not reused).
	ReplacesFix bool
}

// LoginAdvice explains a failed code exchange in terms of the login flow
// (a zero Advice = nothing to add). errmsg is WeCom's, for the caller's IP.
func LoginAdvice(code int, errmsg string, at LoginContext) Advice {
	if at.Sandbox && (code == 40029 || code == 42003 || code == 42022) {
		// No full stop: the text ends in a command to paste.
		return Advice{Text: SandboxCodeHint(at), ReplacesFix: true}
	}
	if text := loginText(code, errmsg, at.Step); text != "" {
		return Advice{Text: text}
	}
	return Advice{}
}

func loginText(code int, errmsg string, step LoginStep) string {
	again := "send the user through the login again for a fresh code"
	if step == StepMiniProgram {
		again = "call wx.qy.login again in the mini program for a fresh js_code"
	}
	switch code {
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
		_, ip, _ := ParseErrmsg(errmsg)
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
		if step == StepMiniProgram {
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
