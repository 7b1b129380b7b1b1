// Package auth is `wwcli auth`: store, show and remove app credentials.
package auth

import (
	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
)

// NewCmd builds `wwcli auth` and its verbs.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth <command>",
		Short: "Store, show and remove credentials (secrets in the OS keyring)",
		Long: `Profiles keep a corp id, an agent id and a base URL in the config file and
the app secret in the OS keyring (never in the config file). Other commands
use the profile named by --profile or WWCLI_PROFILE, else "default".`,
	}
	cmd.AddCommand(newCmdLogin(f, nil), newCmdStatus(f, nil), newCmdLogout(f, nil), newCmdList(f, nil))
	return cmd
}
