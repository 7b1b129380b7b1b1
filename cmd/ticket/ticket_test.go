package ticket

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

func TestNewCmdParsesFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *Options
	cmd := NewCmd(h.F, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--agent", "--corp-id", "ww1", "--secret-stdin", "--agent-id", "1000003", "--refresh", "--no-cache", "--jq", ".ticket"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.Agent || got.Creds.CorpID != "ww1" || !got.Creds.SecretStdin || got.Creds.AgentID != "1000003" ||
		!got.Refresh || !got.NoCache || !got.Exporter.Enabled() || got.Exporter.JQ != ".ticket" || got.Session == nil {
		t.Fatalf("parsed %+v", got)
	}
}

func TestNewCmdBadJQIsUsageBeforeAnyRequest(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	called := false
	cmd := NewCmd(h.F, func(context.Context, *Options) error { called = true; return nil })
	cmd.SetArgs([]string{"--jq", ".["})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); cmdutil.ExitCode(err) != cmdutil.ExitUsage || called {
		t.Fatalf("want exit 2 before run, got %v (run called: %v)", err, called)
	}
}

func runTicket(t *testing.T, h *cmdutiltest.Harness, args ...string) (int, string, error) {
	t.Helper()
	h.Out.Reset()
	cmd := NewCmd(h.F, nil)
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	return cmdutil.ExitCode(err), h.Out.String(), err
}

func TestJSONHasOneShape(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	h.StartSandbox(t, sandbox.Options{})
	h.Env["WWCLI_CORP_ID"], h.Env["WWCLI_SECRET"] = sandbox.DemoCorpID, sandbox.DemoAppSecret
	code, out, err := runTicket(t, h, "--agent", "--json")
	var got map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got["type"] != "agent" || got["cached"] != false || len(got) != 5 {
		t.Fatalf("exit %d %v: %s", code, err, out)
	}
	code, out, err = runTicket(t, h, "--agent", "--jq", ".cached")
	if code != 0 || out != "true\n" {
		t.Fatalf("--jq: exit %d %v: %q", code, err, out)
	}
}

// ticket --agent --agent-id of another app would print the secret's own
// app ticket (WeCom ignores the agent id): it is refused instead.
func TestAgentIDOfAnotherAppIsRefused(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	srv, _ := h.StartSandbox(t, sandbox.Options{})
	h.Env["WWCLI_CORP_ID"], h.Env["WWCLI_SECRET"] = sandbox.DemoCorpID, sandbox.DemoAppSecret
	code, out, err := runTicket(t, h, "--agent", "--agent-id", "1000003")
	if code != cmdutil.ExitAPI || out != "" || err == nil || !strings.Contains(err.Error(), "agent id 1000003 is not the app of this secret") {
		t.Fatalf("exit %d, out %q, err %v", code, out, err)
	}
	if srv.Count("/cgi-bin/ticket/get") != 0 {
		t.Fatalf("fetched a ticket anyway: %v", srv.Counters())
	}
	// Not an app at all: 40056, same refusal.
	if code, _, err = runTicket(t, h, "--agent", "--agent-id", "7"); code != cmdutil.ExitAPI || !strings.Contains(err.Error(), "errcode 40056") {
		t.Fatalf("agent 7: exit %d, %v", code, err)
	}
	// The secret's own app passes, and the corp ticket needs no check.
	if code, _, err = runTicket(t, h, "--agent", "--agent-id", "1000002"); code != 0 {
		t.Fatalf("own app: exit %d, %v", code, err)
	}
	if code, _, err = runTicket(t, h, "--agent-id", "1000003"); code != 0 {
		t.Fatalf("corp ticket: exit %d, %v", code, err)
	}
	if srv.Count("/cgi-bin/agent/get") != 3 {
		t.Fatalf("agent/get calls: %v", srv.Counters())
	}
}
