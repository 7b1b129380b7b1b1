package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/profile"
	"github.com/wwcli/wwcli/pkg/ui"
)

// addThirdPartyFlags binds --suite and --provider, and how login checks
// those secrets: get_suite_token (needs a suite_ticket) and
// get_provider_token, never cached.
func addThirdPartyFlags(f *cmdutil.Factory, cmd *cobra.Command, opts *LoginOptions) {
	fl := cmd.Flags()
	fl.StringVar(&opts.Suite, "suite", "", "store the secret of suite `ID` (third-party app or 代开发 template)")
	fl.BoolVar(&opts.Provider, "provider", false, "store the provider secret of --corp-id (服务商)")
	opts.VerifySuite = func(ctx context.Context, suite credentials.SuiteCredentials) error {
		s, err := f.SuiteSessionFor(suite, true)
		if err != nil {
			return err
		}
		_, err = s.Token(ctx, true)
		return err
	}
	opts.VerifyProvider = func(ctx context.Context, p credentials.ProviderCredentials) error {
		s, err := f.ProviderSessionFor(p, true)
		if err != nil {
			return err
		}
		_, err = s.Token(ctx, true)
		return err
	}
}

// checkThirdPartyFlags: a --suite or --provider login stores that one
// secret; the app's own flags belong to a login of their own.
func checkThirdPartyFlags(opts *LoginOptions) error {
	switch {
	case opts.Suite == "" && !opts.Provider:
		return nil
	case opts.Suite != "" && opts.Provider:
		return cmdutil.FlagErrorf("--suite and --provider store different secrets: log in once for each")
	case opts.Callback || opts.AgentID != nil:
		return cmdutil.FlagErrorf("--suite/--provider store one secret; log in the app (--agent-id, --callback) without them")
	case opts.Suite != "" && opts.Creds.CorpID != "":
		return cmdutil.FlagErrorf("--suite takes no --corp-id: a suite is named by its suite id alone")
	case strings.ContainsAny(opts.Suite, " \t\r\n"):
		return cmdutil.FlagErrorf("suite id %q contains whitespace; copy SuiteID again from 服务商管理后台", opts.Suite)
	}
	return nil
}

func runLoginThirdParty(ctx context.Context, opts *LoginOptions) error {
	name, storage := opts.Profile, opts.storage()
	env, prev, err := loginProfile(opts)
	if err != nil {
		return err
	}
	req := profile.SecretRequest{Name: name, Kind: profile.KindSuite, SuiteID: opts.Suite, BaseURL: opts.BaseURL, Storage: storage}
	label := "Suite secret"
	if opts.Provider {
		req.Kind, req.SuiteID, req.CorpID, label = profile.KindProvider, "", opts.Creds.CorpID, "Provider secret"
	}
	if err := profile.CheckSecretRequest(prev, req); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	prompting := !opts.Creds.SecretStdin && opts.Creds.SecretFile == ""
	if prompting && !opts.IO.CanPrompt() {
		return cmdutil.FlagErrorf("no terminal to ask for the %s: use --secret-stdin or --secret-file FILE", strings.ToLower(label))
	}
	store, err := env.Store(storage)
	if err != nil {
		return err
	}
	if prompting {
		store = credstore.Interactive(store)
	}
	if err := credstore.Probe(ctx, store); err != nil {
		return storeError(opts, prev, err)
	}
	if req.Secret, err = readSecret(ctx, opts, prompting, label); err != nil {
		return err
	}
	base := ""
	if prev != nil {
		base = prev.BaseURL
	}
	if opts.BaseURL != nil {
		base = *opts.BaseURL
	}
	verified := !opts.NoVerify
	if verified {
		var err error
		if opts.Provider {
			corp := req.CorpID
			if corp == "" {
				corp = prev.CorpID
			}
			err = opts.VerifyProvider(ctx, credentials.ProviderCredentials{CorpID: corp, Secret: req.Secret, BaseURL: base, Source: "auth login"})
		} else {
			err = opts.VerifySuite(ctx, credentials.SuiteCredentials{SuiteID: opts.Suite, Secret: req.Secret, BaseURL: base, Source: "auth login"})
		}
		switch {
		case err != nil && !opts.Provider && cmdutil.ExitCode(err) == cmdutil.ExitCredentials:
			// No suite_ticket yet: the secret cannot be checked before
			// WeCom's first push, which usually comes after this login.
			opts.Warnf("not verified: %v", err)
			verified = false
		case err != nil:
			if ctx.Err() == nil {
				fmt.Fprintf(opts.IO.ErrOut, "The %s was not stored: WeCom refused it.\n", strings.ToLower(label))
			}
			return err
		}
	}
	res, err := profile.LoginSecret(ctx, env, req)
	if err != nil {
		return storeError(opts, prev, err)
	}
	w := opts.IO.ErrOut
	th := ui.New(w, opts.IO.ColorErr())
	fmt.Fprintf(w, "%s Logged in: profile %q (%s)\n", th.SuccessIcon(), name, req.Kind)
	fields := [][2]string{}
	if req.Kind == profile.KindSuite {
		fields = append(fields, [2]string{"suite id", res.Profile.SuiteID})
	} else {
		fields = append(fields, [2]string{"provider corp", res.Profile.CorpID})
	}
	fields = append(fields, [2]string{strings.ToLower(label), res.SecretLocation})
	writeFields(w, th, fields)
	if res.Replaced != "" {
		fmt.Fprintf(w, "  %s replaced the secret of suite %s\n", th.WarnIcon(), res.Replaced)
	}
	if storage == config.StorageFile {
		fmt.Fprintf(w, "%s the secret is in a plain-text file; anyone who can read it as you can use it\n", th.WarnIcon())
	}
	if !verified && opts.NoVerify {
		fmt.Fprintln(w, "  not verified (--no-verify)")
	}
	return nil
}
