// Package shared holds cobra helpers several commands use.
package shared

import (
	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
)

// AddCredFlags binds the credential flags into in. The secret itself is
// never a flag value: it comes from stdin, a file, env or the keyring.
func AddCredFlags(cmd *cobra.Command, in *cmdutil.CredInput) {
	fl := cmd.Flags()
	fl.StringVar(&in.CorpID, "corp-id", "", "corp id (企业ID); use with --secret-stdin or --secret-file")
	fl.StringVar(&in.AgentID, "agent-id", "", "app agent id (AgentId), for agent tickets (env WWCLI_AGENT_ID)")
	fl.BoolVar(&in.SecretStdin, "secret-stdin", false, "read the app secret from stdin")
	fl.StringVar(&in.SecretFile, "secret-file", "", "read the app secret from `FILE`")
}

// CredArgs accepts no positional arguments or exactly CORPID SECRET.
func CredArgs(extra int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		n := len(args) - extra
		if n != 0 && n != 2 {
			return cmdutil.FlagErrorf("expected CORPID SECRET (two arguments) or none, got %d argument(s)", n)
		}
		return nil
	}
}
