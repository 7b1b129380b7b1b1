package token

import (
	"context"
	"testing"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
)

func TestNewCmdParsesFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *Options
	cmd := NewCmd(h.F, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--corp-id", "ww1", "--secret-file", "s.txt", "--agent-id", "1000002", "--refresh", "--no-cache", "--jq", ".access_token"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := cmdutil.CredInput{Args: []string{}, CorpID: "ww1", AgentID: "1000002", SecretFile: "s.txt"}
	if got.Creds.CorpID != want.CorpID || got.Creds.AgentID != want.AgentID || got.Creds.SecretFile != want.SecretFile ||
		!got.Refresh || !got.NoCache || !got.Exporter.Enabled() || got.Exporter.JQ != ".access_token" {
		t.Fatalf("parsed %+v", got)
	}
}

func TestNewCmdBadJQIsUsageBeforeAnyRequest(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	called := false
	cmd := NewCmd(h.F, func(context.Context, *Options) error { called = true; return nil })
	cmd.SetArgs([]string{"--jq", ".["})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || called {
		t.Fatalf("want exit 2 before run, got %v (run called: %v)", err, called)
	}
}
