package version

import (
	"context"
	"runtime"
	"testing"

	"github.com/wwcli/wwcli/internal/testutil"
	"github.com/wwcli/wwcli/pkg/build"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
)

func TestNewCmdParsesFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *Options
	cmd := NewCmd(h.F, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--jq", ".version"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	testutil.Equal(t, "Exporter.JQ", got.Exporter.JQ, ".version")
	testutil.Equal(t, "Exporter.Enabled()", got.Exporter.Enabled(), true)
	testutil.Equal(t, "Build set", got.Build != nil, true)
	testutil.Equal(t, "IO is the factory's", got.IO == h.F.IO, true)
	cmd = NewCmd(h.F, func(context.Context, *Options) error { t.Fatal("run with a bad --jq"); return nil })
	cmd.SetArgs([]string{"--jq", ".["})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("bad --jq: %v", err)
	}
}

func run1(t *testing.T, args ...string) string {
	t.Helper()
	h := cmdutiltest.NewFactory(t)
	cmd := NewCmd(h.F, func(ctx context.Context, o *Options) error {
		o.Build = func() build.Info { return build.Info{Version: "v1.2.3", Commit: "abc", Date: "2026-12-01"} }
		return run(ctx, o)
	})
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	return h.Out.String()
}

func TestOutput(t *testing.T) {
	if got := run1(t); got != "wwcli version v1.2.3 (abc 2026-12-01)\n" {
		t.Errorf("text: %q", got)
	}
	want := `{"version":"v1.2.3","commit":"abc","date":"2026-12-01","go":"` + runtime.Version() + `","os":"` + runtime.GOOS + `","arch":"` + runtime.GOARCH + `"}` + "\n"
	if got := run1(t, "--json"); got != want {
		t.Errorf("json: %q, want %q", got, want)
	}
	if got := run1(t, "--jq", ".os"); got != runtime.GOOS+"\n" {
		t.Errorf("jq: %q", got)
	}
}
