package sandbox

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	wwsandbox "github.com/wwcli/wwcli/pkg/sandbox"
)

func TestSuiteCallbackFlagParses(t *testing.T) {
	f, _, _ := testFactory(t)
	var got *Options
	cmd := NewCmd(f, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--suite-callback", "http://127.0.0.1:8080/suite",
		"--suite-callback", wwsandbox.DemoTemplateID + "=http://127.0.0.1:8081/dk?a=b"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	m := suiteCallbacks(got.SuiteCallbacks)
	if m[wwsandbox.DemoSuiteID] != "http://127.0.0.1:8080/suite" || m[wwsandbox.DemoTemplateID] != "http://127.0.0.1:8081/dk?a=b" || len(m) != 2 {
		t.Fatalf("callbacks %v from %v", m, got.SuiteCallbacks)
	}
}

func TestSuiteCallbackFlagBadInput(t *testing.T) {
	for _, arg := range []string{"not-a-url", "wwnope=http://127.0.0.1:1/", "ftp://127.0.0.1/x"} {
		t.Run(arg, func(t *testing.T) {
			f, out, _ := testFactory(t)
			cmd := NewCmd(f, nil)
			cmd.SetArgs([]string{"--suite-callback", arg})
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if err == nil || cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "--suite-callback") {
				t.Fatalf("error %v (exit %d), want exit 2 naming --suite-callback", err, cmdutil.ExitCode(err))
			}
			if out.String() != "" {
				t.Fatalf("stdout %q", out.String())
			}
		})
	}
}

// A running `wwcli sandbox --suite-callback URL` pushes a suite_ticket at
// once, encrypted for receive id = the suite id.
func TestSuiteCallbackFlagPushes(t *testing.T) {
	cr, err := callback.New(wwsandbox.DemoSuiteToken, wwsandbox.DemoSuiteEncodingAESKey, wwsandbox.DemoSuiteID)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan map[string]string, 4)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		q := r.URL.Query()
		op, err := cr.Open(body, callback.Params{MsgSignature: q.Get("msg_signature"), Timestamp: q.Get("timestamp"), Nonce: q.Get("nonce")})
		if err != nil {
			t.Errorf("push does not decrypt: %v", err)
			return
		}
		got <- callback.Fields(op.Plaintext.Message)
		_, _ = io.WriteString(w, "success")
	}))
	defer recv.Close()
	_, cancel, errOut := startCmd(t, "--suite-callback", recv.URL+"/suite")
	defer func() { _ = cancel() }()
	select {
	case f := <-got:
		if f["InfoType"] != "suite_ticket" || f["SuiteId"] != wwsandbox.DemoSuiteID || f["SuiteTicket"] == "" {
			t.Fatalf("push %v", f)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no push within 20s; stderr:\n%s", errOut.String())
	}
	if log := errOut.WaitFor("PUSH suite_ticket " + wwsandbox.DemoSuiteID); !strings.Contains(log, `200 "success"`) {
		t.Fatalf("the push is not logged on stderr:\n%s", log)
	}
}

// runSuiteCmd runs `wwcli sandbox suite ARGS...` against base.
func runSuiteCmd(t *testing.T, base string, args ...string) (stdout string, err error) {
	t.Helper()
	f, out, _ := testFactory(t)
	f.Global.BaseURL = base
	cmd := NewCmd(f, nil)
	cmd.SetArgs(append([]string{"suite"}, args...))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err = cmd.Execute()
	return out.String(), err
}

func TestSandboxSuiteCommands(t *testing.T) {
	srv := wwsandbox.New(wwsandbox.Options{})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	ticket, err := runSuiteCmd(t, base, "ticket")
	if err != nil || len(strings.TrimSpace(ticket)) < 32 {
		t.Fatalf("ticket: %q, %v", ticket, err)
	}
	// the printed ticket is the sandbox's: it gets a suite token
	body := `{"suite_id":"` + wwsandbox.DemoSuiteID + `","suite_secret":"` + wwsandbox.DemoSuiteSecret + `","suite_ticket":"` + strings.TrimSpace(ticket) + `"}`
	resp, err := client.Post(base+"/cgi-bin/service/get_suite_token", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"suite_access_token"`) {
		t.Fatalf("get_suite_token with the printed ticket: %s", b)
	}

	js, err := runSuiteCmd(t, base, "ticket", "--suite-id", wwsandbox.DemoTemplateID, "--json")
	if err != nil || !strings.Contains(js, `"suite_ticket":`) || !strings.Contains(js, `"push":null`) {
		t.Fatalf("ticket --json: %s, %v", js, err)
	}

	code, err := runSuiteCmd(t, base, "authorize", "--state", "s1")
	if err != nil || len(strings.TrimSpace(code)) != 64 {
		t.Fatalf("authorize: %q, %v", code, err)
	}
	js, err = runSuiteCmd(t, base, "authorize", "--json", "--admin", "lisi")
	if err != nil || !strings.Contains(js, `"redirect_uri":"https://wwcli.example.com/install/done?auth_code=`) {
		t.Fatalf("authorize --json: %s, %v", js, err)
	}

	c, err := runSuiteCmd(t, base, "code", "--scope", "snsapi_privateinfo", "lisi")
	if err != nil || strings.TrimSpace(c) == "" {
		t.Fatalf("code: %q, %v", c, err)
	}
	c, err = runSuiteCmd(t, base, "code", "--non-member", "--json", "o-visitor")
	if err != nil || !strings.Contains(c, `"expires_in": 300`) && !strings.Contains(c, `"expires_in":300`) {
		t.Fatalf("code --non-member --json: %q, %v", c, err)
	}

	// refused by the sandbox: exit 2 with its reason, nothing on stdout
	for _, args := range [][]string{
		{"code", "nobody"},
		{"authorize", "--pre-auth-code", "nope"},
		{"authorize", "https://example.com/not-an-install-link"},
		{"ticket", "--suite-id", "wwnope"},
		{"code", "--suite-id", wwsandbox.DemoTemplateID, "lisi"},
	} {
		out, err := runSuiteCmd(t, base, args...)
		if cmdutil.ExitCode(err) != 2 || out != "" {
			t.Errorf("%v: exit %d (%v), stdout %q; want exit 2, nothing on stdout", args, cmdutil.ExitCode(err), err, out)
		}
	}

	// a push that fails: the ticket is printed, the command exits 1
	if err := srv.SetSuiteCallback("", "http://127.0.0.1:1/suite"); err != nil {
		t.Fatal(err)
	}
	out, err := runSuiteCmd(t, base, "ticket")
	if cmdutil.ExitCode(err) != 1 || strings.TrimSpace(out) == "" || !strings.Contains(err.Error(), "push") {
		t.Fatalf("failed push: exit %d (%v), stdout %q", cmdutil.ExitCode(err), err, out)
	}
}

func TestSandboxSuiteBadInput(t *testing.T) {
	for _, tc := range []struct {
		base string
		args []string
		want string
	}{
		{"", []string{"ticket"}, "needs a running sandbox"},
		{"http://127.0.0.1:1", []string{"code"}, "give one USERID"},
		{"http://127.0.0.1:1", []string{"code", "--scope", "snsapi_admin", "lisi"}, "--scope"},
		{"http://127.0.0.1:1", []string{"authorize", "--pre-auth-code", "x", "https://open.work.weixin.qq.com/3rdapp/install?pre_auth_code=y"}, "not both"},
		{"http://127.0.0.1:1", []string{"ticket", "extra"}, "unknown command"},
		{"http://127.0.0.1:1", []string{"ticket", "--jq", ".["}, "jq"},
	} {
		out, err := runSuiteCmd(t, tc.base, tc.args...)
		if cmdutil.ExitCode(err) != 2 || err == nil || !strings.Contains(err.Error(), tc.want) || out != "" {
			t.Errorf("%v: exit %d, error %v, stdout %q; want exit 2 with %q", tc.args, cmdutil.ExitCode(err), err, out, tc.want)
		}
	}
	// the sandbox is not running: exit 1
	if _, err := runSuiteCmd(t, "http://127.0.0.1:1", "ticket"); cmdutil.ExitCode(err) != 1 || !strings.Contains(err.Error(), "cannot reach the sandbox") {
		t.Errorf("unreachable sandbox: exit %d, %v", cmdutil.ExitCode(err), err)
	}
}

func TestSandboxSuiteParsesFlags(t *testing.T) {
	f, _, _ := testFactory(t)
	f.Global.BaseURL = "http://127.0.0.1:8399"
	var got *SuiteOptions
	cmd := NewCmd(f, nil)
	for _, c := range cmd.Commands() {
		if c.Name() == "suite" {
			cmd.RemoveCommand(c)
		}
	}
	cmd.AddCommand(NewSuiteCmd(f, func(_ context.Context, o *SuiteOptions) error { got = o; return nil }))
	cmd.SetArgs([]string{"suite", "code", "--web", "--scope", "snsapi_privateinfo", "lisi"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Action != "code" || !got.Web || got.Scope != "snsapi_privateinfo" || got.UserID != "lisi" {
		t.Fatalf("code options %+v", got)
	}
	cmd.SetArgs([]string{"suite", "authorize", "https://open.work.weixin.qq.com/3rdapp/install?suite_id=x&pre_auth_code=y",
		"--suite-id", wwsandbox.DemoTemplateID, "--corp-id", "wwc", "--state", "s1", "--admin", "lisi"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Action != "authorize" || got.SuiteID != wwsandbox.DemoTemplateID || got.CorpID != "wwc" || got.State != "s1" ||
		got.Admin != "lisi" || !strings.HasPrefix(got.InstallURL, "https://open.work") || got.BaseURL != "http://127.0.0.1:8399" {
		t.Fatalf("options %+v", got)
	}
}
