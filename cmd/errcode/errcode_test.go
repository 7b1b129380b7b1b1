package errcode

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
)

// withRoot hangs errcode under a root that, like wwcli's, has a global
// --timeout checked in its PersistentPreRunE.
func withRoot(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	root := &cobra.Command{Use: "wwcli", SilenceErrors: true, SilenceUsage: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if f.Global.Timeout <= 0 {
				return cmdutil.FlagErrorf("--timeout must be positive")
			}
			return nil
		}}
	root.PersistentFlags().DurationVar(&f.Global.Timeout, "timeout", 10*time.Second, "")
	root.AddCommand(NewCmd(f, runF))
	return root
}

func TestNewCmdParsesFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *Options
	root := withRoot(h.F, func(_ context.Context, o *Options) error { got = o; return nil })
	root.SetArgs([]string{"errcode", "-40001", "--jq", ".[0].zh", "60020", "-1", "--search", "-5", "--timeout", "3s"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Inputs, ",") != "-40001,60020,-1" || got.Exporter.JQ != ".[0].zh" || !got.Exporter.Enabled() ||
		got.Search != "-5" || got.List || h.F.Global.Timeout != 3*time.Second {
		t.Errorf("parsed %+v (timeout %s)", got, h.F.Global.Timeout)
	}

	got = nil
	root = withRoot(h.F, func(_ context.Context, o *Options) error { got = o; return nil })
	root.SetArgs([]string{"errcode", "--list", "--json", "--", "-40001", "--list"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.List || !got.Exporter.JSON || strings.Join(got.Inputs, ",") != "-40001,--list" {
		t.Errorf("after --: %+v", got)
	}
}

// Usage errors exit 2 before run: a bad global flag (checked by the root
// as for every command), a bad --jq, an empty --search, an unknown flag.
func TestNewCmdUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"errcode", "--timeout", "-1s", "60020"},
		{"errcode", "--jq", ".[", "60020"},
		{"errcode", "--search", ""},
		{"errcode", "--search", "  "},
		{"errcode", "--bogus"},
	} {
		h := cmdutiltest.NewFactory(t)
		called := false
		root := withRoot(h.F, func(context.Context, *Options) error { called = true; return nil })
		root.SetArgs(args)
		err := root.Execute()
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || called {
			t.Errorf("%v: want exit 2 before run, got %v (run called: %v)", args, err, called)
		}
	}
}

func TestHelpIsNotAnError(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	root := withRoot(h.F, nil)
	root.SetOut(h.Out)
	root.SetArgs([]string{"errcode", "--help"})
	if err := root.Execute(); err != nil || !strings.Contains(h.Out.String(), "debug=1") {
		t.Fatalf("--help: %v\n%s", err, h.Out.String())
	}
}

// runCmd runs `errcode args...` with buffers for streams.
func runCmd(t *testing.T, stdin string, stdinTTY bool, args ...string) (string, string, error) {
	t.Helper()
	h := cmdutiltest.NewFactory(t)
	h.In.WriteString(stdin)
	h.F.IO.SetStdinTTY(stdinTTY)
	root := withRoot(h.F, nil)
	root.SetArgs(append([]string{"errcode"}, args...))
	err := root.Execute()
	return h.Out.String(), h.ErrOut.String(), err
}

func TestRunExitCodes(t *testing.T) {
	if _, _, err := runCmd(t, "", true); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("no input on a TTY: %v, want exit 2", err)
	}
	out, errOut, err := runCmd(t, "", false, "99999", "60020", "99999")
	if cmdutil.ExitCode(err) != cmdutil.ExitFailure || !strings.Contains(out, "query?e=99999") ||
		strings.Count(errOut, "warning: errcode 99999 is not in wwcli's table") != 1 {
		t.Errorf("unknown code: err %v\nout %s\nerr %s", err, out, errOut)
	}
	// the errcode --help example works when pasted
	out, _, err = runCmd(t, "", false, "invalid credential, hint: [...], more info at ...?e=40001")
	if err != nil || !strings.HasPrefix(out, "errcode 40001 ") {
		t.Errorf("help example: %v\n%s", err, out)
	}
}

// --json has one shape: an array, one object per input, errmsg kept.
func TestJSONIsAlwaysAnArray(t *testing.T) {
	for stdin, errmsgs := range map[string][]string{
		"60020\n": {""},
		"60020\n{\"errcode\":40014,\n\"errmsg\":\"invalid access_token\"}\n": {"", "invalid access_token"},
	} {
		out, _, err := runCmd(t, stdin, false, "--json")
		var exps []map[string]any
		if err != nil || json.Unmarshal([]byte(out), &exps) != nil || len(exps) != len(errmsgs) {
			t.Fatalf("stdin %q --json: %v %s", stdin, err, out)
		}
		for i, e := range exps {
			if msg, ok := e["errmsg"]; !ok || msg != errmsgs[i] {
				t.Errorf("errmsg must be kept: %s", out)
			}
		}
	}
	out, _, err := runCmd(t, "", false, "--json", "99999")
	if cmdutil.ExitCode(err) != cmdutil.ExitFailure || !strings.HasPrefix(out, `[{"errcode":99999,`) {
		t.Errorf("one unknown code: %v %s", err, out)
	}
	out, _, err = runCmd(t, "", false, "--search", "zzz-nothing", "--json")
	if cmdutil.ExitCode(err) != cmdutil.ExitFailure || out != "[]\n" {
		t.Errorf("search without matches: %v %q, want [] and exit 1", err, out)
	}
	out, _, err = runCmd(t, "", false, "--jq", ".[].zh", "60020", "-40001")
	if err != nil || out != "不安全的访问IP\n签名校验错误\n" {
		t.Errorf("--jq: %v %q", err, out)
	}
}

func TestListOutputs(t *testing.T) {
	out, _, err := runCmd(t, "", false, "--list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	// At least the 1256 codes of the official table and the 12 callback
	// codes (a table refresh may add rows), the API table first.
	if len(lines) < 1256+12 {
		t.Errorf("--list piped: %d lines, want at least 1256+12", len(lines))
	}
	if lines[0] != "-1\t系统繁忙\tSystem busy; retry later (at most 3 times)" {
		t.Errorf("--list piped: first line %q", lines[0])
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "-40012\t") {
		t.Errorf("--list piped: last line %q, want the callback code -40012", last)
	}
	for _, want := range []string{
		"60020\t不安全的访问IP\tUntrusted source IP (not in trusted-IP / IP whitelist)",
		"45009\t接口调用超过限制\tAPI call frequency limit exceeded (debug=1 mode: only 5/min)",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("--list piped lacks the row %q", want)
		}
	}
	for _, l := range lines {
		if strings.Count(l, "\t") != 2 {
			t.Fatalf("not a 3-column TSV row: %q", l)
		}
	}
	out, errOut, err := runCmd(t, "", false, "--search", "zzz-nothing")
	if cmdutil.ExitCode(err) != cmdutil.ExitFailure || out != "" || !strings.Contains(errOut, "no errcode meaning matches") {
		t.Errorf("search without matches: %v %q %q, want exit 1", err, out, errOut)
	}
}
