// Package shared holds the cobra helpers every command uses, so that the
// same flag has the same name, meaning and help everywhere.
package shared

import (
	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
)

// AddCredFlags binds the one credential flag set into in. The secret itself
// is never a flag value: it comes from stdin, a file, env or the keyring.
// agentHelp is this command's own meaning of --agent-id.
func AddCredFlags(cmd *cobra.Command, in *cmdutil.CredInput, agentHelp string) {
	fl := cmd.Flags()
	fl.StringVar(&in.CorpID, "corp-id", "", "corp id (企业ID); with --secret-stdin or --secret-file")
	fl.StringVar(&in.AgentID, "agent-id", "", agentHelp+" (env WWCLI_AGENT_ID)")
	fl.BoolVar(&in.SecretStdin, "secret-stdin", false, "read the app secret from stdin")
	fl.StringVar(&in.SecretFile, "secret-file", "", "read the app secret from `FILE` (mode 0600)")
}

// AddAuthCorpFlag binds --auth-corp into in, for commands that call WeCom
// as an app: with it they act for a corp that authorized the suite
// (WWCLI_SUITE_ID/WWCLI_SUITE_SECRET or the profile's suite), with the
// corp token from service/get_corp_token.
func AddAuthCorpFlag(cmd *cobra.Command, in *cmdutil.CredInput) {
	cmd.Flags().StringVar(&in.AuthCorp, "auth-corp", "",
		"act for `CORPID`, a corp that authorized the suite (its corp token)")
}

// AddJSONFlags binds --json and --jq into e. fields says what --json prints,
// e.g. "{access_token, expires_in, expires_at, cached}".
func AddJSONFlags(cmd *cobra.Command, e *cmdutil.Exporter, fields string) {
	fl := cmd.Flags()
	fl.BoolVar(&e.JSON, "json", false, "print "+fields+" as JSON")
	fl.StringVar(&e.JQ, "jq", "", "filter the JSON output with a jq `EXPR` (implies --json)")
}

// AddCacheFlags binds --refresh and --no-cache, the same on every command
// that hands out a cached token or ticket; what is "token" or "ticket".
func AddCacheFlags(cmd *cobra.Command, refresh, noCache *bool, what string) {
	cache := "the token cache"
	if what == "ticket" {
		cache = "the token and ticket cache"
	}
	cmd.Flags().BoolVar(refresh, "refresh", false, "fetch a new "+what+" even if the cached one is fresh")
	cmd.Flags().BoolVar(noCache, "no-cache", false, "neither read nor write "+cache)
}

// CredArgs accepts extra leading arguments followed by nothing or exactly
// CORPID SECRET.
func CredArgs(extra int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		n := len(args) - extra
		if n != 0 && n != 2 {
			return cmdutil.FlagErrorf("expected CORPID SECRET (two arguments) or none, got %d argument(s)", n)
		}
		return nil
	}
}
