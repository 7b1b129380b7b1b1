package sandbox

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	wwsandbox "github.com/wwcli/wwcli/pkg/sandbox"
)

func TestNewCodeCmdParsesFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	h.F.Global.BaseURL = "http://127.0.0.1:8399"
	var got *CodeOptions
	cmd := NewCodeCmd(h.F, func(_ context.Context, o *CodeOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--scope", "snsapi_privateinfo", "--agent-id", "1000003", "--miniprogram", "--jq", ".code", "lisi"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.UserID != "lisi" || got.Scope != "snsapi_privateinfo" || got.AgentID != "1000003" || !got.MiniProgram ||
		got.NonMember || got.Exporter.JQ != ".code" || got.BaseURL != "http://127.0.0.1:8399" {
		t.Fatalf("parsed %+v", got)
	}
	req := got.request()
	if req.UserID != "lisi" || req.AgentID != 1000003 || req.Type != "miniprogram" || req.Scope != "snsapi_privateinfo" {
		t.Fatalf("request %+v", req)
	}
	// --sandbox wins over a base URL, as for every command
	h.F.Global.Sandbox = true
	cmd = NewCodeCmd(h.F, func(_ context.Context, o *CodeOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--non-member", "o-visitor"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.BaseURL != "" || got.request().OpenID != "o-visitor" || got.request().UserID != "" || got.Scope != "snsapi_base" {
		t.Fatalf("parsed %+v", got)
	}
}

func runCodeCmd(t *testing.T, h *cmdutiltest.Harness, args ...string) error {
	t.Helper()
	cmd := NewCodeCmd(h.F, nil)
	cmd.SetArgs(args)
	cmd.SetOut(h.Out)
	cmd.SetErr(h.ErrOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return cmd.ExecuteContext(ctx)
}

func TestCodeUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"a", "b"},
		{"--scope", "snsapi_userinfo", "zhangsan"},
		{"--agent-id", "abc", "zhangsan"},
		{"--miniprogram", "--non-member", "o1"},
		{"--jq", ".[", "zhangsan"},
		{"nobody"}, // not a member of the demo corp
	} {
		h := cmdutiltest.NewFactory(t)
		if err := runCodeCmd(t, h, args...); cmdutil.ExitCode(err) != cmdutil.ExitUsage || h.Out.Len() != 0 {
			t.Errorf("%v: %v, want exit 2 and nothing on stdout", args, err)
		}
	}
}

// exchange trades code at base with the demo app's token, as userinfo does.
func exchange(t *testing.T, base, code string) map[string]any {
	t.Helper()
	get := func(path string, q url.Values) map[string]any {
		resp, err := http.Get(base + path + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	tok := get("/cgi-bin/gettoken", url.Values{"corpid": {wwsandbox.DemoCorpID}, "corpsecret": {wwsandbox.DemoAppSecret}})
	return get("/cgi-bin/auth/getuserinfo", url.Values{"access_token": {tok["access_token"].(string)}, "code": {code}})
}

// Without a running sandbox the code is kept for the next `wwcli --sandbox`
// run, whose in-process sandbox accepts it once.
func TestCodeForTheInProcessSandbox(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	if err := runCodeCmd(t, h, "zhangsan"); err != nil {
		t.Fatal(err)
	}
	code := strings.TrimSpace(h.Out.String())
	if code == "" || h.ErrOut.Len() != 0 {
		t.Fatalf("stdout %q stderr %q", h.Out.String(), h.ErrOut.String())
	}
	cache := h.Env["WWCLI_CACHE_DIR"]
	if info, err := os.Stat(filepath.Join(cache, "sandbox", "codes.json")); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("code file: %v %v", info, err)
	}

	next := cmdutiltest.NewFactory(t) // another process, same cache dir
	next.Env["WWCLI_CACHE_DIR"] = cache
	next.F.Global.Sandbox = true
	base, err := next.F.SandboxURL()
	if err != nil {
		t.Fatal(err)
	}
	if a := exchange(t, base, code); a["userid"] != "zhangsan" {
		t.Fatalf("first exchange: %v", a)
	}
	if a := exchange(t, base, code); a["errcode"] != 40029.0 {
		t.Fatalf("a code works once: %v", a)
	}
}

// With WWCLI_BASE_URL pointing at a running sandbox, that sandbox issues it.
func TestCodeFromARunningSandbox(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	_, base := h.StartSandbox(t, wwsandbox.Options{})
	if err := runCodeCmd(t, h, "--json", "wangwu"); err != nil {
		t.Fatal(err)
	}
	var got codeJSON
	if err := json.Unmarshal(h.Out.Bytes(), &got); err != nil || got.ExpiresIn != 300 || got.Code == "" {
		t.Fatalf("--json: %v %s", err, h.Out.String())
	}
	if a := exchange(t, base, got.Code); a["userid"] != "wangwu" {
		t.Fatalf("exchange: %v", a)
	}
	if _, err := os.Stat(filepath.Join(h.Env["WWCLI_CACHE_DIR"], "sandbox")); !os.IsNotExist(err) {
		t.Fatalf("nothing is written to the cache when a sandbox issues the code: %v", err)
	}
	h = cmdutiltest.NewFactory(t)
	h.StartSandbox(t, wwsandbox.Options{})
	if err := runCodeCmd(t, h, "nobody"); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), `"nobody" is not a member`) {
		t.Fatalf("unknown member: %v", err)
	}
}

func TestCodeFromSomethingElse(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	notSandbox := httptest.NewServer(http.NotFoundHandler()) // 127.0.0.1
	defer notSandbox.Close()
	h.F.Global.BaseURL = notSandbox.URL
	err := runCodeCmd(t, h, "zhangsan")
	if cmdutil.ExitCode(err) != cmdutil.ExitFailure || !strings.Contains(err.Error(), "is not a wwcli sandbox") {
		t.Fatalf("%v, want exit 1", err)
	}
}
