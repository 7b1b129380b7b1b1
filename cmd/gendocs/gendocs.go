// Package gendocs is the hidden `wwcli gen-docs` command: it writes the
// shell completions, the Markdown command reference and the man page from
// the live command tree, so none of them is ever edited by hand.
//
// Output is deterministic (no dates, sorted commands) because the files are
// committed and a test regenerates them to catch drift.
package gendocs

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
)

// Options of `wwcli gen-docs`.
type Options struct {
	f              *cmdutil.Factory
	Root           *cobra.Command
	CompletionsDir string
	MarkdownDir    string
	ManDir         string
}

// NewCmd builds the hidden `wwcli gen-docs`. runF replaces the run function in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{f: f}
	cmd := &cobra.Command{
		Use:    "gen-docs [--completions DIR] [--markdown DIR] [--man DIR]",
		Short:  "Generate completions, the Markdown reference and man pages",
		Hidden: true,
		Args:   cobra.NoArgs,
		Example: `  wwcli gen-docs --completions completions --markdown docs/cli --man docs/man
  scripts/gen-docs`,
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.CompletionsDir == "" && opts.MarkdownDir == "" && opts.ManDir == "" {
				return cmdutil.FlagErrorf("nothing to do: pass at least one of --completions, --markdown or --man")
			}
			opts.Root = c.Root()
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	cmd.Flags().StringVar(&opts.CompletionsDir, "completions", "", "write bash, zsh, fish and PowerShell completions into `DIR`")
	cmd.Flags().StringVar(&opts.MarkdownDir, "markdown", "", "write one Markdown page per command into `DIR`")
	cmd.Flags().StringVar(&opts.ManDir, "man", "", "write one man page per command (section 1) into `DIR`")
	return cmd
}

// Run writes every requested artifact for opts.Root.
func Run(opts *Options) error {
	root := opts.Root
	prepareTree(root)
	steps := []struct {
		dir string
		gen func(*cobra.Command) (map[string][]byte, error)
		own func(name string) bool
	}{
		{opts.CompletionsDir, Completions, isCompletionFile},
		{opts.MarkdownDir, Markdown, isMarkdownFile},
		{opts.ManDir, ManPages, isManFile},
	}
	for _, s := range steps {
		if s.dir == "" {
			continue
		}
		files, err := s.gen(root)
		if err != nil {
			return err
		}
		if err := writeDir(s.dir, files, s.own); err != nil {
			return err
		}
		if opts.f != nil {
			fmt.Fprintf(opts.f.IO.ErrOut, "wrote %d files to %s\n", len(files), s.dir)
		}
	}
	return nil
}

// prepareTree adds the flags cobra normally adds lazily at execution time
// (--help everywhere, --version on the root), so every page lists them no
// matter which command happened to run.
func prepareTree(root *cobra.Command) {
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
