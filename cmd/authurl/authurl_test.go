package authurl

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/qrterm/qrtermtest"
)

type result struct {
	out, errOut string
	code        int
}

// exec runs `wwcli authurl args...` with env and tty settings, through
// cobra like the real binary, on a factory sealed from the real config.
func exec(t *testing.T, env map[string]string, setup func(*iostreams.IOStreams, *Options), args ...string) result {
	t.Helper()
	h := cmdutiltest.NewFactory(t)
	for k, v := range env {
		h.Env[k] = v
	}
	cmd := NewCmd(h.F, func(ctx context.Context, o *Options) error {
		if setup != nil {
			setup(o.IO, o)
		}
		return run(ctx, o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(h.ErrOut)
	cmd.SetErr(h.ErrOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	if err != nil {
		h.ErrOut.WriteString(err.Error() + "\n")
	}
	return result{h.Out.String(), h.ErrOut.String(), cmdutil.ExitCode(err)}
}

func TestNewCmdParsesFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *Options
	cmd := NewCmd(h.F, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--redirect-uri", "https://a.example/cb", "--kind", "web", "--corp-id", "ww1", "--agent-id", "2",
		"--scope", "snsapi_base", "--state", "s", "--login-type", "CorpApp", "--lang", "en", "--qr", "--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.RedirectURI != "https://a.example/cb" || got.Kind != "web" || got.CorpID != "ww1" || got.AgentID != "2" || got.Scope != "snsapi_base" ||
		got.State != "s" || got.LoginType != "CorpApp" || got.Lang != "en" || !got.QR || !got.Exporter.JSON || got.Profile == nil {
		t.Fatalf("parsed %+v", got)
	}
}

const redirect = "https://app.example.com/oauth/callback"

func TestPrintsURLAlone(t *testing.T) {
	r := exec(t, nil, nil, "--corp-id", "ww0123456789abcdef", "--agent-id", "1000002", "--redirect-uri", redirect, "--state", "x1")
	want := "https://open.weixin.qq.com/connect/oauth2/authorize?appid=ww0123456789abcdef&redirect_uri=https%3A%2F%2Fapp.example.com%2Foauth%2Fcallback&response_type=code&scope=snsapi_base&state=x1&agentid=1000002#wechat_redirect\n"
	if r.code != 0 || r.out != want || r.errOut != "" {
		t.Errorf("code %d\nout %q\nerr %q", r.code, r.out, r.errOut)
	}
}

func TestCorpAndAgentSources(t *testing.T) {
	env := map[string]string{"WWCLI_CORP_ID": "wwenv", "WWCLI_AGENT_ID": "3"}
	profile := func(_ *iostreams.IOStreams, o *Options) {
		o.Profile = func() (*config.Profile, error) { return &config.Profile{CorpID: "wwprofile", AgentID: "2"}, nil }
	}
	cases := []struct {
		name  string
		env   map[string]string
		setup func(*iostreams.IOStreams, *Options)
		args  []string
		want  string
	}{
		{"flags win", env, profile, []string{"--corp-id", "wwflag", "--agent-id", "1"}, "appid=wwflag&"},
		{"profile next", env, profile, nil, "appid=wwprofile&"},
		{"env last", env, nil, nil, "appid=wwenv&"},
	}
	agents := []string{"agentid=1#", "agentid=2#", "agentid=3#"}
	for i, c := range cases {
		r := exec(t, c.env, c.setup, append(c.args, "--redirect-uri", redirect)...)
		if r.code != 0 || !strings.Contains(r.out, c.want) || !strings.Contains(r.out, agents[i]) {
			t.Errorf("%s: code %d out %q err %q", c.name, r.code, r.out, r.errOut)
		}
	}
}

func TestMissingCorpID(t *testing.T) {
	r := exec(t, nil, nil, "--redirect-uri", redirect)
	if r.code != cmdutil.ExitUsage || r.out != "" || !strings.Contains(r.errOut, "--corp-id") || !strings.Contains(r.errOut, "wwcli auth login") {
		t.Errorf("code %d out %q err %q", r.code, r.out, r.errOut)
	}
}

func TestUsageErrorsNameTheFlag(t *testing.T) {
	base := []string{"--corp-id", "ww1", "--redirect-uri", redirect}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--kind", "sso"}, "--kind unknown kind"},
		{[]string{"--state", "a_b"}, "--state may only contain"},
		{[]string{"--scope", "snsapi_privateinfo"}, "--agent-id scope snsapi_privateinfo needs"},
		{[]string{"--kind", "web"}, "--agent-id web login with login_type CorpApp"},
		{[]string{"--redirect-uri", "/relative"}, "--redirect-uri must be an absolute http(s) URL"},
		{[]string{"--lang", "en"}, "--lang applies only"},
		{[]string{"extra"}, `got "extra" besides --redirect-uri; quote the redirect URI`},
	} {
		r := exec(t, nil, nil, append(append([]string{}, base...), c.args...)...)
		if r.code != cmdutil.ExitUsage || r.out != "" || !strings.Contains(r.errOut, c.want) {
			t.Errorf("%v: code %d out %q err %q", c.args, r.code, r.out, r.errOut)
		}
	}
}

func TestWarningsOnStderr(t *testing.T) {
	r := exec(t, nil, nil, "--corp-id", "ww1", "--redirect-uri", "http://10.0.0.5:8080/#/login")
	if r.code != 0 || strings.Count(r.out, "\n") != 1 {
		t.Fatalf("code %d out %q", r.code, r.out)
	}
	for _, frag := range []string{"IP address", "port 8080", "'#'", "uses http"} {
		if !strings.Contains(r.errOut, frag) {
			t.Errorf("stderr lacks %q: %s", frag, r.errOut)
		}
	}
}

func TestQRDecodesToURL(t *testing.T) {
	cases := []struct {
		name      string
		stdoutTTY bool
		colour    bool
		term      qrtermtest.Terminal
	}{
		{"piped stdout: QR on stderr, plain", false, false, qrtermtest.Dark},
		{"tty stdout: QR on stdout, plain", true, false, qrtermtest.Dark},
		{"tty with colour on a light terminal", true, true, qrtermtest.Light},
		{"tty with colour on a dark terminal", true, true, qrtermtest.Dark},
	}
	for _, c := range cases {
		setup := func(ios *iostreams.IOStreams, _ *Options) {
			ios.SetStdoutTTY(c.stdoutTTY)
			ios.SetStderrTTY(c.stdoutTTY)
			ios.SetColorDisabled(!c.colour)
		}
		r := exec(t, nil, setup, "--corp-id", "ww0123456789abcdef", "--agent-id", "1000002", "--redirect-uri", redirect, "--state", "q", "--qr")
		if r.code != 0 {
			t.Fatalf("%s: code %d err %s", c.name, r.code, r.errOut)
		}
		url, qrText, _ := strings.Cut(r.out, "\n")
		if !c.stdoutTTY {
			if qrText != "" {
				t.Fatalf("%s: QR on a piped stdout: %q", c.name, qrText)
			}
			_, qrText, _ = strings.Cut(r.errOut, "app:\n")
		}
		if !strings.HasPrefix(url, "https://open.weixin.qq.com/") {
			t.Fatalf("%s: first stdout line %q is not the URL", c.name, url)
		}
		if c.colour != strings.Contains(qrText, "\x1b[") {
			t.Errorf("%s: escape codes present = %v", c.name, !c.colour)
		}
		got, err := qrtermtest.Decode(qrText, c.term)
		if err != nil {
			t.Fatalf("%s: decode: %v\n%s", c.name, err, qrText)
		}
		if got != url {
			t.Errorf("%s: QR holds %q, want %q", c.name, got, url)
		}
	}
}

func TestQRWidthWarning(t *testing.T) {
	narrow := func(ios *iostreams.IOStreams, _ *Options) { ios.SetStdoutTTY(true) }
	r := exec(t, map[string]string{}, narrow, "--corp-id", "ww1", "--redirect-uri", redirect+"?"+strings.Repeat("a", 200), "--qr")
	if !strings.Contains(r.errOut, "warning: the QR code is ") || !strings.Contains(r.errOut, "columns wide but the terminal has 80: it will not scan") {
		t.Errorf("no width warning: %s", r.errOut)
	}
	r = exec(t, map[string]string{}, narrow, "--corp-id", "ww1", "--redirect-uri", redirect, "--qr")
	if strings.Contains(r.errOut, "columns wide") {
		t.Errorf("a code that fits is not warned about: %s", r.errOut)
	}
}

func TestStrayArgumentIsNamed(t *testing.T) {
	r := exec(t, nil, nil, "--corp-id", "ww1", "extra")
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.errOut, "pass the callback as --redirect-uri extra") {
		t.Errorf("without --redirect-uri: %+v", r)
	}
	r = exec(t, nil, nil, "--corp-id", "ww1", "--redirect-uri", "https://a.com/", "extra")
	if r.code != cmdutil.ExitUsage || strings.Contains(r.errOut, "--redirect-uri extra") || !strings.Contains(r.errOut, `got "extra" besides --redirect-uri`) {
		t.Errorf("with --redirect-uri: %+v", r)
	}
}

func TestJSON(t *testing.T) {
	r := exec(t, nil, nil, "--corp-id", "ww0123456789abcdef", "--agent-id", "1000002", "--redirect-uri", "http://app.example.com/cb?a=1&b=2", "--state", "x1", "--json")
	if r.code != 0 || strings.Count(r.out, "\n") != 1 {
		t.Fatalf("code %d out %q err %q", r.code, r.out, r.errOut)
	}
	var got urlJSON
	if err := json.Unmarshal([]byte(r.out), &got); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.URL, "https://open.weixin.qq.com/connect/oauth2/authorize?appid=ww0123456789abcdef&") || got.Kind != "oauth" ||
		got.AppID != "ww0123456789abcdef" || got.AgentID != "1000002" || got.RedirectURI != "http://app.example.com/cb?a=1&b=2" ||
		got.Scope != "snsapi_base" || got.State != "x1" || len(got.Warnings) != 1 || got.Warnings[0].Code == "" {
		t.Fatalf("%+v", got)
	}
	if strings.Contains(r.out, `\u0026`) {
		t.Errorf("HTML-escaped: %s", r.out)
	}
	r = exec(t, nil, nil, "--corp-id", "ww1", "--agent-id", "1", "--kind", "web", "--redirect-uri", redirect, "--jq", ".login_type")
	if r.code != 0 || r.out != "CorpApp\n" {
		t.Errorf("--jq: %+v", r)
	}
	// With --json the QR code never lands in the JSON on stdout.
	tty := func(ios *iostreams.IOStreams, _ *Options) { ios.SetStdoutTTY(true) }
	r = exec(t, nil, tty, "--corp-id", "ww1", "--redirect-uri", redirect, "--json", "--qr")
	if r.code != 0 || strings.Contains(r.out, "█") || !strings.Contains(r.errOut, "█") {
		t.Errorf("--json --qr: %+v", r)
	}
}

func TestCorruptConfigIsReported(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	dir, _ := h.F.ConfigDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := NewCmd(h.F, nil)
	cmd.SetArgs([]string{"--redirect-uri", redirect})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	if err == nil || strings.Contains(err.Error(), "no corp id") || !strings.Contains(err.Error(), "config") {
		t.Fatalf("a corrupt config must not read as a missing corp id: %v", err)
	}
	// With both ids given the profile is not needed, nor read.
	cmd = NewCmd(h.F, nil)
	cmd.SetArgs([]string{"--redirect-uri", redirect, "--corp-id", "ww1", "--agent-id", "2"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
}

func TestSuiteLink(t *testing.T) {
	// The suite id comes from --corp-id, else WWCLI_SUITE_ID; never from
	// WWCLI_CORP_ID (a corp id as a suite link's appid fails on the phone).
	env := map[string]string{"WWCLI_CORP_ID": "wwcorp", "WWCLI_AGENT_ID": "1000002", "WWCLI_SUITE_ID": "ww9c3e7b1a5d2f8e60"}
	r := exec(t, env, nil, "--suite", "--redirect-uri", "https://app.example.com/cb", "--state", "x1")
	want := "https://open.weixin.qq.com/connect/oauth2/authorize?appid=ww9c3e7b1a5d2f8e60&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb" +
		"&response_type=code&scope=snsapi_base&state=x1#wechat_redirect\n"
	if r.code != 0 || r.out != want {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", r.code, r.out, r.errOut)
	}
	r = exec(t, env, nil, "--suite", "--corp-id", "wwother", "--redirect-uri", "https://app.example.com/cb")
	if r.code != 0 || !strings.Contains(r.out, "appid=wwother&") {
		t.Fatalf("--corp-id did not win: exit %d %s %s", r.code, r.out, r.errOut)
	}
}

func TestSuiteLinkErrors(t *testing.T) {
	r := exec(t, map[string]string{"WWCLI_CORP_ID": "wwcorp"}, nil, "--suite", "--redirect-uri", "https://app.example.com/cb")
	if r.code != 2 || !strings.Contains(r.errOut, "no suite id") || !strings.Contains(r.errOut, "WWCLI_SUITE_ID") || r.out != "" {
		t.Fatalf("no suite id: exit %d\n%s", r.code, r.errOut)
	}
	r = exec(t, nil, nil, "--suite", "--corp-id", "ww1", "--agent-id", "1000002", "--redirect-uri", "https://app.example.com/cb")
	if r.code != 2 || !strings.Contains(r.errOut, "--agent-id third-party links take no agentid") {
		t.Fatalf("agent id: exit %d\n%s", r.code, r.errOut)
	}
	r = exec(t, nil, nil, "--suite", "--kind", "web", "--corp-id", "ww1", "--redirect-uri", "https://app.example.com/cb")
	if r.code != 2 || !strings.Contains(r.errOut, "--suite builds the in-app OAuth2 link") {
		t.Fatalf("web kind: exit %d\n%s", r.code, r.errOut)
	}
	r = exec(t, nil, nil, "--suite", "--corp-id", "dk3b7e1f9a2c5d8e40", "--redirect-uri", "https://app.example.com/cb")
	if r.code != 0 || !strings.Contains(r.errOut, "warning: suite id dk3b7e1f9a2c5d8e40 looks like a 代开发 template") {
		t.Fatalf("template warning: exit %d\n%s", r.code, r.errOut)
	}
}

// Without --corp-id and WWCLI_SUITE_ID the profile's suite (auth login
// --suite) gives the suite id — never the profile's corp id.
func TestSuiteIDFromProfile(t *testing.T) {
	profile := func(_ *iostreams.IOStreams, o *Options) {
		o.Profile = func() (*config.Profile, error) {
			return &config.Profile{CorpID: "wwprofilecorp", AgentID: "2", SuiteID: "wwprofilesuite"}, nil
		}
	}
	r := exec(t, nil, profile, "--suite", "--redirect-uri", redirect)
	if r.code != 0 || !strings.Contains(r.out, "appid=wwprofilesuite&") || strings.Contains(r.out, "agentid") {
		t.Fatalf("code %d out %q err %q", r.code, r.out, r.errOut)
	}
	noSuite := func(_ *iostreams.IOStreams, o *Options) {
		o.Profile = func() (*config.Profile, error) { return &config.Profile{CorpID: "wwprofilecorp"}, nil }
	}
	if r := exec(t, nil, noSuite, "--suite", "--redirect-uri", redirect); r.code != 2 || !strings.Contains(r.errOut, "auth login --suite") {
		t.Fatalf("no suite: code %d err %q", r.code, r.errOut)
	}
}
