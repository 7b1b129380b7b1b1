//go:build unix

package cmd

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// Third-party examples (docs/third-party.md, `wwcli suite ...`) that do not
// use --sandbox run against the examples' shared sandbox as a provider's
// CI would: the demo suite in WWCLI_SUITE_ID / WWCLI_SUITE_SECRET, a fresh
// suite_ticket in WWCLI_SUITE_TICKET, the permanent code of the demo corp's
// install in WWCLI_PERMANENT_CODE, and placeholders $AUTH_CODE (a fresh
// install's auth_code), $SUITE_CODE (a getuserinfo3rd code for zhangsan)
// and $SUITE_ID.
func (e *exampleEnv) suiteVars(t *testing.T, line string, vars map[string]string) {
	t.Helper()
	vars["SUITE_ID"] = sandbox.DemoSuiteID
	if strings.HasPrefix(line, "wwcli --sandbox ") || !needsSuite(line) {
		return
	}
	ticket, _, err := e.srv.PushSuiteTicket(sandbox.DemoSuiteID)
	if err != nil {
		t.Fatal(err)
	}
	vars["WWCLI_SUITE_ID"], vars["WWCLI_SUITE_SECRET"], vars["WWCLI_SUITE_TICKET"] = sandbox.DemoSuiteID, sandbox.DemoSuiteSecret, ticket
	vars["WWCLI_PERMANENT_CODE"] = e.permanentCode(t)
	auth, err := e.srv.AuthorizeSuite(sandbox.SuiteAuthorizeRequest{SuiteID: sandbox.DemoSuiteID, PreAuthCode: e.preAuthCode(t, ticket)})
	if err != nil {
		t.Fatal(err)
	}
	vars["AUTH_CODE"] = auth.AuthCode
	code, err := e.srv.IssueSuiteCode(sandbox.SuiteCodeRequest{UserID: "zhangsan"})
	if err != nil {
		t.Fatal(err)
	}
	vars["SUITE_CODE"] = code
}

func needsSuite(line string) bool {
	for _, s := range []string{"wwcli suite ", "--auth-corp", "userinfo --suite", "$AUTH_CODE", "$SUITE_CODE"} {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

// permanentCode installs the demo suite in the demo corp once; a later
// install of the same corp keeps the code (as WeCom's re-authorization does).
func (e *exampleEnv) permanentCode(t *testing.T) string {
	t.Helper()
	e.suiteMu.Lock()
	defer e.suiteMu.Unlock()
	if e.suitePermanent != "" {
		return e.suitePermanent
	}
	ticket, _, err := e.srv.PushSuiteTicket(sandbox.DemoSuiteID)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := e.srv.AuthorizeSuite(sandbox.SuiteAuthorizeRequest{SuiteID: sandbox.DemoSuiteID, PreAuthCode: e.preAuthCode(t, ticket)})
	if err != nil {
		t.Fatal(err)
	}
	c := wecom.New(e.base, http.DefaultClient)
	tok, err := c.GetSuiteToken(context.Background(), sandbox.DemoSuiteID, sandbox.DemoSuiteSecret, ticket)
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.GetPermanentCode(context.Background(), tok.SuiteAccessToken, auth.AuthCode, false)
	if err != nil {
		t.Fatal(err)
	}
	e.suitePermanent = p.PermanentCode
	return p.PermanentCode
}

// preAuthCode: an install from the provider's site starts with one (a
// market install would push create_auth instead).
func (e *exampleEnv) preAuthCode(t *testing.T, ticket string) string {
	t.Helper()
	c := wecom.New(e.base, http.DefaultClient)
	tok, err := c.GetSuiteToken(context.Background(), sandbox.DemoSuiteID, sandbox.DemoSuiteSecret, ticket)
	if err != nil {
		t.Fatal(err)
	}
	pre, err := c.GetPreAuthCode(context.Background(), tok.SuiteAccessToken)
	if err != nil {
		t.Fatal(err)
	}
	return pre.PreAuthCode
}
