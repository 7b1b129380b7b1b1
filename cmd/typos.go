package cmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
)

// strictGroups makes every command that only groups subcommands (auth,
// callback, completion, ...) refuse an unknown subcommand with exit 2 and
// a suggestion, as the root does. Cobra alone prints the group's help and
// exits 0 there, so `wwcli auth stauts && deploy` would carry on.
func strictGroups(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpCmd()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c == root || !c.HasSubCommands() || c.Runnable() {
			return
		}
		c.Args = func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownCommand(cmd, args[0])
			}
			return nil
		}
		c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	}
	walk(root)
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			c.Run = nil
			c.RunE = helpCommand
		}
	}
}

// unknownCommand is cobra's root message, for any depth.
func unknownCommand(group *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, group.CommandPath())
	if group.SuggestionsMinimumDistance <= 0 {
		group.SuggestionsMinimumDistance = 2
	}
	if s := group.SuggestionsFor(name); len(s) > 0 {
		msg += "\n\nDid you mean " + strings.Join(s, " or ") + "?"
	}
	return &cmdutil.FlagError{Err: fmt.Errorf("%s", msg)}
}

// groupTypo turns "unknown flag" into "unknown command" when the flags
// belong to a mistyped subcommand: `wwcli callback verfy --url x`.
func groupTypo(cmd *cobra.Command) error {
	if !cmd.HasSubCommands() || cmd == cmd.Root() {
		return nil
	}
	if args := cmd.Flags().Args(); len(args) > 0 {
		return unknownCommand(cmd, args[0])
	}
	return nil
}

// helpCommand is `wwcli help [command]`: an unknown topic is a usage error.
func helpCommand(c *cobra.Command, args []string) error {
	target, rest, err := c.Root().Find(args)
	if err != nil || target == nil {
		return &cmdutil.FlagError{Err: fmt.Errorf("unknown help topic %q: run 'wwcli help' for the list", strings.Join(args, " "))}
	}
	if len(rest) > 0 && target.HasSubCommands() {
		return unknownCommand(target, rest[0])
	}
	target.InitDefaultHelpFlag()
	return target.Help()
}
