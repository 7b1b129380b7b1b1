// Package auth is `wwcli auth`: store, show and remove app credentials.
// The flows themselves live in pkg/profile; this is their cobra wiring.
package auth

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/profile"
	"github.com/wwcli/wwcli/pkg/ui"
)

// NewCmd builds `wwcli auth` and its verbs.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth <command>",
		Short: "Store, show and remove credentials (secrets in the OS keyring)",
		Long: `Profiles keep a corp id, an agent id and a base URL in the config file and
the app secret in the OS keyring (or, with --insecure-storage, a 0600 file;
never in the config file). Other commands use the profile named by
--profile or WWCLI_PROFILE, else "default".`,
	}
	cmd.AddCommand(newCmdLogin(f, nil), newCmdStatus(f, nil), newCmdLogout(f, nil), newCmdList(f, nil))
	return cmd
}

// envFunc gives the profile flows their view of the factory: the config
// dir, the secret stores, the shared token cache, and the base URL
// commands would call for a profile (part of the cache key).
func envFunc(f *cmdutil.Factory) func() (profile.Env, error) {
	return func() (profile.Env, error) {
		dir, err := f.ConfigDir()
		if err != nil {
			return profile.Env{}, err
		}
		env := profile.Env{ConfigDir: dir, Store: f.SecretStore, BaseURL: func(stored string) string {
			if f.Global.Sandbox {
				return "" // the in-process sandbox never caches
			}
			base, err := f.APIBaseURL(credentials.Credentials{BaseURL: stored})
			if err != nil {
				return ""
			}
			return base
		}}
		// The cache commands use (the file cache, or Redis in front of it
		// with WWCLI_CACHE_URL); without a cache dir there is none to show
		// or purge.
		store, err := f.TokenCache()
		if err != nil {
			return profile.Env{}, err
		}
		env.Cache = store
		return env, nil
	}
}

// writeFields prints "  label:  value" lines aligned, as login and status
// show a profile.
func writeFields(w io.Writer, th *ui.Theme, fields [][2]string) {
	for _, kv := range fields {
		fmt.Fprintf(w, "  %s %s\n", th.Muted(fmt.Sprintf("%-10s", kv[0]+":")), kv[1])
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
