package cmd

import (
	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/version"
	"github.com/wwcli/wwcli/pkg/cmdutil"
)

// addCommands registers every top-level command. One line per command.
func addCommands(root *cobra.Command, f *cmdutil.Factory) {
	root.AddCommand(version.NewCmd(f, nil))
}
