package auth

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/profile"
	"github.com/wwcli/wwcli/pkg/ui"
)

// LogoutOptions of `wwcli auth logout`: only what run needs.
type LogoutOptions struct {
	IO    *iostreams.IOStreams
	Env   func() (profile.Env, error)
	Warnf func(format string, a ...any)

	Profile string
	Force   bool
}

func newCmdLogout(f *cmdutil.Factory, runF func(context.Context, *LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{IO: f.IO, Env: envFunc(f), Warnf: f.Warnf}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Remove a profile, its stored secrets and its cached tokens",
		Long: `Remove the profile named by --profile (or "default"): its entry in the config
file, its secret in the keyring or secrets file, its callback secrets, and
its cached tokens and tickets. Only this app's cache entries are dropped
(matched by base URL, corp id and secret), never another app's or the
sandbox's.

When the keyring cannot be reached the profile is kept, so nothing is left
behind half-removed; --force removes it anyway and warns that its keyring
entry may remain.`,
		Example: `  wwcli auth logout
  wwcli auth logout --profile staging
  wwcli auth logout --profile staging --force`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Profile = f.ProfileName()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runLogout(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Force, "force", false, "remove the profile even when its keyring entry cannot be removed")
	return cmd
}

func runLogout(ctx context.Context, opts *LogoutOptions) error {
	env, err := opts.Env()
	if err != nil {
		return err
	}
	res, err := profile.Logout(ctx, env, opts.Profile, opts.Force)
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		opts.Warnf("%s", w)
	}
	th := ui.New(opts.IO.ErrOut, opts.IO.ColorErr())
	fmt.Fprintf(opts.IO.ErrOut, "%s Logged out of profile %q (corp %s)\n", th.SuccessIcon(), opts.Profile, res.Profile.CorpID)
	if len(res.Warnings) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "  secrets removed from %s\n", res.SecretLocation)
	}
	if res.CacheUnmatched {
		fmt.Fprintln(opts.IO.ErrOut, "  cached tokens not matched (the secret could not be read); they expire within 2 hours")
	} else {
		fmt.Fprintf(opts.IO.ErrOut, "  %d cached token(s) dropped\n", res.Purged)
	}
	return nil
}
