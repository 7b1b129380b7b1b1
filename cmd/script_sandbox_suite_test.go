package cmd

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/wwcli/wwcli/pkg/sandbox"
)

const sandboxSuiteUsage = `usage: sandbox-suite ticket|token|install|callback URL [--verify]|authorize [INSTALL_URL]|code USERID|change|cancel|reset-code [--suite ID] [--corpid C] [--env NAME] [--pre-auth-code C] [--state S] [--scope S]`

// sandboxSuite drives the third-party world of the script's sandbox (what
// the provider console, the install page and a member's login do); see
// the sandbox-suite lines at the top of script_sandbox_test.go.
func sandboxSuite(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("%s", sandboxSuiteUsage)
	}
	var suiteID, corpID, envName, preAuth, state, scope string
	var verify bool
	rest := parseFlags(ts, "sandbox-suite", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&suiteID, "suite", "", "")
		fs.StringVar(&corpID, "corpid", "", "")
		fs.StringVar(&envName, "env", "", "")
		fs.StringVar(&preAuth, "pre-auth-code", "", "")
		fs.StringVar(&state, "state", "", "")
		fs.StringVar(&scope, "scope", "", "")
		fs.BoolVar(&verify, "verify", false, "")
	})
	srv := scriptSandbox(ts)
	setEnv := func(def, value string) {
		if envName == "" {
			envName = def
		}
		ts.Setenv(envName, value)
	}
	wantArgs := func(n int) {
		if len(rest) != n {
			ts.Fatalf("%s", sandboxSuiteUsage)
		}
	}
	// The command fails on an error or a failed push; with ! it must fail.
	// The error goes to stderr, a push's result to stdout as JSON.
	var err error
	var res *sandbox.PushResult
	switch args[0] {
	case "ticket":
		wantArgs(0)
		var t string
		if t, res, err = srv.PushSuiteTicket(suiteID); err == nil {
			setEnv("SUITE_TICKET", t)
		}
	case "token":
		noNeg(ts, neg, "sandbox-suite token")
		wantArgs(0)
		setEnv("SUITE_TOKEN", scriptSuiteToken(ts, srv, suiteID))
	case "install":
		noNeg(ts, neg, "sandbox-suite install")
		wantArgs(0)
		token := scriptSuiteToken(ts, srv, suiteID)
		pre := scriptJSON(ts, http.MethodGet, "/cgi-bin/service/get_pre_auth_code?suite_access_token="+token, "")
		out, err := srv.AuthorizeSuite(sandbox.SuiteAuthorizeRequest{SuiteID: suiteID, CorpID: corpID, PreAuthCode: pre["pre_auth_code"].(string)})
		ts.Check(err)
		pc := scriptJSON(ts, http.MethodPost, "/cgi-bin/service/get_permanent_code?suite_access_token="+token,
			`{"auth_code":"`+out.AuthCode+`"}`)
		setEnv("PERMANENT_CODE", pc["permanent_code"].(string))
		ts.Setenv("AUTH_CORPID", pc["auth_corp_info"].(map[string]any)["corpid"].(string))
	case "callback":
		wantArgs(1)
		if verify {
			err = srv.VerifySuiteCallback(suiteID, rest[0])
		} else {
			err = srv.SetSuiteCallback(suiteID, rest[0])
		}
	case "authorize":
		if len(rest) > 1 {
			ts.Fatalf("%s", sandboxSuiteUsage)
		}
		req := sandbox.SuiteAuthorizeRequest{SuiteID: suiteID, CorpID: corpID, PreAuthCode: preAuth, State: state}
		if len(rest) == 1 {
			req.InstallURL = rest[0]
		}
		var out sandbox.SuiteAuthorization
		if out, err = srv.AuthorizeSuite(req); err == nil {
			setEnv("AUTH_CODE", out.AuthCode)
			fmt.Fprintf(ts.Stdout(), "%s\n", out.RedirectURI)
			res = out.Push
		}
	case "code":
		wantArgs(1)
		var code string
		if code, err = srv.IssueSuiteCode(sandbox.SuiteCodeRequest{SuiteID: suiteID, CorpID: corpID, UserID: rest[0], Scope: scope}); err == nil {
			setEnv("SUITE_CODE", code)
		}
	case "change":
		wantArgs(0)
		res, err = srv.ChangeSuiteAuth(suiteID, corpID)
	case "cancel":
		wantArgs(0)
		res, err = srv.CancelSuiteAuth(suiteID, corpID)
	case "reset-code":
		wantArgs(0)
		var code string
		if code, res, err = srv.ResetPermanentCode(suiteID, corpID); err == nil {
			setEnv("AUTH_CODE", code)
		}
	default:
		ts.Fatalf("%s", sandboxSuiteUsage)
	}
	if res != nil {
		b, _ := json.Marshal(res)
		fmt.Fprintf(ts.Stdout(), "%s\n", b)
		if !res.OK {
			err = fmt.Errorf("the %s push failed: %s", res.InfoType, res.Error)
		}
	}
	if err != nil {
		fmt.Fprintf(ts.Stderr(), "%v\n", err)
	}
	switch {
	case err != nil && !neg:
		ts.Fatalf("sandbox-suite %s: %v", args[0], err)
	case err == nil && neg:
		ts.Fatalf("sandbox-suite %s: succeeded, want a failure", args[0])
	}
}

// scriptSuiteToken pushes a fresh suite_ticket and exchanges it over HTTP.
func scriptSuiteToken(ts *testscript.TestScript, srv *sandbox.Server, suiteID string) string {
	if suiteID == "" {
		suiteID = sandbox.DemoSuiteID
	}
	secret := map[string]string{sandbox.DemoSuiteID: sandbox.DemoSuiteSecret, sandbox.DemoTemplateID: sandbox.DemoTemplateSecret}[suiteID]
	ticket, _, err := srv.PushSuiteTicket(suiteID)
	ts.Check(err)
	body, _ := json.Marshal(map[string]string{"suite_id": suiteID, "suite_secret": secret, "suite_ticket": ticket})
	return scriptJSON(ts, http.MethodPost, "/cgi-bin/service/get_suite_token", string(body))["suite_access_token"].(string)
}

// scriptJSON calls the sandbox and wants errcode 0.
func scriptJSON(ts *testscript.TestScript, method, path, body string) map[string]any {
	raw := scriptHTTP(ts, method, ts.Getenv("SANDBOX_URL")+path, body)
	var m map[string]any
	if json.Unmarshal([]byte(raw), &m) != nil || m["errcode"] != float64(0) {
		ts.Fatalf("sandbox-suite: %s answered %s", path, raw)
	}
	return m
}
