package webhook

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/sandbox"
	wh "github.com/wwcli/wwcli/pkg/webhook"
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
	err := execute(cmd, "--markdown", "@notes.md", "--mention", "zhangsan", "--mention", "lisi", "--truncate",
		"--robot", "ci", "--wait", "30s", "--rate", "10/1m", "--dry-run", "--jq", ".errcode")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Request.Kinds) != 1 || got.Request.Kinds[0] != (wh.Given{Flag: "markdown", Value: "@notes.md"}) ||
		strings.Join(got.Request.Mentions, ",") != "zhangsan,lisi" || !got.Request.Truncate || got.Key.Robot != "ci" ||
		got.Wait != 30*time.Second || got.Rate != "10/1m" || !got.DryRun || !got.Exporter.Enabled() {
		t.Fatalf("%+v", got)
	}

	cmd = newCmdSend(h.F, func(_ context.Context, o *SendOptions) error { got = o; return nil })
	if err := execute(cmd, "--news", "title=a,url=https://a", "--news", "@more.json", "--key-file", "k"); err != nil {
		t.Fatal(err)
	}
	if len(got.Request.Kinds) != 1 || got.Request.Kinds[0].Flag != "news" || len(got.Request.News) != 2 ||
		got.Key.KeyFile != "k" || got.Wait != wh.DefaultWait || got.Rate != "20/1m" {
		t.Fatalf("%+v", got)
	}

	// Two kinds are collected; the pkg refuses them with a clear message.
	cmd = newCmdSend(h.F, func(_ context.Context, o *SendOptions) error { got = o; return nil })
	if err := execute(cmd, "--text", "a", "--image", "b.png"); err != nil || len(got.Request.Kinds) != 2 {
		t.Fatalf("%v %+v", err, got)
	}
	if err := execute(newCmdSend(h.F, nil), "--text", "x", "--jq", ".["); cmdutil.ExitCode(err) != 2 {
		t.Fatalf("bad --jq: %v", err)
	}
	if err := execute(newCmdSend(h.F, nil), "extra"); err == nil {
		t.Fatal("positional arguments are refused")
	}
}

func TestNewCmdUpload(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *UploadOptions
	cmd := newCmdUpload(h.F, func(_ context.Context, o *UploadOptions) error { got = o; return nil })
	if err := execute(cmd, "memo.amr", "--type", "voice", "--robot", "ci", "--json"); err != nil {
		t.Fatal(err)
	}
	if got.Path != "memo.amr" || got.Type != "voice" || got.Key.Robot != "ci" || !got.Exporter.JSON {
		t.Fatalf("%+v", got)
	}
	for _, args := range [][]string{{}, {"a", "b"}, {"a", "--type", "image"}} {
		if err := execute(newCmdUpload(h.F, nil), args...); cmdutil.ExitCode(err) != 2 {
			t.Errorf("%v: %v", args, err)
		}
	}
}

func TestNewCmdRobots(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var add *AddOptions
	if err := execute(newCmdAdd(h.F, func(_ context.Context, o *AddOptions) error { add = o; return nil }), "ci-alerts", "--insecure-storage"); err != nil {
		t.Fatal(err)
	}
	if add.Name != "ci-alerts" || !add.InsecureStorage {
		t.Fatalf("%+v", add)
	}
	if err := execute(newCmdAdd(h.F, nil), "bad name"); cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "invalid robot name") {
		t.Fatalf("%v", err)
	}
	var list *ListOptions
	if err := execute(newCmdList(h.F, func(_ context.Context, o *ListOptions) error { list = o; return nil }), "--json"); err != nil || !list.Exporter.JSON {
		t.Fatal(err)
	}
	var rm *RemoveOptions
	if err := execute(newCmdRemove(h.F, func(_ context.Context, o *RemoveOptions) error { rm = o; return nil }), "ci-alerts"); err != nil || rm.Name != "ci-alerts" {
		t.Fatal(err)
	}
}

func TestAddFromStdinThenSendByName(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	srv, _ := h.StartSandbox(t, sandbox.Options{})
	h.In.WriteString("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + sandbox.DemoRobotKey + "\n")
	if err := execute(newCmdAdd(h.F, nil), "ci"); err != nil {
		t.Fatal(err) // the harness's in-memory keyring
	}
	if strings.Contains(h.ErrOut.String(), sandbox.DemoRobotKey) {
		t.Fatal("the key was printed")
	}
	cfg, err := h.F.Config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Robots["ci"] == nil || cfg.Robots["ci"].SecretStorage != config.StorageKeyring {
		t.Fatalf("%+v", cfg.Robots)
	}
	if k, err := h.Keyring.Get(context.Background(), config.RobotAccount("ci")); err != nil || k != sandbox.DemoRobotKey {
		t.Fatalf("stored %q (%v)", k, err)
	}
	if err := execute(newCmdSend(h.F, nil), "--robot", "ci", "--text", "by name"); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.RobotMessages(sandbox.DemoRobotName)); n != 1 {
		t.Fatalf("delivered %d", n)
	}
	h.ErrOut.Reset()
	if err := execute(newCmdList(h.F, nil)); err != nil || h.Out.String() != "ci\tkeyring\n" {
		t.Fatalf("%v %q", err, h.Out.String())
	}
}

func TestSendWithoutKey(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	h.StartSandbox(t, sandbox.Options{})
	err := execute(newCmdSend(h.F, nil), "--text", "hi")
	var nk *wh.NoKeyError
	if !errors.As(err, &nk) || cmdutil.ExitCode(err) != 4 {
		t.Fatalf("%v", err)
	}
}
