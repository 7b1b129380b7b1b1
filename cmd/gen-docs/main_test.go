package main

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
)

// demoTree is a small tree with every kind of node gen-docs meets: a
// runnable command with flags, a hidden command, help topics and a group.
func demoTree() *cobra.Command {
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
	root.AddCommand(alpha, group, hidden, topic, env)
	return root
}

func TestRunNeedsADirectory(t *testing.T) {
	for _, args := range [][]string{nil, {"--markdown", t.TempDir(), "extra"}, {"--bogus"}} {
		var stderr strings.Builder
		if code := run(args, &stderr); code != cmdutil.ExitUsage {
			t.Errorf("gen-docs %q exited %d, want %d", args, code, cmdutil.ExitUsage)
		}
		if !strings.Contains(stderr.String(), "--markdown") {
			t.Errorf("gen-docs %q: stderr %q does not name the flags to pass", args, stderr.String())
		}
	}
}

// TestRunWritesWwcliDocs runs the program as scripts/gen-docs does, on
// wwcli's own tree; the gen-docs program itself must not appear in it.
func TestRunWritesWwcliDocs(t *testing.T) {
	dir := t.TempDir()
	var stderr strings.Builder
	code := run([]string{"--completions", filepath.Join(dir, "c"), "--markdown", filepath.Join(dir, "md"),
		"--man", filepath.Join(dir, "man")}, &stderr)
	if code != cmdutil.ExitOK {
		t.Fatalf("gen-docs exited %d: %s", code, stderr.String())
	}
	for _, sub := range []string{"c", "md", "man"} {
		if !strings.Contains(stderr.String(), "files to "+filepath.Join(dir, sub)+"\n") {
			t.Errorf("stderr %q does not report %s", stderr.String(), sub)
		}
	}
	for _, file := range []string{"c/wwcli.bash", "md/wwcli.md", "md/wwcli_exit-codes.md", "man/wwcli.1", "man/wwcli-sign.1"} {
		if _, err := os.Stat(filepath.Join(dir, file)); err != nil {
			t.Error(err)
		}
	}
	if strings.Contains(read(t, dir, "md/wwcli.md"), "gen-docs") {
		t.Error("wwcli.md mentions gen-docs: it is no wwcli command any more")
	}
}

func TestGenDocsWritesEverything(t *testing.T) {
	dir := t.TempDir()
	if _, err := Generate(demoTree(), Dirs{Completions: filepath.Join(dir, "c"),
		Markdown: filepath.Join(dir, "md"), Man: filepath.Join(dir, "man")}); err != nil {
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
	if strings.Contains(rootMD, "secret") {
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
	for _, want := range []string{".SH EXIT STATUS\n.nf\n0  ok", ".SH ENVIRONMENT\n.nf\nDEMO_X", "\\fBdemo\\-alpha\\fR(1)", "demo alpha \\-\\-json",
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
		rootA, rootB := demoTree(), demoTree()
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
