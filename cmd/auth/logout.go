package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/ui"
)

// LogoutOptions of `wwcli auth logout`.
type LogoutOptions struct{ f *cmdutil.Factory }

func newCmdLogout(f *cmdutil.Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{f: f}
	return &cobra.Command{
		Use:   "logout",
		Short: "Remove a profile, its stored secrets and its cached tokens",
		Long: `Remove the profile named by --profile (or "default"): its secret in the
keyring or secrets file, its callback secrets, its cached tokens and tickets,
and its entry in the config file. When the keyring cannot be reached the
profile is kept, so nothing is left behind half-removed.`,
		Example: `  wwcli auth logout
  wwcli auth logout --profile staging`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runLogout(cmd.Context(), opts)
		},
	}
}

func runLogout(ctx context.Context, opts *LogoutOptions) error {
	f := opts.f
	name := f.ProfileName()
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	p := cfg.Profiles[name]
	if p == nil {
		return cmdutil.Errorf(cmdutil.ExitCredentials, "no profile %q (see 'wwcli auth list')", name)
	}
	store, err := f.SecretStore(p.SecretStorage)
	if err != nil {
		return err
	}
	for _, account := range []string{config.SecretAccount(name), config.CallbackTokenAccount(name), config.CallbackKeyAccount(name)} {
		err := store.Delete(ctx, account)
		if err != nil && !errors.Is(err, credstore.ErrNotFound) {
			return cmdutil.WithCode(cmdutil.ExitCredentials, fmt.Errorf("profile %q kept: could not remove its secret: %w", name, err))
		}
	}
	removed := dropCachedTokens(f, p.CorpID)
	delete(cfg.Profiles, name)
	if err := cfg.Save(); err != nil {
		return err
	}
	th := ui.New(f.IO.ErrOut, f.IO.ColorErr())
	fmt.Fprintf(f.IO.ErrOut, "%s Logged out of profile %q (secret removed from %s, %d cached token(s) dropped)\n",
		th.SuccessIcon(), name, store.Location(), removed)
	return nil
}
