package doctor

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/check"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/doctor"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

func TestNewCmdParsesFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *Options
	cmd := NewCmd(h.F, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"ww1", "s3cret", "--agent-id", "1000002", "--domain", "app.example.com", "--jq", ".ok"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if len(got.Creds.Args) != 2 || got.Creds.AgentID != "1000002" || got.Domain != "app.example.com" || got.Exporter.JQ != ".ok" || got.Env == nil {
		t.Fatalf("parsed %+v", got)
	}
	cmd = NewCmd(h.F, func(context.Context, *Options) error { t.Fatal("run with a bad --jq"); return nil })
	cmd.SetArgs([]string{"--jq", ".["})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("bad --jq: %v", err)
	}
}

// TestEnvIsTheFactorys: the probes use the very client the API calls use
// (its proxy settings included), and the command's --timeout.
func TestEnvIsTheFactorys(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	h.F.Global.Timeout = 7 * time.Second
	env := envFrom(h.F, cmdutil.CredInput{})
	if env.HTTPClient != h.F.HTTPClient() || env.Timeout != 7*time.Second || env.Keyring != h.F.KeyringStore() {
		t.Fatalf("env %+v", env)
	}
}

func runDoctor(t *testing.T, env map[string]string, args ...string) (doctor.Report, string, int) {
	t.Helper()
	h := cmdutiltest.NewFactory(t)
	h.StartSandbox(t, sandbox.Options{})
	for k, v := range env {
		h.Env[k] = v
	}
	cmd := NewCmd(h.F, nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(append([]string{"--json"}, args...))
	err := cmd.ExecuteContext(context.Background())
	var rep doctor.Report
	if jerr := json.Unmarshal(h.Out.Bytes(), &rep); jerr != nil {
		t.Fatalf("stdout is not the JSON report: %v: %q (stderr %q)", jerr, h.Out.String(), h.ErrOut.String())
	}
	if n := strings.Count(h.Out.String(), "\n"); n != 1 {
		t.Errorf("piped --json is one compact line, got %d lines", n)
	}
	return rep, h.ErrOut.String(), cmdutil.ExitCode(err)
}

func demo() map[string]string {
	return map[string]string{"WWCLI_CORP_ID": sandbox.DemoCorpID, "WWCLI_SECRET": sandbox.DemoAppSecret, "WWCLI_AGENT_ID": "1000002"}
}

func TestHealthyExitsZero(t *testing.T) {
	rep, errOut, code := runDoctor(t, demo())
	if code != 0 || !rep.OK {
		t.Fatalf("exit %d ok=%v\n%s", code, rep.OK, errOut)
	}
	// One human line per check on stderr, also with --json.
	for _, want := range []string{"ok gettoken: access_token valid for ", "ok trusted IP: ", "skip trusted domain: not checked: "} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, sandbox.DemoAppSecret) {
		t.Error("secret printed")
	}
}

func TestFailedCheckExitsOne(t *testing.T) {
	env := demo()
	env["WWCLI_SECRET"] = "wrong-secret"
	rep, errOut, code := runDoctor(t, env)
	var tok doctor.Check
	for _, c := range rep.Checks {
		if c.Name == doctor.CheckToken {
			tok = c
		}
	}
	if code != cmdutil.ExitFailure || rep.OK || tok.Status != check.Fail {
		t.Fatalf("exit %d: %+v", code, tok)
	}
	if !strings.Contains(errOut, "\n    hint: ") || strings.Contains(errOut, "fix: hint") || !strings.Contains(errOut, "\n    fix: The secret does not match") {
		t.Errorf("stderr:\n%s", errOut)
	}
	if strings.Contains(errOut, "wrong-secret") {
		t.Error("secret printed")
	}
}

func TestInterruptIsNotAFailedCheck(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cmd := NewCmd(h.F, nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs([]string{})
	if err := cmd.ExecuteContext(ctx); err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled (root maps it to exit 130)", err)
	}
}

func TestEgressFlag(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *Options
	cmd := NewCmd(h.F, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--egress", "--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.Egress || !got.Exporter.Enabled() {
		t.Fatalf("parsed %+v", got)
	}
}

func TestEgressPrintsTheIPOnStdout(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	h.StartSandbox(t, sandbox.Options{})
	cmd := NewCmd(h.F, nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs([]string{"--egress"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if h.Out.String() != "127.0.0.1\n" || !strings.Contains(h.ErrOut.String(), "egress IP") {
		t.Fatalf("stdout %q stderr %q", h.Out.String(), h.ErrOut.String())
	}
}
