package sign

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
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
	fetchCalls  int
	fetchAgent  bool
	fetchCreds  []string
	errorString string
}

// runSign runs `wwcli sign args...` with a fixed clock; fetch may be nil.
func runSign(t *testing.T, fetch TicketFetcher, args ...string) result {
	t.Helper()
	io, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IO: io, Getenv: func(string) string { return "" },
		Now: func() time.Time { return time.Unix(1700000000, 999_000_000) }}
	var r result
	var wrapped TicketFetcher
	if fetch != nil {
		wrapped = func(ctx context.Context, agent bool, creds []string) (string, error) {
			r.fetchCalls++
			r.fetchAgent, r.fetchCreds = agent, creds
			return fetch(ctx, agent, creds)
		}
	}
	cmd := NewCmd(f, wrapped, nil)
	cmd.SetArgs(args)
	cmd.SetOut(errOut)
	cmd.SetErr(errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	r.code = cmdutil.ExitCode(err)
	if err != nil {
		r.errorString = err.Error()
	}
	r.stdout, r.stderr = out.String(), errOut.String()
	return r
}

func TestOfficialVectorJSON(t *testing.T) {
	r := runSign(t, nil, official...)
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
	r := runSign(t, nil, "--url", "https://example.com/a?b=1&c=2", "--ticket", "T")
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
			r := runSign(t, nil, tc.args...)
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
			r := runSign(t, nil, "--url", tc.url, "--ticket", "T", "--nonce", "n", "--timestamp", "1")
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
	r := runSign(t, nil, append(official, "--explain")...)
	if r.code != 0 || !strings.Contains(r.stderr, "jsapi_ticket="+officialTicket+"&noncestr="+officialNonce+"&timestamp="+officialTS+"&url="+officialURL) ||
		!strings.Contains(r.stderr, "getConfigSignature") || strings.Contains(r.stdout, "jsapi_ticket=") {
		t.Fatalf("stdout %q\nstderr %s", r.stdout, r.stderr)
	}
	r = runSign(t, nil, append(official, "--explain", "--agent")...)
	if r.code != 0 || !strings.Contains(r.stderr, "app (agent) ticket: return this from getAgentConfigSignature") || !strings.Contains(r.stdout, officialSig) {
		t.Fatalf("--agent with --ticket: stdout %q stderr %s", r.stdout, r.stderr)
	}
}

func TestVerify(t *testing.T) {
	r := runSign(t, nil, append(official, "--verify", strings.ToUpper(officialSig))...)
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "signature matches") {
		t.Fatalf("match: code %d stdout %q stderr %s", r.code, r.stdout, r.stderr)
	}
	mp := "f4d90daf4b3bca3078ab155816175ba34c443a7b" // WeChat-MP doc: same inputs, no query
	r = runSign(t, nil, append(official, "--verify", mp)...)
	for _, s := range []string{"does not match", "given:    " + mp, "expected: " + officialSig,
		"hashed:   jsapi_ticket=" + officialTicket, "without its query string"} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
	if r.code != cmdutil.ExitFailure || r.stdout != "" || r.errorString != "" {
		t.Fatalf("mismatch: code %d stdout %q err %q", r.code, r.stdout, r.errorString)
	}
	r = runSign(t, nil, append(official, "--verify", strings.Repeat("0", 40))...)
	if r.code != 1 || !strings.Contains(r.stderr, "check the ticket") {
		t.Fatalf("unexplained mismatch: code %d stderr %s", r.code, r.stderr)
	}
}

func TestMissingTicketWithoutFetcher(t *testing.T) {
	r := runSign(t, nil, "--url", "https://a.com/")
	if r.code != cmdutil.ExitCredentials || !strings.Contains(r.errorString, "pass --ticket TICKET") {
		t.Fatalf("code %d err %q", r.code, r.errorString)
	}
	r = runSign(t, nil, "--url", "https://a.com/", "--agent")
	if r.code != cmdutil.ExitCredentials || !strings.Contains(r.errorString, "wwcli ticket --agent") {
		t.Fatalf("--agent: code %d err %q", r.code, r.errorString)
	}
}

func TestFetcher(t *testing.T) {
	fetch := func(context.Context, bool, []string) (string, error) { return officialTicket, nil }
	r := runSign(t, fetch, "--url", officialURL, "--nonce", officialNonce, "--timestamp", officialTS, "--agent", "ww123", "sec")
	if r.code != 0 || !strings.Contains(r.stdout, officialSig) || r.fetchCalls != 1 || !r.fetchAgent ||
		strings.Join(r.fetchCreds, " ") != "ww123 sec" {
		t.Fatalf("%+v", r)
	}
	// --ticket wins: no fetch, and ignored credentials are mentioned.
	r = runSign(t, fetch, append(official, "ww123", "sec")...)
	if r.code != 0 || r.fetchCalls != 0 || !strings.Contains(r.stderr, "CORPID SECRET ignored") {
		t.Fatalf("%+v", r)
	}
	// Bad input is reported before any request to WeCom.
	r = runSign(t, fetch, "--url", "/relative")
	if r.code != cmdutil.ExitUsage || r.fetchCalls != 0 {
		t.Fatalf("%+v", r)
	}
}

func TestFetcherErrors(t *testing.T) {
	creds := func(context.Context, bool, []string) (string, error) {
		return "", cmdutil.Errorf(cmdutil.ExitCredentials, "no credentials")
	}
	r := runSign(t, creds, "--url", "https://a.com/")
	if r.code != cmdutil.ExitCredentials || !strings.Contains(r.errorString, "no credentials") || !strings.Contains(r.errorString, "--ticket TICKET") {
		t.Fatalf("%+v", r)
	}
	api := func(context.Context, bool, []string) (string, error) {
		return "", cmdutil.Errorf(cmdutil.ExitAPI, "errcode 40001")
	}
	r = runSign(t, api, "--url", "https://a.com/")
	if r.code != cmdutil.ExitAPI || r.errorString != "errcode 40001" {
		t.Fatalf("%+v", r)
	}
	empty := func(context.Context, bool, []string) (string, error) { return "", nil }
	r = runSign(t, empty, "--url", "https://a.com/")
	if r.code != cmdutil.ExitFailure || !strings.Contains(r.errorString, "unusable ticket") {
		t.Fatalf("%+v", r)
	}
}
