package token

import (
	"context"
	"testing"

	"github.com/wwcli/wwcli/internal/testutil"
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
	testutil.Equal(t, "Creds", got.Creds, cmdutil.CredInput{Args: []string{}, CorpID: "ww1", AgentID: "1000002", SecretFile: "s.txt"})
	testutil.Equal(t, "Refresh", got.Refresh, true)
	testutil.Equal(t, "NoCache", got.NoCache, true)
	testutil.Equal(t, "Exporter.Enabled()", got.Exporter.Enabled(), true)
	testutil.Equal(t, "Exporter.JQ", got.Exporter.JQ, ".access_token")
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
