package suite

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/wwcli/wwcli/pkg/oauth"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// InstallEndpoint is the page that asks an admin to install the app
// (DOC 90597, https://developer.work.weixin.qq.com/document/path/90597).
const InstallEndpoint = "https://open.work.weixin.qq.com/3rdapp/install"

// InstallParams are the inputs of an install link.
type InstallParams struct {
	SuiteID     string
	RedirectURI string // where WeCom sends the admin with ?auth_code=&state=
	State       string // [A-Za-z0-9], ≤ 128 bytes
	Test        bool   // test authorization (auth_type 1)
}

// Install is an install link with what it was built from.
type Install struct {
	URL         string   `json:"url"`
	SuiteID     string   `json:"suite_id"`
	PreAuthCode string   `json:"pre_auth_code"`
	ExpiresIn   int      `json:"expires_in"`
	AuthType    int      `json:"auth_type"`
	RedirectURI string   `json:"redirect_uri,omitempty"`
	State       string   `json:"state,omitempty"`
	Warnings    []string `json:"warnings"`
}

// ValidateInstall checks p before anything is asked of WeCom.
func ValidateInstall(p InstallParams) ([]string, error) {
	if p.SuiteID == "" {
		return nil, &InputError{Field: "suite-id", Msg: "the suite id is required"}
	}
	if strings.ContainsFunc(p.SuiteID, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, &InputError{Field: "suite-id", Msg: fmt.Sprintf("%q contains spaces or control characters", p.SuiteID)}
	}
	return CheckInstallInput(p)
}

// CheckInstallInput checks what the user typed (redirect URI, state), so
// a CLI can refuse it before it resolves the suite and fetches a token.
func CheckInstallInput(p InstallParams) ([]string, error) {
	if len(p.State) > oauth.MaxStateLen {
		return nil, &InputError{Field: "state", Msg: fmt.Sprintf("is %d bytes; WeCom allows at most %d (DOC 90597)", len(p.State), oauth.MaxStateLen)}
	}
	for i := 0; i < len(p.State); i++ {
		if c := p.State[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return nil, &InputError{Field: "state", Msg: fmt.Sprintf("may only contain letters and digits [A-Za-z0-9] (DOC 90597); found %q at byte %d", p.State[i:i+1], i)}
		}
	}
	var warnings []string
	if p.RedirectURI == "" {
		warnings = append(warnings, "no --redirect-uri: after consent WeCom has nowhere to send the auth_code; pass a page on the app's 授权完成回调域名 (DOC 90597)")
	} else {
		u, err := url.Parse(p.RedirectURI)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
			return nil, &InputError{Field: "redirect-uri", Msg: fmt.Sprintf("must be an absolute http(s) URL such as https://app.example.com/installed, got %q", p.RedirectURI)}
		}
		if strings.ContainsFunc(p.RedirectURI, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return nil, &InputError{Field: "redirect-uri", Msg: "contains spaces or control characters; percent-encode them"}
		}
	}
	if strings.HasPrefix(p.SuiteID, "dk") {
		warnings = append(warnings, "suite id "+p.SuiteID+" is a 代开发 template (dk…): custom-developed apps are usually installed by QR code (get_customized_auth_url, DOC 98744)")
	}
	return warnings, nil
}

// InstallURL builds the install link in the order of DOC 90597's template:
// suite_id, pre_auth_code, redirect_uri (percent-encoded once), state.
func InstallURL(suiteID, preAuthCode, redirectURI, state string) string {
	var b strings.Builder
	b.WriteString(InstallEndpoint)
	b.WriteString("?suite_id=" + oauth.Escape(suiteID))
	b.WriteString("&pre_auth_code=" + oauth.Escape(preAuthCode))
	if redirectURI != "" {
		b.WriteString("&redirect_uri=" + oauth.Escape(redirectURI))
	}
	if state != "" {
		b.WriteString("&state=" + oauth.Escape(state))
	}
	return b.String()
}

// NewInstall gets a pre_auth_code (DOC 90601), marks it a test
// authorization when p.Test (set_session_info auth_type 1, DOC 90602; a
// formal one needs no call, 0 is the default) and builds the install link.
func (s *Suite) NewInstall(ctx context.Context, p InstallParams) (Install, error) {
	p.SuiteID = s.ID
	warnings, err := ValidateInstall(p)
	if err != nil {
		return Install{}, err
	}
	var pre wecom.PreAuthCode
	err = s.withToken(ctx, func(tok string) error {
		if pre, err = s.API.GetPreAuthCode(ctx, tok); err != nil {
			return err
		}
		if p.Test {
			return s.API.SetSessionInfo(ctx, tok, pre.PreAuthCode, wecom.SessionInfo{AuthType: wecom.AuthTypeTest})
		}
		return nil
	})
	if err != nil {
		return Install{}, err
	}
	in := Install{SuiteID: p.SuiteID, PreAuthCode: pre.PreAuthCode, ExpiresIn: pre.ExpiresIn, AuthType: wecom.AuthTypeFormal,
		RedirectURI: p.RedirectURI, State: p.State, Warnings: warnings}
	if in.Warnings == nil {
		in.Warnings = []string{}
	}
	if p.Test {
		in.AuthType = wecom.AuthTypeTest
	}
	in.URL = InstallURL(p.SuiteID, pre.PreAuthCode, p.RedirectURI, p.State)
	return in, nil
}

// InputError is an input that breaks a documented rule; Field names the
// flag it came from.
type InputError struct {
	Field string
	Msg   string
}

func (e *InputError) Error() string { return "--" + e.Field + " " + e.Msg }
