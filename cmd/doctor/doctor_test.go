package doctor

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

func start(t *testing.T, opts sandbox.Options) string {
	t.Helper()
	srv := sandbox.New(opts)
	u, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return u
}

func demoEnv(t *testing.T) map[string]string {
	return map[string]string{
		"WWCLI_CACHE_DIR": t.TempDir(), "WWCLI_CONFIG_DIR": t.TempDir(), "WWCLI_KEYRING": "off",
		"WWCLI_CORP_ID": sandbox.DemoCorpID, "WWCLI_SECRET": sandbox.DemoAppSecret, "WWCLI_AGENT_ID": "1000002",
	}
}

func runDoctor(t *testing.T, base string, env map[string]string, args ...string) (Report, string, int) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Getenv: func(k string) string { return env[k] }, Now: time.Now,
		Global: cmdutil.GlobalFlags{BaseURL: base, Timeout: 5 * time.Second}}
	cmd := NewCmd(f, nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(append([]string{"--json"}, args...))
	err := cmd.ExecuteContext(context.Background())
	var rep Report
	if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
		t.Fatalf("stdout is not the JSON report: %v: %q (stderr %q)", jerr, out.String(), errOut.String())
	}
	return rep, errOut.String(), cmdutil.ExitCode(err)
}

func status(rep Report, name string) Check {
	for _, c := range rep.Checks {
		if c.Name == name {
			return c
		}
	}
	return Check{Status: "absent"}
}

func TestHealthy(t *testing.T) {
	base := start(t, sandbox.Options{})
	rep, errOut, code := runDoctor(t, base, demoEnv(t))
	if code != 0 || !rep.OK {
		t.Fatalf("exit %d ok=%v\n%s", code, rep.OK, errOut)
	}
	for _, n := range []string{"credentials", "API host", "gettoken", "corp jsapi_ticket", "agent jsapi_ticket", "app (agent/get)", "trusted IP"} {
		if c := status(rep, n); c.Status != StatusPass {
			t.Errorf("%s: %+v", n, c)
		}
	}
	if c := status(rep, "app (agent/get)"); !strings.Contains(c.Detail, "演示应用") || !strings.Contains(c.Detail, "wwcli.example.com") {
		t.Errorf("agent detail: %q", c.Detail)
	}
	if c := status(rep, "keyring"); c.Status != StatusWarn || !strings.Contains(c.Detail, "WWCLI_KEYRING=off") {
		t.Errorf("keyring off must warn: %+v", c)
	}
	if c := status(rep, "trusted domain"); c.Status != StatusSkip {
		t.Errorf("trusted domain: %+v", c)
	}
	if strings.Contains(errOut, sandbox.DemoAppSecret) {
		t.Error("secret printed")
	}
	// one human line per check on stderr when piped
	if !strings.Contains(errOut, "ok gettoken: ") || !strings.Contains(errOut, "warn keyring: ") {
		t.Errorf("stderr: %q", errOut)
	}
}

func TestWrongSecret(t *testing.T) {
	base := start(t, sandbox.Options{})
	env := demoEnv(t)
	env["WWCLI_SECRET"] = "wrong-secret"
	rep, errOut, code := runDoctor(t, base, env)
	if code != 1 || rep.OK {
		t.Fatalf("exit %d ok=%v", code, rep.OK)
	}
	c := status(rep, "gettoken")
	if c.Status != StatusFail || !strings.Contains(c.Detail, "40001") || c.Fix == "" {
		t.Fatalf("gettoken: %+v", c)
	}
	if s := status(rep, "corp jsapi_ticket").Status; s != StatusSkip {
		t.Errorf("ticket after failed token: %s", s)
	}
	if strings.Contains(errOut, "wrong-secret") {
		t.Error("secret printed")
	}
}

func TestUntrustedIP(t *testing.T) {
	base := start(t, sandbox.Options{TrustedIPs: []string{"203.0.113.7"}})
	rep, _, code := runDoctor(t, base, demoEnv(t))
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	c := status(rep, "trusted IP")
	if c.Status != StatusFail || !strings.Contains(c.Detail, "127.0.0.1") || !strings.Contains(c.Fix, "企业可信IP") {
		t.Fatalf("trusted IP: %+v", c)
	}
}

func TestNoCredentials(t *testing.T) {
	base := start(t, sandbox.Options{})
	env := demoEnv(t)
	delete(env, "WWCLI_SECRET")
	delete(env, "WWCLI_CORP_ID")
	rep, _, code := runDoctor(t, base, env)
	if code != 1 || status(rep, "credentials").Status != StatusFail || status(rep, "gettoken").Status != StatusSkip {
		t.Fatalf("exit %d: %+v", code, rep)
	}
}

func TestNoAgentAndDomainLiteral(t *testing.T) {
	base := start(t, sandbox.Options{})
	env := demoEnv(t)
	delete(env, "WWCLI_AGENT_ID")
	rep, _, code := runDoctor(t, base, env, "--domain", "127.0.0.1")
	if code != 0 {
		t.Fatalf("exit %d: %+v", code, rep)
	}
	if status(rep, "app (agent/get)").Status != StatusSkip || status(rep, "trusted domain").Status != StatusWarn ||
		status(rep, "verify-domain file").Status != StatusSkip {
		t.Fatalf("%+v", rep.Checks)
	}
}

func TestUnreachableHost(t *testing.T) {
	// A port nobody listens on: take one from a server we close at once.
	srv := sandbox.New(sandbox.Options{})
	dead, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_ = srv.Close()
	rep, _, code := runDoctor(t, dead, demoEnv(t))
	if code != 1 || status(rep, "API host").Status != StatusFail || status(rep, "gettoken").Status != StatusSkip {
		t.Fatalf("exit %d %+v", code, rep.Checks)
	}
}
