package userinfo

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

// The demo app's credentials, as positional arguments.
var (
	demoApp = []string{sandbox.DemoCorpID, sandbox.DemoAppSecret}
	app2    = []string{sandbox.DemoCorpID, sandbox.DemoApp2Secret}
	miniApp = []string{sandbox.DemoCorpID, sandbox.DemoMiniProgramSecret}
)

// startSandbox runs a real sandbox server on loopback for one test.
func startSandbox(t *testing.T) (*sandbox.Server, string) {
	t.Helper()
	srv := sandbox.New(sandbox.Options{})
	u, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv, u
}

func issue(t *testing.T, srv *sandbox.Server, req sandbox.CodeRequest) string {
	t.Helper()
	code, err := srv.IssueCode(req)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

type result struct {
	out, errOut string
	err         error
	exit        int
}

// runUserinfo runs `wwcli userinfo args...` against baseURL with an empty
// environment (no profile, no keyring), as the binary would.
func runUserinfo(t *testing.T, baseURL string, args ...string) result {
	t.Helper()
	h := cmdutiltest.NewFactory(t)
	h.F.Global.BaseURL = baseURL
	return execute(t, h, args...)
}

// runSandboxed is `wwcli --sandbox userinfo args...`.
func runSandboxed(t *testing.T, args ...string) result {
	t.Helper()
	h := cmdutiltest.NewFactory(t)
	h.F.Global.Sandbox = true
	return execute(t, h, args...)
}

func execute(t *testing.T, h *cmdutiltest.Harness, args ...string) result {
	t.Helper()
	cmd := NewCmd(h.F, nil)
	cmd.SetArgs(args)
	cmd.SetOut(h.Out)
	cmd.SetErr(h.ErrOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := cmd.ExecuteContext(ctx)
	return result{out: h.Out.String(), errOut: h.ErrOut.String(), err: err, exit: cmdutil.ExitCode(err)}
}

func TestNewCmdParsesFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	h.F.Global.Sandbox = true
	var got *Options
	cmd := NewCmd(h.F, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--detail", "--legacy", "--corp-id", "ww1", "--secret-stdin", "--agent-id", "1000002",
		"--jq", ".userid", "--", "-CODE"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Code != "-CODE" || !got.Detail || !got.Legacy || got.MiniProgram || !got.Sandbox ||
		got.Creds.CorpID != "ww1" || !got.Creds.SecretStdin || got.Creds.AgentID != "1000002" ||
		got.Exporter.JQ != ".userid" || len(got.Creds.Args) != 0 {
		t.Fatalf("parsed %+v", got)
	}
	cmd = NewCmd(h.F, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--miniprogram", "--json", "JSCODE", "ww1", "S"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Code != "JSCODE" || !got.MiniProgram || !got.Exporter.JSON || strings.Join(got.Creds.Args, " ") != "ww1 S" {
		t.Fatalf("parsed %+v", got)
	}
}

// args puts flags first and "--" before the code: sandbox codes, like
// WeCom's, may start with "-".
func args(code string, creds []string, flags ...string) []string {
	return append(append(flags, "--", code), creds...)
}

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, s)
	}
	return m
}

// explanation is what the root prints for err.
func explanation(t *testing.T, err error) string {
	t.Helper()
	var ex interface{ Explain() string }
	if !errors.As(err, &ex) {
		t.Fatalf("error %v has no Explain()", err)
	}
	return ex.Explain()
}

func TestMemberPrintsBareUserid(t *testing.T) {
	srv, u := startSandbox(t)
	r := runUserinfo(t, u, args(issue(t, srv, sandbox.CodeRequest{UserID: "lisi"}), demoApp)...)
	if r.err != nil || r.out != "lisi\n" {
		t.Fatalf("got out=%q err=%v stderr=%q", r.out, r.err, r.errOut)
	}
	if srv.Count(pathUserInfo) != 1 || srv.Count(pathLegacy) != 0 {
		t.Errorf("want one auth/getuserinfo call, got %v", srv.Counters())
	}
}

func TestNonMemberPrintsOpenid(t *testing.T) {
	srv, u := startSandbox(t)
	r := runUserinfo(t, u, args(issue(t, srv, sandbox.CodeRequest{OpenID: "oNonMember42"}), demoApp)...)
	if r.err != nil || r.out != "oNonMember42\n" {
		t.Fatalf("got out=%q err=%v", r.out, r.err)
	}
	if !strings.Contains(r.errOut, "not a member") {
		t.Errorf("stderr should say it is not a member: %q", r.errOut)
	}
}

// fakeWeCom answers gettoken and getuserinfo with a fixed body, for shapes
// the sandbox does not produce (external_userid).
func fakeWeCom(t *testing.T, userinfo string) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/cgi-bin/gettoken", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok","access_token":"tok","expires_in":7200}`))
	})
	mux.HandleFunc(pathUserInfo, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("access_token") != "tok" || r.URL.Query().Get("code") != "CODE1" {
			_, _ = w.Write([]byte(`{"errcode":40029,"errmsg":"invalid code"}`))
			return
		}
		_, _ = w.Write([]byte(userinfo))
	})
	srv := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestNonMemberWithExternalUserid(t *testing.T) {
	u := fakeWeCom(t, `{"errcode":0,"errmsg":"ok","openid":"oAAA","external_userid":"wmBBB"}`)
	r := runUserinfo(t, u, args("CODE1", demoApp)...)
	if r.err != nil || r.out != "oAAA\twmBBB\n" {
		t.Fatalf("got out=%q err=%v", r.out, r.err)
	}
	r = runUserinfo(t, u, args("CODE1", demoApp, "--json")...)
	m := decodeJSON(t, r.out)
	if m["openid"] != "oAAA" || m["external_userid"] != "wmBBB" || len(m) != 2 {
		t.Errorf("json: %v", m)
	}
}

func TestAnswerWithoutIdentityFails(t *testing.T) {
	u := fakeWeCom(t, `{"errcode":0,"errmsg":"ok"}`)
	r := runUserinfo(t, u, args("CODE1", demoApp)...)
	if r.exit != cmdutil.ExitFailure || r.out != "" || !strings.Contains(r.err.Error(), "--json") {
		t.Fatalf("got exit %d out=%q err=%v", r.exit, r.out, r.err)
	}
}

func TestJSONDropsErrcodeAndKeepsTicket(t *testing.T) {
	srv, u := startSandbox(t)
	code := issue(t, srv, sandbox.CodeRequest{UserID: "lisi", Scope: "snsapi_privateinfo"})
	r := runUserinfo(t, u, args(code, demoApp, "--json")...)
	if r.err != nil {
		t.Fatal(r.err)
	}
	m := decodeJSON(t, r.out)
	if m["userid"] != "lisi" || m["user_ticket"] == "" || m["user_ticket"] == nil {
		t.Errorf("json: %v", m)
	}
	if _, ok := m["errcode"]; ok {
		t.Errorf("errcode must be dropped: %v", m)
	}
}

func TestDetailWithTicket(t *testing.T) {
	srv, u := startSandbox(t)
	code := issue(t, srv, sandbox.CodeRequest{UserID: "zhangsan", Scope: "snsapi_privateinfo"})
	r := runUserinfo(t, u, args(code, demoApp, "--detail")...)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.errOut)
	}
	for _, line := range []string{"userid\tzhangsan\n", "gender\t1\n", "mobile\t13800000001\n",
		"email\tzhangsan@example.com\n", "biz_mail\tzhangsan@demo.wecom.work\n", "address\t广州市海珠区新港中路\n"} {
		if !strings.Contains(r.out, line) {
			t.Errorf("stdout lacks %q:\n%s", line, r.out)
		}
	}
	if !strings.HasPrefix(r.out, "userid\tzhangsan\ngender\t1\navatar\t") {
		t.Errorf("fields out of the documented order:\n%s", r.out)
	}
	if srv.Count(pathUserDetail) != 1 {
		t.Errorf("getuserdetail calls: %d", srv.Count(pathUserDetail))
	}
}

func TestDetailJSONNestsDetail(t *testing.T) {
	srv, u := startSandbox(t)
	code := issue(t, srv, sandbox.CodeRequest{UserID: "lisi", Scope: "snsapi_privateinfo"})
	r := runUserinfo(t, u, args(code, demoApp, "--detail", "--json")...)
	if r.err != nil {
		t.Fatal(r.err)
	}
	m := decodeJSON(t, r.out)
	d, ok := m["detail"].(map[string]any)
	if m["userid"] != "lisi" || !ok || d["mobile"] != "13800000002" || d["userid"] != "lisi" {
		t.Fatalf("json: %v", m)
	}
	if _, bad := d["errcode"]; bad {
		t.Errorf("detail keeps errcode: %v", d)
	}
}

func TestDetailWithoutTicket(t *testing.T) {
	srv, u := startSandbox(t)
	for name, tc := range map[string]struct {
		req   sandbox.CodeRequest
		creds []string
		out   string
		why   string
	}{
		"scope snsapi_base":        {sandbox.CodeRequest{UserID: "lisi"}, demoApp, "lisi\n", "snsapi_privateinfo"},
		"outside visible range":    {sandbox.CodeRequest{UserID: "lisi", Scope: "snsapi_privateinfo"}, app2, "lisi\n", "visible range"},
		"non-member has no ticket": {sandbox.CodeRequest{OpenID: "oX"}, demoApp, "oX\n", "not a member"},
	} {
		t.Run(name, func(t *testing.T) {
			r := runUserinfo(t, u, args(issue(t, srv, tc.req), tc.creds, "--detail")...)
			if r.exit != cmdutil.ExitFailure {
				t.Fatalf("exit %d, want 1 (err %v)", r.exit, r.err)
			}
			if r.out != tc.out {
				t.Errorf("the basic identity must still be printed: %q", r.out)
			}
			if !strings.Contains(r.err.Error(), tc.why) {
				t.Errorf("error should mention %q: %v", tc.why, r.err)
			}
		})
	}
	if srv.Count(pathUserDetail) != 0 {
		t.Errorf("getuserdetail must not be called without a ticket")
	}
}

func TestLegacy(t *testing.T) {
	srv, u := startSandbox(t)
	r := runUserinfo(t, u, args(issue(t, srv, sandbox.CodeRequest{UserID: "wangwu"}), demoApp, "--legacy")...)
	if r.err != nil || r.out != "wangwu\n" {
		t.Fatalf("got out=%q err=%v", r.out, r.err)
	}
	if srv.Count(pathLegacy) != 1 || srv.Count(pathUserInfo) != 0 {
		t.Errorf("want the legacy path: %v", srv.Counters())
	}
	r = runUserinfo(t, u, args(issue(t, srv, sandbox.CodeRequest{OpenID: "oLegacy"}), demoApp, "--legacy", "--json")...)
	m := decodeJSON(t, r.out)
	if m["openid"] != "oLegacy" || m["device_id"] == nil || m["OpenId"] != nil || m["DeviceId"] != nil {
		t.Errorf("legacy keys not normalised: %v", m)
	}
	r = runUserinfo(t, u, args(issue(t, srv, sandbox.CodeRequest{UserID: "zhangsan", Scope: "snsapi_privateinfo"}), demoApp, "--legacy", "--detail")...)
	if r.err != nil || !strings.Contains(r.out, "userid\tzhangsan\n") {
		t.Errorf("--legacy --detail: out=%q err=%v", r.out, r.err)
	}
}

func TestMiniProgram(t *testing.T) {
	srv, u := startSandbox(t)
	code := issue(t, srv, sandbox.CodeRequest{UserID: "zhaoliu", Type: "miniprogram"})
	r := runUserinfo(t, u, args(code, miniApp, "--miniprogram")...)
	if r.err != nil || r.out != "zhaoliu\t"+sandbox.DemoCorpID+"\n" {
		t.Fatalf("got out=%q err=%v", r.out, r.err)
	}
	if strings.Contains(r.errOut, "session_key") {
		t.Errorf("no session_key talk without --json: %q", r.errOut)
	}
	reqs := srv.Requests()
	if last := reqs[len(reqs)-1]; last.Path != pathMiniProgram || !strings.Contains(last.Query, "grant_type=authorization_code") {
		t.Errorf("request: %+v", last)
	}

	code = issue(t, srv, sandbox.CodeRequest{UserID: "zhaoliu", Type: "miniprogram"})
	r = runUserinfo(t, u, args(code, miniApp, "--miniprogram", "--json")...)
	if r.err != nil {
		t.Fatal(r.err)
	}
	m := decodeJSON(t, r.out)
	if m["userid"] != "zhaoliu" || m["corpid"] != sandbox.DemoCorpID || m["session_key"] == nil {
		t.Errorf("json: %v", m)
	}
	if !strings.Contains(r.errOut, "warning:") || !strings.Contains(r.errOut, "never send it to the mini program") {
		t.Errorf("stderr must warn about session_key: %q", r.errOut)
	}
}

func TestMiniProgramWithWrongApp(t *testing.T) {
	srv, u := startSandbox(t)
	code := issue(t, srv, sandbox.CodeRequest{UserID: "zhaoliu", Type: "miniprogram"})
	r := runUserinfo(t, u, args(code, demoApp, "--miniprogram")...)
	if r.exit != cmdutil.ExitAPI {
		t.Fatalf("exit %d, want 3 (%v)", r.exit, r.err)
	}
	if ex := explanation(t, r.err); !strings.Contains(ex, "errcode 40014") || !strings.Contains(ex, "linked to the mini program") {
		t.Errorf("explanation:\n%s", ex)
	}
}

func TestCodeReusedOrExpired(t *testing.T) {
	srv, u := startSandbox(t)
	code := issue(t, srv, sandbox.CodeRequest{UserID: "lisi"})
	if r := runUserinfo(t, u, args(code, demoApp)...); r.err != nil {
		t.Fatal(r.err)
	}
	r := runUserinfo(t, u, args(code, demoApp)...)
	if r.exit != cmdutil.ExitAPI || r.out != "" {
		t.Fatalf("reused code: exit %d out %q", r.exit, r.out)
	}
	ex := explanation(t, r.err)
	for _, want := range []string{"errcode 40029", "login: ", "single-use", "5 minutes", "two servers", "never retry"} {
		if !strings.Contains(ex, want) {
			t.Errorf("explanation lacks %q:\n%s", want, ex)
		}
	}

	code = issue(t, srv, sandbox.CodeRequest{UserID: "lisi", Type: "miniprogram"})
	srv.Advance(5*time.Minute + time.Second)
	r = runUserinfo(t, u, args(code, miniApp, "--miniprogram")...)
	if r.exit != cmdutil.ExitAPI {
		t.Fatalf("expired code: exit %d (%v)", r.exit, r.err)
	}
	if ex := explanation(t, r.err); !strings.Contains(ex, "wx.qy.login again") {
		t.Errorf("mini-program explanation should name wx.qy.login:\n%s", ex)
	}
}

func TestWrongSecret(t *testing.T) {
	_, u := startSandbox(t)
	r := runUserinfo(t, u, "anycode", sandbox.DemoCorpID, "WrongSecret-wwcli-sandbox-000000000000000000")
	if r.exit != cmdutil.ExitAPI || !strings.Contains(explanation(t, r.err), "40001") {
		t.Fatalf("exit %d err %v", r.exit, r.err)
	}
}

func TestLoginErrorsExplained(t *testing.T) {
	cases := []struct {
		code int
		want string
	}{
		{42003, "single-use"},
		{42022, "two servers"},
		{50001, "trusted domain (可信域名)"},
		{60020, "add 127.0.0.1 to the app's 企业可信IP"},
		{60021, "visible range (可见范围)"},
		{50002, "visible range (可见范围)"},
		{40014, "secret of the app the user logged in to"},
	}
	srv, u := startSandbox(t)
	for _, c := range cases {
		srv.ClearFaults()
		if err := srv.InjectFault(sandbox.Fault{Path: pathUserInfo, ErrCode: c.code, Times: -1}); err != nil {
			t.Fatal(err)
		}
		r := runUserinfo(t, u, args("somecode", demoApp)...)
		if r.exit != cmdutil.ExitAPI {
			t.Errorf("%d: exit %d, want 3", c.code, r.exit)
			continue
		}
		ex := explanation(t, r.err)
		if !strings.Contains(ex, c.want) || !strings.Contains(ex, "more: https://open.work.weixin.qq.com/devtool/query?e=") {
			t.Errorf("%d: explanation lacks %q or the standard part:\n%s", c.code, c.want, ex)
		}
	}
}

func TestDetailErrorsExplained(t *testing.T) {
	srv, u := startSandbox(t)
	code := issue(t, srv, sandbox.CodeRequest{UserID: "lisi", Scope: "snsapi_privateinfo"})
	if err := srv.InjectFault(sandbox.Fault{Path: pathUserDetail, ErrCode: 84014}); err != nil {
		t.Fatal(err)
	}
	r := runUserinfo(t, u, args(code, demoApp, "--detail")...)
	if r.exit != cmdutil.ExitAPI || !strings.Contains(explanation(t, r.err), "user_ticket lives 1800 s") {
		t.Fatalf("exit %d err %v", r.exit, r.err)
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no code", nil, "missing CODE"},
		{"empty code", []string{""}, "CODE is empty"},
		{"blank code", []string{"  "}, "CODE is empty"},
		{"oversized code", []string{strings.Repeat("a", 513)}, "at most 512"},
		{"whitespace inside", []string{"ab cd"}, "whitespace"},
		{"one credential", []string{"code", "ww1"}, "CORPID SECRET"},
		{"code that looks like a flag", []string{"-G5SzA3Jx"}, "put -- before it"},
		{"URL without a code", []string{"https://app.example.com/cb?state=x"}, "URL without a code= parameter"},
		{"URL of an error page", []string{"https://app.example.com/cb"}, "URL without a code= parameter"},
		{"URL for a mini program", []string{"--miniprogram", "https://app.example.com/cb?code=x"}, "js_code from wx.qy.login"},
		{"bad --jq", []string{"--jq", ".[", "code"}, "jq"},
		{"legacy + miniprogram", []string{"code", "--legacy", "--miniprogram"}, "--legacy and --miniprogram"},
		{"detail + miniprogram", []string{"code", "--detail", "--miniprogram"}, "--detail and --miniprogram"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// No server: usage errors must come before any network or credential work.
			r := runUserinfo(t, "http://127.0.0.1:1", c.args...)
			if r.exit != cmdutil.ExitUsage || !strings.Contains(r.err.Error(), c.want) {
				t.Fatalf("exit %d err %v, want 2 and %q", r.exit, r.err, c.want)
			}
		})
	}
	if r := runUserinfo(t, "http://127.0.0.1:1", "--json", strings.Repeat("a", 512)); r.exit == cmdutil.ExitUsage {
		t.Errorf("a 512-byte code is allowed: %v", r.err)
	}
}

func TestMissingCredentials(t *testing.T) {
	r := runUserinfo(t, "http://127.0.0.1:1", "somecode")
	if r.exit != cmdutil.ExitCredentials {
		t.Fatalf("exit %d (%v), want 4", r.exit, r.err)
	}
}

func TestSessionKeyNeverInPlainOutput(t *testing.T) {
	srv, u := startSandbox(t)
	code := issue(t, srv, sandbox.CodeRequest{UserID: "alice", Type: "miniprogram"})
	r := runUserinfo(t, u, args(code, miniApp, "--miniprogram")...)
	if all := r.out + r.errOut; strings.Contains(all, "session_key") || strings.Count(r.out, "\t") != 1 {
		t.Errorf("plain output: %q", all)
	}
}

// A pasted redirect URL: the code is taken out of it (with a note) and
// only the code goes to WeCom; the fake answers 40029 for anything but CODE1.
func TestRedirectURLGivesItsCode(t *testing.T) {
	u := fakeWeCom(t, `{"errcode":0,"errmsg":"ok","userid":"lisi"}`)
	r := runUserinfo(t, u, args("https://app.example.com/cb?code=CODE1&state=xyz", demoApp)...)
	if r.err != nil || r.out != "lisi\n" || !strings.Contains(r.errOut, "note: took the code from the URL's code= parameter") {
		t.Fatalf("got out=%q err=%v stderr=%q", r.out, r.err, r.errOut)
	}
}

func TestJQFiltersTheIdentity(t *testing.T) {
	srv, u := startSandbox(t)
	r := runUserinfo(t, u, args(issue(t, srv, sandbox.CodeRequest{UserID: "wangwu"}), demoApp, "--jq", ".userid")...)
	if r.err != nil || r.out != "wangwu\n" {
		t.Fatalf("got out=%q err=%v", r.out, r.err)
	}
}

// Under --sandbox an unknown code was never issued: the explanation says
// where codes come from instead of blaming a reused code.
func TestSandboxUnknownCodeSaysWhereCodesComeFrom(t *testing.T) {
	r := runSandboxed(t, "never-issued")
	ex := explanation(t, r.err)
	if r.exit != 3 || !strings.Contains(ex, "wwcli sandbox code USERID") || strings.Contains(ex, "two servers") {
		t.Fatalf("exit %d:\n%s", r.exit, ex)
	}
	r = runSandboxed(t, "--miniprogram", "never-issued", sandbox.DemoCorpID, sandbox.DemoMiniProgramSecret)
	if ex := explanation(t, r.err); r.exit != 3 || !strings.Contains(ex, "wwcli sandbox code --miniprogram USERID") {
		t.Fatalf("mini program: exit %d:\n%s", r.exit, ex)
	}
}
