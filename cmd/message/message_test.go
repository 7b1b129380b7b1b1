package message

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/internal/testutil"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	msg "github.com/wwcli/wwcli/pkg/message"
)

func execute(cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.Execute()
}

func TestNewCmdSend(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *SendOptions
	cmd := newCmdSend(h.F, func(_ context.Context, o *SendOptions) error { got = o; return nil })
	err := execute(cmd, "--to", "zhangsan", "--to", "lisi|wangwu", "--to-party", "2", "--to-tag", "9",
		"--textcard", "Build 42", "--description", "passed", "--url", "https://ci", "--btntxt", "查看",
		"--safe", "--dedupe", "30m", "--allow-partial", "--agent-id", "1000002", "--corp-id", "ww1", "--secret-file", "s.txt",
		"--no-cache", "--json")
	if err != nil {
		t.Fatal(err)
	}
	r := got.Request
	testutil.Equal(t, "Request.To", r.To, []string{"zhangsan", "lisi|wangwu"})
	testutil.Equal(t, "Request.ToParty", r.ToParty, []string{"2"})
	testutil.Equal(t, "Request.ToTag", r.ToTag, []string{"9"})
	testutil.Equal(t, "Request.Kinds", r.Kinds, []msg.Given{{Flag: "textcard", Value: "Build 42"}})
	testutil.Equal(t, "Request.Description", r.Description, "passed")
	testutil.Equal(t, "Request.URL", r.URL, "https://ci")
	testutil.Equal(t, "Request.ButtonText", r.ButtonText, "查看")
	testutil.Equal(t, "Request.Safe", r.Safe, true)
	testutil.Equal(t, "Request.Dedupe", r.Dedupe, 30*time.Minute)
	testutil.Equal(t, "AllowPartial", got.AllowPartial, true)
	testutil.Equal(t, "Creds.AgentID", got.Creds.AgentID, "1000002")
	testutil.Equal(t, "Creds.CorpID", got.Creds.CorpID, "ww1")
	testutil.Equal(t, "Creds.SecretFile", got.Creds.SecretFile, "s.txt")
	testutil.Equal(t, "NoCache", got.NoCache, true)
	testutil.Equal(t, "Exporter.JSON", got.Exporter.JSON, true)
	cmd = newCmdSend(h.F, func(_ context.Context, o *SendOptions) error { got = o; return nil })
	if err := execute(cmd, "--to", "a", "--text", "-", "ww1", "SECRET"); err != nil || len(got.Creds.Args) != 2 {
		t.Fatalf("%v %+v", err, got)
	}
	if err := execute(newCmdSend(h.F, nil), "--to", "a", "--text", "x", "onlyone"); cmdutil.ExitCode(err) != 2 {
		t.Fatalf("one positional: %v", err)
	}
}

func TestNewCmdRecall(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *RecallOptions
	if err := execute(newCmdRecall(h.F, func(_ context.Context, o *RecallOptions) error { got = o; return nil }), "MSG1", "ww1", "SECRET"); err != nil {
		t.Fatal(err)
	}
	if got.MsgID != "MSG1" || len(got.Creds.Args) != 2 {
		t.Fatalf("%+v", got)
	}
	if err := execute(newCmdRecall(h.F, nil)); cmdutil.ExitCode(err) != 2 {
		t.Fatalf("no msgid: %v", err)
	}
}
