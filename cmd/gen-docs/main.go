// Command gen-docs writes the shell completions, the Markdown command
// reference and the man pages from wwcli's live command tree, so none of
// them is ever edited by hand. It is a separate program (run by
// scripts/gen-docs) so the generators never ship in the wwcli binary.
//
// Output is deterministic (no dates, sorted commands) because the files are
// committed and a test regenerates them to catch drift.
//
// The man and Markdown writers are our own rather than spf13/cobra/doc:
// cobra/doc renders help text as Markdown, so the man synopsis loses
// "<command>" (read as an HTML tag) and indented tables are refilled; it
// has no COMMANDS, EXIT STATUS or ENVIRONMENT sections, prints flags as
// "--json[=false]", and gives the help topics (exit-codes, environment) no
// page.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
)

// Dirs names the output directories; an empty one is not written.
type Dirs struct {
	Completions string
	Markdown    string
	Man         string
	// EndpointTable is a Markdown file whose generated endpoint table
	// (pkg/apicatalog) is rewritten.
	EndpointTable string
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run parses the flags and generates; it returns the exit code.
func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("gen-docs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var dirs Dirs
	fs.StringVar(&dirs.Completions, "completions", "", "write bash, zsh, fish and PowerShell completions into `DIR`")
	fs.StringVar(&dirs.Markdown, "markdown", "", "write one Markdown page per command into `DIR`")
	fs.StringVar(&dirs.Man, "man", "", "write one man page per command (section 1) into `DIR`")
	fs.StringVar(&dirs.EndpointTable, "endpoint-table", "", "rewrite the generated endpoint table in `FILE` (docs/sandbox.md)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gen-docs [--completions DIR] [--markdown DIR] [--man DIR] [--endpoint-table FILE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cmdutil.ExitOK
		}
		return cmdutil.ExitUsage
	}
	if fs.NArg() > 0 || dirs == (Dirs{}) {
		fmt.Fprintln(stderr, "gen-docs: pass at least one of --completions, --markdown, --man or --endpoint-table, and no arguments")
		return cmdutil.ExitUsage
	}
	if dirs.EndpointTable != "" {
		if err := EndpointTable(dirs.EndpointTable); err != nil {
			fmt.Fprintln(stderr, "gen-docs: --endpoint-table:", err)
			return cmdutil.ExitFailure
		}
		fmt.Fprintf(stderr, "wrote the endpoint table in %s\n", dirs.EndpointTable)
		if dirs == (Dirs{EndpointTable: dirs.EndpointTable}) {
			return cmdutil.ExitOK
		}
	}
	written, err := Generate(NewTree(), dirs)
	for _, w := range written {
		fmt.Fprintf(stderr, "wrote %d files to %s\n", w.files, w.dir)
	}
	if err != nil {
		fmt.Fprintln(stderr, "gen-docs:", err)
		return cmdutil.ExitFailure
	}
	return cmdutil.ExitOK
}

// NewTree builds wwcli's command tree as the documentation shows it: no
// environment (so no developer's variable leaks into a flag default) and
// streams that are not a terminal.
func NewTree() *cobra.Command {
	io, _, _, _ := iostreams.Test()
	return cmd.NewRootCmd(&cmdutil.Factory{IO: io, Getenv: func(string) string { return "" }})
}

type written struct {
	dir   string
	files int
}

// Generate writes every artifact dirs asks for, for the tree under root.
func Generate(root *cobra.Command, dirs Dirs) ([]written, error) {
	prepareTree(root)
	steps := []struct {
		dir string
		gen func(*cobra.Command) (map[string][]byte, error)
		own func(name string) bool
	}{
		{dirs.Completions, Completions, isCompletionFile},
		{dirs.Markdown, Markdown, isMarkdownFile},
		{dirs.Man, ManPages, isManFile},
	}
	var done []written
	for _, s := range steps {
		if s.dir == "" {
			continue
		}
		files, err := s.gen(root)
		if err != nil {
			return done, err
		}
		if err := writeDir(s.dir, files, s.own); err != nil {
			return done, err
		}
		done = append(done, written{s.dir, len(files)})
	}
	return done, nil
}

// prepareTree adds what cobra normally adds lazily at execution time (the
// help and completion commands, --help everywhere, --version on the root),
// so every page lists them although no command runs.
func prepareTree(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	root.InitDefaultVersionFlag()
	walk(root, func(c *cobra.Command) { c.InitDefaultHelpFlag() })
}

func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

// Completions returns the completion scripts keyed by file name.
func Completions(root *cobra.Command) (map[string][]byte, error) {
	name := root.Name()
	gens := map[string]func(*bytes.Buffer) error{
		name + ".bash": func(b *bytes.Buffer) error { return root.GenBashCompletionV2(b, true) },
		name + ".zsh":  func(b *bytes.Buffer) error { return root.GenZshCompletion(b) },
		name + ".fish": func(b *bytes.Buffer) error { return root.GenFishCompletion(b, true) },
		name + ".ps1":  func(b *bytes.Buffer) error { return root.GenPowerShellCompletionWithDesc(b) },
	}
	out := make(map[string][]byte, len(gens))
	for file, gen := range gens {
		var b bytes.Buffer
		if err := gen(&b); err != nil {
			return nil, fmt.Errorf("generate %s: %w", file, err)
		}
		out[file] = b.Bytes()
	}
	return out, nil
}

func isCompletionFile(name string) bool {
	switch filepath.Ext(name) {
	case ".bash", ".zsh", ".fish", ".ps1":
		return true
	}
	return false
}

func isMarkdownFile(name string) bool { return filepath.Ext(name) == ".md" }
func isManFile(name string) bool      { return filepath.Ext(name) == ".1" }

// writeDir replaces the generated files in dir with files: stale pages of
// removed commands go away, anything not matching own is left alone.
func writeDir(dir string, files map[string][]byte, own func(string) bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if _, keep := files[e.Name()]; keep || e.IsDir() || !own(e.Name()) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
