package sign

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

const (
	officialTicket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
	officialNonce  = "Wm3WZYTPz0wzccnW"
	officialTS     = "1414587457"
	officialURL    = "http://mp.weixin.qq.com?params=value"
	officialSig    = "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
)

var official = []string{"--url", officialURL, "--ticket", officialTicket, "--nonce", officialNonce, "--timestamp", officialTS}

type result struct {
	code        int
	stdout      string
	stderr      string
	errorString string
}

// newHarness is a sealed factory with a fixed clock.
func newHarness(t *testing.T) *cmdutiltest.Harness {
	t.Helper()
	h := cmdutiltest.NewFactory(t)
	h.F.Now = func() time.Time { return time.Unix(1700000000, 999_000_000) }
	return h
}

// runSign runs `wwcli sign args...` with a fixed clock and no credentials.
func runSign(t *testing.T, args ...string) result {
	t.Helper()
	return runSignWith(t, newHarness(t), args...)
}

func runSignWith(t *testing.T, h *cmdutiltest.Harness, args ...string) result {
	t.Helper()
	h.Out.Reset()
	h.ErrOut.Reset()
	cmd := NewCmd(h.F, nil)
	cmd.SetArgs(args)
	cmd.SetOut(h.ErrOut)
	cmd.SetErr(h.ErrOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	r := result{code: cmdutil.ExitCode(err), stdout: h.Out.String(), stderr: h.ErrOut.String()}
	if err != nil {
		r.errorString = err.Error()
	}
	return r
}

// withSandbox points h at a sandbox with the demo app's credentials in
// the environment.
func withSandbox(t *testing.T, h *cmdutiltest.Harness) *sandbox.Server {
	t.Helper()
	srv, _ := h.StartSandbox(t, sandbox.Options{})
	h.Env["WWCLI_CORP_ID"], h.Env["WWCLI_SECRET"] = sandbox.DemoCorpID, sandbox.DemoAppSecret
	return srv
}

func TestNewCmdParsesFlags(t *testing.T) {
	h := newHarness(t)
	var got *Options
	cmd := NewCmd(h.F, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--url", "https://a.com/", "--agent", "--corp-id", "ww1", "--agent-id", "1000003",
		"--secret-file", "s.txt", "--refresh", "--no-cache", "--json", "--jq", ".signature"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.URL != "https://a.com/" || !got.Agent || got.Creds.CorpID != "ww1" || got.Creds.AgentID != "1000003" ||
		got.Creds.SecretFile != "s.txt" || !got.Refresh || !got.NoCache || !got.Exporter.JSON || got.Exporter.JQ != ".signature" ||
		got.ticketSet || got.Session == nil {
		t.Fatalf("parsed %+v", got)
	}
	cmd = NewCmd(h.F, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--url", "https://a.com/", "--secret-stdin", "ww1", "sec"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.Creds.SecretStdin || strings.Join(got.Creds.Args, " ") != "ww1 sec" {
		t.Fatalf("parsed %+v", got.Creds)
	}
}

func TestOfficialVectorJSON(t *testing.T) {
	r := runSign(t, official...)
	want := `{"timestamp":1414587457,"nonceStr":"Wm3WZYTPz0wzccnW","signature":"0f9de62fce790f9a083d5c99e95740ceb90c27ed","url":"http://mp.weixin.qq.com?params=value"}` + "\n"
	if r.code != 0 || r.stdout != want {
		t.Fatalf("code %d\nstdout %q\nstderr %s", r.code, r.stdout, r.stderr)
	}
	// The official URL lacks the "/" a browser shows: a hint, not a change.
	if !strings.Contains(r.stderr, "http://mp.weixin.qq.com/?params=value") || strings.Contains(r.stderr, "string1") {
		t.Fatalf("stderr %q", r.stderr)
	}
}

func TestDefaults(t *testing.T) {
	r := runSign(t, "--url", "https://example.com/a?b=1&c=2", "--ticket", "T")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("code %d stderr %q", r.code, r.stderr)
	}
	if strings.Contains(r.stdout, `\u0026`) {
		t.Fatalf("'&' escaped in %s", r.stdout)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got["timestamp"] != float64(1700000000) || got["url"] != "https://example.com/a?b=1&c=2" {
		t.Fatalf("got %v", got)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9]{16}$`).MatchString(got["nonceStr"].(string)) {
		t.Fatalf("nonce %v", got["nonceStr"])
	}
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(got["signature"].(string)) {
		t.Fatalf("signature %v", got["signature"])
	}
}

func TestUsageErrors(t *testing.T) {
	base := []string{"--ticket", "T"}
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"no --url", base, "--url is required"},
		{"empty url", append([]string{"--url", ""}, base...), "URL is empty"},
		{"relative url", append([]string{"--url", "/page"}, base...), "relative"},
		{"ftp url", append([]string{"--url", "ftp://a.com/"}, base...), "not http or https"},
		{"milliseconds", append([]string{"--url", "https://a.com/", "--timestamp", "1700000000123"}, base...), "seconds, not milliseconds"},
		{"bad timestamp", append([]string{"--url", "https://a.com/", "--timestamp", "now"}, base...), "digits only"},
		{"empty timestamp", append([]string{"--url", "https://a.com/", "--timestamp", ""}, base...), "timestamp is empty"},
		{"bad nonce", append([]string{"--url", "https://a.com/", "--nonce", "a-b"}, base...), "letters and digits only"},
		{"empty nonce", append([]string{"--url", "https://a.com/", "--nonce", ""}, base...), "nonce is empty"},
		{"empty ticket", []string{"--url", "https://a.com/", "--ticket", ""}, "--ticket: the jsapi_ticket is empty"},
		{"ticket with space", []string{"--url", "https://a.com/", "--ticket", "a b"}, "whitespace"},
		{"one argument", append([]string{"--url", "https://a.com/", "corp"}, base...), "got 1 argument"},
		{"three arguments", append([]string{"--url", "https://a.com/", "a", "b", "c"}, base...), "got 3 argument"},
		{"verify not hex", append([]string{"--url", "https://a.com/", "--nonce", "n", "--timestamp", "1", "--verify", strings.Repeat("z", 40)}, base...), "not hexadecimal"},
		{"verify short", append([]string{"--url", "https://a.com/", "--nonce", "n", "--timestamp", "1", "--verify", "abc"}, base...), "not 40 hex"},
		{"verify without nonce", append([]string{"--url", "https://a.com/", "--timestamp", "1", "--verify", officialSig}, base...), "--verify needs the --nonce and --timestamp"},
		{"verify without timestamp", append([]string{"--url", "https://a.com/", "--nonce", "n", "--verify", officialSig}, base...), "--verify needs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runSign(t, tc.args...)
			if r.code != cmdutil.ExitUsage || !strings.Contains(r.errorString, tc.msg) {
				t.Fatalf("code %d, error %q; want 2 and %q", r.code, r.errorString, tc.msg)
			}
			if r.stdout != "" {
				t.Fatalf("stdout on error: %q", r.stdout)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		name, url, signed string
		stderr            []string
	}{
		{"fragment", "https://a.com/p?x=1#/route", "https://a.com/p?x=1", []string{"removed #/route", "without the fragment"}},
		{"non-ASCII", "https://例子.com/页面?q=中文", "https://例子.com/页面?q=中文",
			[]string{"non-ASCII characters (例 子 页 面 中 文)", "signed as UTF-8", "@wecom/jssdk getSignature would give a different signature",
				"percent-encode", "https://xn--fsqu00a.com/%E9%A1%B5%E9%9D%A2?q=%E4%B8%AD%E6%96%87"}},
		{"default port", "https://a.com:443/p", "https://a.com:443/p", []string{"location.href as https://a.com/p"}},
		{"clean", "https://a.com/p", "https://a.com/p", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runSign(t, "--url", tc.url, "--ticket", "T", "--nonce", "n", "--timestamp", "1700000000")
			if r.code != 0 {
				t.Fatalf("code %d: %s", r.code, r.errorString)
			}
			var got output
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.URL != tc.signed {
				t.Fatalf("stdout %q (%v), want url %q", r.stdout, err, tc.signed)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
			if tc.stderr == nil && r.stderr != "" {
				t.Errorf("unexpected stderr %q", r.stderr)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	r := runSign(t, append(official, "--explain")...)
	if r.code != 0 || !strings.Contains(r.stderr, "jsapi_ticket="+officialTicket+"&noncestr="+officialNonce+"&timestamp="+officialTS+"&url="+officialURL) ||
		!strings.Contains(r.stderr, "getConfigSignature") || strings.Contains(r.stdout, "jsapi_ticket=") {
		t.Fatalf("stdout %q\nstderr %s", r.stdout, r.stderr)
	}
	r = runSign(t, append(official, "--explain", "--agent")...)
	if r.code != 0 || !strings.Contains(r.stderr, "app (agent) ticket: return this from getAgentConfigSignature") || !strings.Contains(r.stdout, officialSig) {
		t.Fatalf("--agent with --ticket: stdout %q stderr %s", r.stdout, r.stderr)
	}
}

func TestVerify(t *testing.T) {
	r := runSign(t, append(official, "--verify", strings.ToUpper(officialSig))...)
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "signature matches") {
		t.Fatalf("match: code %d stdout %q stderr %s", r.code, r.stdout, r.stderr)
	}
	mp := "f4d90daf4b3bca3078ab155816175ba34c443a7b" // WeChat-MP doc: same inputs, no query
	r = runSign(t, append(official, "--verify", mp)...)
	for _, s := range []string{"does not match", "given:    " + mp, "expected: " + officialSig,
		"hashed:   jsapi_ticket=" + officialTicket, "without its query string"} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
	if r.code != cmdutil.ExitFailure || r.stdout != "" || r.errorString != "" {
		t.Fatalf("mismatch: code %d stdout %q err %q", r.code, r.stdout, r.errorString)
	}
	r = runSign(t, append(official, "--verify", strings.Repeat("0", 40))...)
	if r.code != 1 || !strings.Contains(r.stderr, "check the ticket") {
		t.Fatalf("unexplained mismatch: code %d stderr %s", r.code, r.stderr)
	}
}

func TestNoCredentialsSaysPassTicket(t *testing.T) {
	r := runSign(t, "--url", "https://a.com/")
	if r.code != cmdutil.ExitCredentials || !strings.Contains(r.errorString, "no WeCom credentials") ||
		!strings.Contains(r.errorString, "pass the ticket itself with --ticket TICKET") {
		t.Fatalf("code %d err %q", r.code, r.errorString)
	}
}

// Without --ticket, sign fetches the ticket through the session, as
// `wwcli ticket` does: corp ticket, or app ticket with --agent.
func TestFetchesTicketWithCredentials(t *testing.T) {
	h := newHarness(t)
	srv := withSandbox(t, h)
	sig := func(r result) string {
		var o output
		if err := json.Unmarshal([]byte(r.stdout), &o); err != nil || r.code != 0 {
			t.Fatalf("code %d stdout %q stderr %s err %q", r.code, r.stdout, r.stderr, r.errorString)
		}
		return o.Signature
	}
	fixed := []string{"--url", "https://a.com/", "--nonce", "n", "--timestamp", "1700000000"}
	corp := sig(runSignWith(t, h, fixed...))
	agent := sig(runSignWith(t, h, append(fixed, "--agent")...))
	if corp == agent || srv.Count("/cgi-bin/get_jsapi_ticket") != 1 || srv.Count("/cgi-bin/ticket/get") != 1 {
		t.Fatalf("corp %s agent %s, counters %v", corp, agent, srv.Counters())
	}
	// --jq filters the one object; --json changes nothing.
	r := runSignWith(t, h, append(fixed, "--jq", ".signature")...)
	if r.code != 0 || strings.TrimSpace(r.stdout) != corp {
		t.Fatalf("--jq: %+v", r)
	}
	r = runSignWith(t, h, append(fixed, "--json")...)
	if r.code != 0 || sig(r) != corp {
		t.Fatalf("--json: %+v", r)
	}
	// Cached like `wwcli ticket`; --refresh fetches again, --no-cache too.
	runSignWith(t, h, append(fixed, "--refresh")...)
	runSignWith(t, h, append(fixed, "--no-cache")...)
	if srv.Count("/cgi-bin/get_jsapi_ticket") != 3 || srv.Count("/cgi-bin/gettoken") != 2 {
		t.Fatalf("cache, --refresh, --no-cache: %v", srv.Counters())
	}
}

func TestSecretFileAndCorpID(t *testing.T) {
	h := newHarness(t)
	srv, _ := h.StartSandbox(t, sandbox.Options{})
	file := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(file, []byte(sandbox.DemoAppSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runSignWith(t, h, "--url", "https://a.com/", "--corp-id", sandbox.DemoCorpID, "--secret-file", file)
	if r.code != 0 || !strings.Contains(r.stdout, `"signature":"`) || srv.Count("/cgi-bin/get_jsapi_ticket") != 1 {
		t.Fatalf("%+v %v", r, srv.Counters())
	}
}

// --agent-id must be the secret's app: WeCom would hand out the secret's
// app ticket whatever agent id was meant.
func TestAgentIDCheckedAgainstTheApp(t *testing.T) {
	h := newHarness(t)
	withSandbox(t, h)
	fixed := []string{"--url", "https://a.com/", "--agent"}
	if r := runSignWith(t, h, append(fixed, "--agent-id", "1000002")...); r.code != 0 {
		t.Fatalf("the secret's own app: %+v", r)
	}
	r := runSignWith(t, h, append(fixed, "--agent-id", "1000003")...)
	if r.code != cmdutil.ExitAPI || !strings.Contains(r.errorString, "agent id 1000003 is not the app of this secret") || r.stdout != "" {
		t.Fatalf("another app: %+v", r)
	}
	r = runSignWith(t, h, append(fixed, "--agent-id", "abc")...)
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.errorString, "not a number") {
		t.Fatalf("not a number: %+v", r)
	}
}

func TestTicketFlagWins(t *testing.T) {
	h := newHarness(t)
	srv := withSandbox(t, h)
	r := runSignWith(t, h, append(official, "--refresh", "ww123", "sec")...)
	if r.code != 0 || !strings.Contains(r.stdout, officialSig) ||
		!strings.Contains(r.stderr, "warning: CORPID SECRET, --refresh ignored: --ticket was given") {
		t.Fatalf("%+v", r)
	}
	// Bad input is reported before any request to WeCom.
	r = runSignWith(t, h, "--url", "/relative")
	if r.code != cmdutil.ExitUsage || srv.Count("/cgi-bin/gettoken") != 0 {
		t.Fatalf("%+v %v", r, srv.Counters())
	}
}

func TestWeComErrorsPassThrough(t *testing.T) {
	h := newHarness(t)
	withSandbox(t, h)
	h.Env["WWCLI_SECRET"] = "wrong"
	r := runSignWith(t, h, "--url", "https://a.com/")
	if r.code != cmdutil.ExitAPI || !strings.Contains(r.errorString, "errcode 40001") {
		t.Fatalf("%+v", r)
	}
}

func TestInputSanity(t *testing.T) {
	r := runSign(t, "--url", "https://a.com/\xff", "--ticket", "T")
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.errorString, "not valid UTF-8") || r.stdout != "" {
		t.Fatalf("non-UTF-8 URL: %+v", r)
	}
	r = runSign(t, "--url", "https://a.com/", "--ticket", "T", "--nonce", "n", "--timestamp", "1")
	if r.code != 0 || !strings.Contains(r.stderr, "warning: the timestamp 1 is 1970-01-01 00:00:01 UTC, long before WeCom existed") {
		t.Fatalf("--timestamp 1: %+v", r)
	}
}

// --suite signs for getSuiteConfigSignature with the same algorithm (DOC
// 100328: "生成方法同上"), but only with --ticket: no documented endpoint
// issues the login-authorization ticket.
func TestSuite(t *testing.T) {
	r := runSign(t, append(official, "--suite", "--explain")...)
	want := `{"timestamp":1414587457,"nonceStr":"Wm3WZYTPz0wzccnW","signature":"` + officialSig + `","url":"` + officialURL + `"}` + "\n"
	if r.code != 0 || r.stdout != want || !strings.Contains(r.stderr, "login-authorization suite ticket: return this from getSuiteConfigSignature") {
		t.Fatalf("code %d\nstdout %q\nstderr %s", r.code, r.stdout, r.stderr)
	}
	r = runSign(t, append(official, "--suite", "--verify", officialSig)...)
	if r.code != 0 || !strings.Contains(r.stderr, "signature matches") {
		t.Fatalf("verify: code %d stderr %s", r.code, r.stderr)
	}
}

func TestSuiteUsageErrors(t *testing.T) {
	h := newHarness(t)
	withSandbox(t, h) // credentials that would fetch a corp ticket must not be used
	r := runSignWith(t, h, "--suite", "--url", "https://a.com/")
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.errorString, "--suite needs --ticket TICKET") ||
		!strings.Contains(r.errorString, "DOC 100328") || r.stdout != "" {
		t.Fatalf("no ticket: code %d err %q stdout %q", r.code, r.errorString, r.stdout)
	}
	r = runSign(t, append(official, "--suite", "--agent")...)
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.errorString, "--suite and --agent exclude each other") {
		t.Fatalf("--agent: code %d err %q", r.code, r.errorString)
	}
}
