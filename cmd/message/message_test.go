package message

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

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
	cmd := newCmdSend(h.F, func(o *SendOptions) error { got = o; return nil })
	err := execute(cmd, "--to", "zhangsan", "--to", "lisi|wangwu", "--to-party", "2", "--to-tag", "9",
		"--textcard", "Build 42", "--description", "passed", "--url", "https://ci", "--btntxt", "查看",
		"--safe", "--dedupe", "30m", "--allow-partial", "--agent-id", "1000002", "--corp-id", "ww1", "--secret-file", "s.txt",
		"--no-cache", "--json")
	if err != nil {
		t.Fatal(err)
	}
	r := got.Request
	if strings.Join(r.To, ",") != "zhangsan,lisi|wangwu" || r.ToParty[0] != "2" || r.ToTag[0] != "9" ||
		len(r.Kinds) != 1 || r.Kinds[0] != (msg.Given{Flag: "textcard", Value: "Build 42"}) || r.Description != "passed" ||
		r.URL != "https://ci" || r.ButtonText != "查看" || !r.Safe || r.Dedupe != 30*time.Minute || !got.AllowPartial ||
		got.Creds.AgentID != "1000002" || got.Creds.CorpID != "ww1" || got.Creds.SecretFile != "s.txt" || !got.NoCache || !got.Exporter.JSON {
		t.Fatalf("%+v", got)
	}
	cmd = newCmdSend(h.F, func(o *SendOptions) error { got = o; return nil })
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
	if err := execute(newCmdRecall(h.F, func(o *RecallOptions) error { got = o; return nil }), "MSG1", "ww1", "SECRET"); err != nil {
		t.Fatal(err)
	}
	if got.MsgID != "MSG1" || len(got.Creds.Args) != 2 {
		t.Fatalf("%+v", got)
	}
	if err := execute(newCmdRecall(h.F, nil)); cmdutil.ExitCode(err) != 2 {
		t.Fatalf("no msgid: %v", err)
	}
}
