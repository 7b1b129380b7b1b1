package gendocs

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
)

// demoTree is a small tree with every kind of node gen-docs meets: a
// runnable command with flags, a hidden command, help topics and a group.
func demoTree(t *testing.T) (*cobra.Command, *cmdutil.Factory) {
	t.Helper()
	io, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IO: io, Getenv: func(string) string { return "" }}
	root := &cobra.Command{
		Use:     "demo <command> [flags]",
		Short:   "Demo tool",
		Long:    "Demo does things.\n\n  demo alpha   indented line kept as is\n",
		Example: "  demo alpha --json",
		Version: "1.2.3",
	}
	root.PersistentFlags().Bool("no-color", false, "disable colour")
	alpha := &cobra.Command{
		Use:     "alpha [flags]",
		Short:   "Run alpha",
		Long:    ".starts with a dot and has a back\\slash",
		Example: "  demo alpha --json",
		RunE:    func(*cobra.Command, []string) error { return nil },
	}
	alpha.Flags().Bool("json", false, "print JSON")
	alpha.Flags().String("mode", "fast", "the `MODE` to run in")
	group := &cobra.Command{Use: "group", Short: "A group of commands"}
	group.AddCommand(&cobra.Command{Use: "leaf", Short: "A leaf", Run: func(*cobra.Command, []string) {}})
	hidden := &cobra.Command{Use: "secret", Short: "Hidden", Hidden: true, Run: func(*cobra.Command, []string) {}}
	topic := &cobra.Command{Use: "exit-codes", Short: "Exit codes", Long: "0  ok\n2  usage"}
	env := &cobra.Command{Use: "environment", Short: "Environment", Long: "DEMO_X  a variable"}
	root.AddCommand(alpha, group, hidden, topic, env, NewCmd(f, nil))
	return root, f
}

func run(t *testing.T, root *cobra.Command, args ...string) error {
	t.Helper()
	root.SetArgs(args)
	root.SetOut(&strings.Builder{})
	root.SetErr(&strings.Builder{})
	root.SilenceErrors, root.SilenceUsage = true, true
	return root.Execute()
}

func TestNewCmdBindsFlags(t *testing.T) {
	root, f := demoTree(t)
	var got *Options
	root.RemoveCommand(findCmd(t, root, "gen-docs"))
	root.AddCommand(NewCmd(f, func(o *Options) error { got = o; return nil }))
	if err := run(t, root, "gen-docs", "--completions", "c", "--markdown", "m", "--man", "n"); err != nil {
		t.Fatal(err)
	}
	if got.CompletionsDir != "c" || got.MarkdownDir != "m" || got.ManDir != "n" || got.Root != root {
		t.Fatalf("options = %+v", got)
	}
}

func TestNewCmdNeedsADirectory(t *testing.T) {
	root, _ := demoTree(t)
	err := run(t, root, "gen-docs")
	if err == nil || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("err = %v (exit %d), want a usage error", err, cmdutil.ExitCode(err))
	}
	if !strings.Contains(err.Error(), "--markdown") {
		t.Fatalf("error %q does not name the flags to pass", err)
	}
}

func TestGenDocsWritesEverything(t *testing.T) {
	root, _ := demoTree(t)
	dir := t.TempDir()
	if err := run(t, root, "gen-docs", "--completions", filepath.Join(dir, "c"),
		"--markdown", filepath.Join(dir, "md"), "--man", filepath.Join(dir, "man")); err != nil {
		t.Fatal(err)
	}
	assertFiles(t, filepath.Join(dir, "c"), "demo.bash", "demo.fish", "demo.ps1", "demo.zsh")
	assertFiles(t, filepath.Join(dir, "md"), "demo.md", "demo_alpha.md", "demo_completion.md",
		"demo_completion_bash.md", "demo_completion_fish.md", "demo_completion_powershell.md",
		"demo_completion_zsh.md", "demo_environment.md", "demo_exit-codes.md", "demo_group.md", "demo_group_leaf.md")
	assertFiles(t, filepath.Join(dir, "man"), "demo-alpha.1", "demo-completion-bash.1", "demo-completion-fish.1",
		"demo-completion-powershell.1", "demo-completion-zsh.1", "demo-completion.1", "demo-group-leaf.1",
		"demo-group.1", "demo.1")

	bash := read(t, dir, "c/demo.bash")
	if !strings.Contains(bash, "__start_demo") {
		t.Errorf("bash completion does not define __start_demo")
	}
	alphaMD := read(t, dir, "md/demo_alpha.md")
	for _, want := range []string{"## demo alpha", "demo alpha [flags]", "--json", "--mode MODE", `(default "fast")`,
		"### Options inherited from parent commands", "--no-color", "[demo](demo.md) - Demo tool"} {
		if !strings.Contains(alphaMD, want) {
			t.Errorf("demo_alpha.md lacks %q:\n%s", want, alphaMD)
		}
	}
	rootMD := read(t, dir, "md/demo.md")
	if strings.Contains(rootMD, "secret") || strings.Contains(rootMD, "gen-docs") {
		t.Errorf("hidden commands leak into demo.md:\n%s", rootMD)
	}
	if !strings.Contains(rootMD, "Demo does things.\n\n```\n  demo alpha   indented line kept as is\n```") {
		t.Errorf("demo.md does not fence the indented paragraph:\n%s", rootMD)
	}
	if !strings.Contains(rootMD, "-v, --version") {
		t.Errorf("demo.md lacks the --version flag:\n%s", rootMD)
	}

	man := read(t, dir, "man/demo.1")
	if first := strings.SplitN(man, "\n", 2)[0]; first != `.TH "DEMO" "1" "" "demo" "demo manual"` {
		t.Errorf(".TH line = %q, want no date", first)
	}
	for _, want := range []string{".SH EXIT STATUS\n.nf\n0  ok", ".SH ENVIRONMENT\n.nf\nDEMO_X", "\\fBdemo-alpha\\fR(1)",
		".nf\n  demo alpha   indented line kept as is\n.fi"} {
		if !strings.Contains(man, want) {
			t.Errorf("demo.1 lacks %q:\n%s", want, man)
		}
	}
	alphaMan := read(t, dir, "man/demo-alpha.1")
	if !strings.Contains(alphaMan, "\\&.starts with a dot and has a back\\eslash") {
		t.Errorf("demo-alpha.1 does not escape roff control characters:\n%s", alphaMan)
	}
	if !strings.Contains(alphaMan, "\\fB\\-\\-mode MODE\\fR\nthe MODE to run in (default fast)") {
		t.Errorf("demo-alpha.1 flag entry wrong:\n%s", alphaMan)
	}
}

func TestGenerationIsDeterministic(t *testing.T) {
	gens := map[string]func(*cobra.Command) (map[string][]byte, error){
		"completions": Completions, "markdown": Markdown, "man": ManPages,
	}
	for name, gen := range gens {
		rootA, _ := demoTree(t)
		rootB, _ := demoTree(t)
		prepareTree(rootA)
		prepareTree(rootB)
		a, errA := gen(rootA)
		b, errB := gen(rootB)
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v %v", name, errA, errB)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two generations differ", name)
		}
	}
}

func TestWriteDirRemovesStaleOwnFilesOnly(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"demo_gone.md", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeDir(dir, map[string][]byte{"demo.md": []byte("new\n")}, isMarkdownFile); err != nil {
		t.Fatal(err)
	}
	assertFiles(t, dir, "demo.md", "notes.txt")
}

func findCmd(t *testing.T, root *cobra.Command, name string) *cobra.Command {
	t.Helper()
	c, _, err := root.Find([]string{name})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func assertFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s holds %v, want %v", dir, got, want)
	}
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
