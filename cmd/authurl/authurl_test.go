package authurl

import (
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/qrterm/qrtermtest"
)

type result struct {
	out, errOut string
	code        int
}

// exec runs `wwcli authurl args...` with env and tty settings, through
// cobra like the real binary.
func exec(t *testing.T, env map[string]string, setup func(*iostreams.IOStreams, *Options), args ...string) result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Getenv: func(k string) string { return env[k] }}
	cmd := NewCmd(f, func(o *Options) error {
		if setup != nil {
			setup(ios, o)
		}
		return run(o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(errOut)
	cmd.SetErr(errOut)
	err := cmd.Execute()
	if err != nil {
		errOut.WriteString(err.Error() + "\n")
	}
	return result{out.String(), errOut.String(), cmdutil.ExitCode(err)}
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
		o.DefaultCorpID = func() string { return "wwprofile" }
		o.DefaultAgentID = func() string { return "2" }
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
		{[]string{"extra"}, "takes no arguments"},
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
	if !strings.Contains(r.errOut, "columns wide but the terminal has 80") {
		t.Errorf("no width warning: %s", r.errOut)
	}
}
