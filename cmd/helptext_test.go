package cmd

import (
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
)

// Help must read well in an 80-column terminal: a Short fits in the command
// list beside its name, and no line of Long or Example wraps.
const (
	maxShortColumns = 70
	maxLineColumns  = 80
)

// helpTextTree is the full command tree as users see it, including cobra's
// lazily added `completion` and `help` commands.
func helpTextTree(t *testing.T) *cobra.Command {
	t.Helper()
	io, _, _, _ := iostreams.Test()
	root := NewRootCmd(&cmdutil.Factory{IO: io, Getenv: docsEmptyEnv})
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	return root
}

func helpTextCommands(c *cobra.Command) []*cobra.Command {
	if c.Hidden {
		return nil
	}
	cmds := []*cobra.Command{c}
	for _, sub := range c.Commands() {
		cmds = append(cmds, helpTextCommands(sub)...)
	}
	return cmds
}

// helpTextByCobra reports commands whose help text cobra writes (the completion
// scripts' instructions), which wwcli cannot rewrap.
func helpTextByCobra(c *cobra.Command) bool {
	return c.Name() == "completion" || (c.HasParent() && c.Parent().Name() == "completion")
}

func TestHelpTextFitsEightyColumns(t *testing.T) {
	for _, c := range helpTextCommands(helpTextTree(t)) {
		path := c.CommandPath()
		if c.Short == "" {
			t.Errorf("%s: Short is empty", path)
		}
		if w := runewidth.StringWidth(c.Short); w > maxShortColumns {
			t.Errorf("%s: Short is %d columns, keep it within %d: %q", path, w, maxShortColumns, c.Short)
		}
		for field, text := range map[string]string{"Long": c.Long, "Example": c.Example} {
			for i, line := range strings.Split(text, "\n") {
				line = strings.ReplaceAll(line, "\t", "        ")
				if w := runewidth.StringWidth(line); w > maxLineColumns && !helpTextByCobra(c) {
					t.Errorf("%s: %s line %d is %d columns (max %d): %q", path, field, i+1, w, maxLineColumns, line)
				}
			}
		}
	}
}

// TestEveryCommandHasExamples: examples lead the help (clig.dev), so every
// runnable wwcli command shows at least one. cobra's own completion
// subcommands explain themselves in Long instead.
func TestEveryCommandHasExamples(t *testing.T) {
	for _, c := range helpTextCommands(helpTextTree(t)) {
		if !c.Runnable() || c.HasSubCommands() || c.Name() == "help" || helpTextByCobra(c) {
			continue
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s has no Example; add one or two lines showing typical use", c.CommandPath())
		}
	}
}

// TestHelpOutputFitsEightyColumns renders each command's --help as users see
// it (flag lists included) and checks no line is wider than 80 columns.
func TestHelpOutputFitsEightyColumns(t *testing.T) {
	for _, c := range helpTextCommands(helpTextTree(t)) {
		if helpTextByCobra(c) {
			continue
		}
		var b strings.Builder
		c.SetOut(&b)
		if err := c.Usage(); err != nil {
			t.Fatalf("%s: %v", c.CommandPath(), err)
		}
		for i, line := range strings.Split(b.String(), "\n") {
			if w := runewidth.StringWidth(line); w > maxLineColumns {
				t.Errorf("%s --help line %d is %d columns (max %d): %q", c.CommandPath(), i+1, w, maxLineColumns, line)
			}
		}
	}
}
