package errcode

import (
	"strings"
	"testing"
)

func TestLoginAdvice(t *testing.T) {
	for _, c := range []struct {
		code    int
		errmsg  string
		at      LoginContext
		want    string
		replace bool
	}{
		{40029, "", LoginContext{}, "each code is single-use", false},
		{42022, "", LoginContext{Step: StepMiniProgram}, "call wx.qy.login again", false},
		{40029, "", LoginContext{Sandbox: true}, "`wwcli sandbox code USERID`", true},
		{40029, "", LoginContext{Step: StepMiniProgram, Sandbox: true}, "`wwcli sandbox code --miniprogram USERID`", true},
		{40029, "", LoginContext{Sandbox: true, IgnoredBaseURL: "http://127.0.0.1:8399"},
			"`wwcli --sandbox sandbox code USERID` (without --sandbox, `wwcli sandbox code` asks the sandbox at http://127.0.0.1:8399", true},
		{60020, "not allow, from ip: 203.0.113.9, more info at x", LoginContext{}, "add 203.0.113.9 to the app's 企业可信IP", false},
		{60020, "not allow", LoginContext{}, "add this server's egress IP", false},
		{40014, "", LoginContext{Step: StepMiniProgram}, "linked to the mini program", false},
		{84014, "", LoginContext{Step: StepDetail}, "user_ticket lives 1800 s", false},
		// other codes under --sandbox keep the ordinary advice
		{50001, "", LoginContext{Sandbox: true}, "trusted domain", false},
	} {
		a := LoginAdvice(c.code, c.errmsg, c.at)
		if !strings.Contains(a.Text, c.want) || a.ReplacesFix != c.replace {
			t.Errorf("LoginAdvice(%d, %+v) = %+v, want %q (replaces fix: %v)", c.code, c.at, a, c.want, c.replace)
		}
	}
	if a := LoginAdvice(40001, "", LoginContext{}); a != (Advice{}) {
		t.Errorf("40001 has no login advice: %+v", a)
	}
	// the suggested command works when pasted: nothing after its last quote
	for _, at := range []LoginContext{{Sandbox: true}, {Sandbox: true, IgnoredBaseURL: "http://127.0.0.1:8399"}} {
		if hint := SandboxCodeHint(at); !strings.HasSuffix(hint, `wwcli --sandbox userinfo "$code"`) {
			t.Errorf("hint must end with the command: %q", hint)
		}
	}
}
