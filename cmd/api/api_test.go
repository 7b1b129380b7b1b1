package api

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

// harness is a real sandbox on 127.0.0.1 and a sealed factory pointed at
// it, with the demo app's credentials in the environment.
type harness struct {
	srv *sandbox.Server
	url string
	h   *cmdutiltest.Harness
	env map[string]string
}

func newHarness(t *testing.T, opts sandbox.Options) *harness {
	t.Helper()
	h := cmdutiltest.NewFactory(t)
	srv, u := h.StartSandbox(t, opts)
	h.Env["WWCLI_CORP_ID"], h.Env["WWCLI_SECRET"] = sandbox.DemoCorpID, sandbox.DemoAppSecret
	return &harness{srv: srv, url: u, h: h, env: h.Env}
}

// run executes `wwcli api args...` and returns stdout, stderr, exit code.
func (h *harness) run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	h.h.In.Reset()
	h.h.Out.Reset()
	h.h.ErrOut.Reset()
	h.h.In.WriteString(stdin)
	cmd := NewCmd(h.h.F, nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	cmd.SetOut(h.h.ErrOut)
	cmd.SetErr(h.h.ErrOut)
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		h.h.ErrOut.WriteString(err.Error())
	}
	return h.h.Out.String(), h.h.ErrOut.String(), cmdutil.ExitCode(err)
}

func TestNewCmdParsesFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *Options
	cmd := NewCmd(h.F, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"user/list_id", "ww1", "sec", "-X", "POST", "-f", "limit=2", "-f", "cursor=", "--input", "-",
		"--paginate", "--no-cache", "-q", ".dept_user", "--json", "--agent-id", "1000002"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Path != "user/list_id" || strings.Join(got.Creds.Args, " ") != "ww1 sec" || got.Method != "POST" ||
		strings.Join(got.Fields, ",") != "limit=2,cursor=" || got.Input != "-" || !got.Paginate || !got.NoCache ||
		got.Exporter.JQ != ".dept_user" || !got.Exporter.JSON || got.Creds.AgentID != "1000002" ||
		got.Session == nil || got.BaseURL == nil {
		t.Fatalf("parsed %+v", got)
	}
}

func TestMissingPathSuggestsACallThatWorks(t *testing.T) {
	h := newHarness(t, sandbox.Options{})
	_, errOut, code := h.run(t, "")
	if code != 2 || !strings.Contains(errOut, "'"+cmdutil.APIPathExample+"'") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// The suggestion itself (TestSuggestions runs it as pasted, too).
	out, errOut, code := h.run(t, "", strings.Fields(strings.TrimPrefix(cmdutil.APIPathExample, "wwcli api "))...)
	if code != 0 || !strings.Contains(out, `"userid":"zhangsan"`) {
		t.Fatalf("exit %d out %q err %q", code, out, errOut)
	}
}

// An endpoint that does not exist is HTTP 404 and exit 1, never an
// "errcode 404" with a devtool link.
func TestUnknownEndpoint(t *testing.T) {
	h := newHarness(t, sandbox.Options{})
	out, errOut, code := h.run(t, "", "user/gett")
	if code != 1 || out != "" || !strings.Contains(errOut, "HTTP 404: no such endpoint /cgi-bin/user/gett") ||
		strings.Contains(errOut, "errcode") || strings.Contains(errOut, "devtool") {
		t.Fatalf("exit %d out %q err %q", code, out, errOut)
	}
}

func TestGetWithQuery(t *testing.T) {
	h := newHarness(t, sandbox.Options{})
	out, errOut, code := h.run(t, "", "user/get?userid=zhangsan")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var u struct {
		UserID string `json:"userid"`
		Name   string `json:"name"`
	}
	if err := json.Unmarshal([]byte(out), &u); err != nil || u.Name != "张三" {
		t.Fatalf("got %q (%v)", out, err)
	}
	if strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("piped output must be compact JSON on one line, got %q", out)
	}
	// -X GET -f puts the field in the query.
	out, _, code = h.run(t, "", "/cgi-bin/user/get", "-X", "GET", "-f", "userid=lisi", "--jq", ".name")
	if code != 0 || out != "李四\n" {
		t.Fatalf("exit %d, out %q", code, out)
	}
}

func TestPostFieldsAreTyped(t *testing.T) {
	h := newHarness(t, sandbox.Options{})
	out, errOut, code := h.run(t, "", "message/send", "-f", "touser=zhangsan", "-f", "msgtype=markdown",
		"-f", "agentid=1000002", "-f", "safe=0")
	// markdown without content: the sandbox parsed agentid as a number and got to the content check.
	if code != 3 || !strings.Contains(errOut, "44004") {
		t.Fatalf("exit %d out %q err %q", code, out, errOut)
	}
	msgs := h.srv.Messages()
	if len(msgs) != 0 {
		t.Fatalf("no message should be accepted, got %d", len(msgs))
	}
	if typed("1000002") != json.Number("1000002") || typed("true") != true || typed("abc") != "abc" || typed("1e") != "1e" {
		t.Error("typed() lost a type")
	}
}

func TestPostInputFileAndStdin(t *testing.T) {
	h := newHarness(t, sandbox.Options{})
	body := `{"touser":"zhangsan","msgtype":"text","agentid":1000002,"text":{"content":"你好"}}`
	file := filepath.Join(t.TempDir(), "msg.json")
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := h.run(t, "", "message/send", "--input", file); code != 0 {
		t.Fatalf("file: exit %d: %s", code, errOut)
	}
	if _, errOut, code := h.run(t, body, "message/send", "--input", "-", "--jq", ".errcode"); code != 0 {
		t.Fatalf("stdin: exit %d: %s", code, errOut)
	}
	msgs := h.srv.Messages()
	if len(msgs) != 2 || !bytes.Contains(msgs[1].Body, []byte("你好")) {
		t.Fatalf("sandbox got %d messages: %+v", len(msgs), msgs)
	}
	_, errOut, code := h.run(t, "{not json", "message/send", "--input", "-")
	if code != 2 || !strings.Contains(errOut, "not valid JSON") {
		t.Fatalf("bad input: exit %d: %s", code, errOut)
	}
	if n := h.srv.Count("/cgi-bin/gettoken"); n != 1 {
		t.Errorf("gettoken calls = %d, want 1 (cached across runs)", n)
	}
}

func TestPaginateListID(t *testing.T) {
	h := newHarness(t, sandbox.Options{})
	h.env["WWCLI_SECRET"] = sandbox.DemoContactSecret
	out, errOut, code := h.run(t, "", "user/list_id", "-f", "limit=2", "--paginate", "--jq", ".dept_user[].userid")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, u := range []string{"zhangsan", "lisi", "wangwu", "zhaoliu", "chenxiaoming", "alice"} {
		if !strings.Contains(out, u+"\n") {
			t.Errorf("missing %s in %q", u, out)
		}
	}
	if n := h.srv.Count("/cgi-bin/user/list_id"); n < 3 {
		t.Errorf("list_id calls = %d, want one per page (>= 3)", n)
	}
	// Without --jq every page is printed as its own JSON line.
	out, _, _ = h.run(t, "", "user/list_id", "-f", "limit=3", "--paginate")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 {
		t.Fatalf("want several pages, got %q", out)
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Errorf("page is not JSON: %q", l)
		}
	}
	// The catalog knows list_id is a POST: no -f needed for a body.
	if out, errOut, code := h.run(t, "", "user/list_id", "--paginate", "--jq", ".dept_user[].userid"); code != 0 || !strings.Contains(out, "alice\n") {
		t.Errorf("paginate a known POST endpoint without -f: exit %d %s %s", code, out, errOut)
	}
	// A GET endpoint (catalog) or a path without a body cannot paginate.
	for _, path := range []string{"department/list", "some/unknown_api"} {
		if _, errOut, code := h.run(t, "", path, "--paginate"); code != 2 || !strings.Contains(errOut, "POST body") {
			t.Errorf("paginate %s: exit %d %s", path, code, errOut)
		}
	}
}

func TestStaleTokenRefreshedOnce(t *testing.T) {
	h := newHarness(t, sandbox.Options{})
	if _, errOut, code := h.run(t, "", "agent/get?agentid=1000002"); code != 0 {
		t.Fatalf("warm-up: exit %d %s", code, errOut)
	}
	if err := h.srv.InjectFault(sandbox.Fault{Path: "/cgi-bin/agent/get", ErrCode: 40014, ErrMsg: "invalid access_token"}); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := h.run(t, "", "agent/get?agentid=1000002", "--jq", ".name")
	if code != 0 || out != "演示应用\n" {
		t.Fatalf("exit %d out %q err %q", code, out, errOut)
	}
	if n := h.srv.Count("/cgi-bin/gettoken"); n != 2 {
		t.Errorf("gettoken calls = %d, want 2 (first run + one refresh)", n)
	}
	// Stale twice in a row: one refresh only, then the error (exit 3).
	if err := h.srv.InjectFault(sandbox.Fault{Path: "/cgi-bin/agent/get", ErrCode: 40014, Times: 2}); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = h.run(t, "", "agent/get?agentid=1000002")
	if code != 3 || !strings.Contains(errOut, "40014") {
		t.Fatalf("exit %d err %q", code, errOut)
	}
	if n := h.srv.Count("/cgi-bin/gettoken"); n != 3 {
		t.Errorf("gettoken calls = %d, want 3", n)
	}
}

func TestUntrustedIPExplained(t *testing.T) {
	h := newHarness(t, sandbox.Options{TrustedIPs: []string{"203.0.113.7"}})
	out, errOut, code := h.run(t, "", "agent/get?agentid=1000002")
	if code != 3 || out != "" {
		t.Fatalf("exit %d out %q", code, out)
	}
	if !strings.Contains(errOut, "60020") || !strings.Contains(errOut, "from ip: 127.0.0.1") {
		t.Fatalf("stderr lacks the 60020 explanation: %q", errOut)
	}
}

func TestUsageErrorsBeforeAnyRequest(t *testing.T) {
	h := newHarness(t, sandbox.Options{})
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"user/get", "--jq", ".["}, "invalid jq"},
		{[]string{"user/get", "-f", "novalue"}, "key=value"},
		{[]string{"user/get", "-f", "=x"}, "key=value"},
		{[]string{"user/get?access_token=abc"}, "access_token"},
		{[]string{"user/get", "-f", "access_token=abc"}, "access_token"},
		{[]string{"https://evil.example.com/cgi-bin/user/get"}, "only sends the access_token"},
		{[]string{"ftp://x/y"}, "endpoint path"},
		{[]string{"/"}, "names no endpoint"},
		{[]string{"../../etc"}, "'..'"},
		{[]string{"user/get", "-X", "DELETE"}, "GET or POST"},
		{[]string{"message/send", "-X", "GET", "--input", "-"}, "use POST"},
		{[]string{"message/send", "--input", "no-such-file.json"}, "--input"},
		{[]string{"user/get", "onlycorp"}, "CORPID SECRET"},
	}
	for _, c := range cases {
		_, errOut, code := h.run(t, "", c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q (want 2 and %q)", c.args, code, errOut, c.want)
		}
	}
	if n := len(h.srv.Counters()); n != 0 {
		t.Errorf("usage errors sent requests: %v", h.srv.Counters())
	}
}

func TestSameHostAbsoluteURLAllowed(t *testing.T) {
	h := newHarness(t, sandbox.Options{})
	out, errOut, code := h.run(t, "", h.url+"/cgi-bin/department/list", "--jq", ".department | length")
	if code != 0 || out != "4\n" {
		t.Fatalf("exit %d out %q err %q", code, out, errOut)
	}
}

func TestPrettyOnTTY(t *testing.T) {
	h := newHarness(t, sandbox.Options{})
	h.h.F.IO.SetStdoutTTY(true)
	out, errOut, code := h.run(t, "", "user/get?userid=zhangsan")
	if code != 0 || !strings.HasPrefix(out, "{\n  \"errcode\": 0,\n  \"errmsg\": \"ok\",\n") {
		t.Fatalf("exit %d err %q: got %q", code, errOut, out)
	}
}

// The host check is a usage error, made before credentials are looked
// for: with none at all, the answer is still exit 2, not exit 4.
func TestForeignHostBeforeCredentials(t *testing.T) {
	h := newHarness(t, sandbox.Options{})
	delete(h.env, "WWCLI_CORP_ID")
	delete(h.env, "WWCLI_SECRET")
	_, errOut, code := h.run(t, "", "https://evil.example.com/cgi-bin/user/get")
	if code != 2 || !strings.Contains(errOut, "only sends the access_token") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func FuzzSplitPath(f *testing.F) {
	for _, s := range []string{"user/get", "/cgi-bin/user/get?userid=a", "https://h/x", "?access_token=1", "..", "%zz", "/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		path, q, err := splitPath(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(path, "/cgi-bin/") || strings.Contains(path, "..") || q.Has("access_token") {
			t.Fatalf("splitPath(%q) = %q %v", s, path, q)
		}
	})
}
