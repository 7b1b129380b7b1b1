// Package provider is `wwcli provider`: the service provider's (服务商) own
// credentials — the provider_access_token for provider-level calls.
package provider

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
)

// NewCmd builds the `wwcli provider` noun and its verbs.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "provider <command>",
		Short: "The service provider's own token (provider_access_token)",
		Long: `Work as the service provider (服务商) itself: the provider_access_token
from service/get_provider_token (DOC 96237, DOC 90593), for provider-level
calls such as login and register codes. It is not a suite token and not a
corp token: each kind works only on its own endpoints (40082 otherwise).

Credentials (the secret is never a flag value), highest first:
  --corp-id, WWCLI_PROVIDER_CORP_ID or WWCLI_CORP_ID
    + WWCLI_PROVIDER_SECRET                               (CI)
  a profile from 'wwcli auth login --provider --corp-id CORPID'
  --sandbox: the sandbox's demo provider
The provider secret is in 服务商管理后台 → 应用管理 → 通用开发参数.`,
		Example: `  wwcli --sandbox provider token
  wwcli --sandbox provider token --json`,
	}
	cmd.AddCommand(newCmdToken(f, nil))
	return cmd
}

// TokenOptions of `wwcli provider token`.
type TokenOptions struct {
	IO              *iostreams.IOStreams
	ProviderSession func(ctx context.Context, command, corpID string, noCache bool) (*cmdutil.ProviderSession, error)

	CorpID   string
	Refresh  bool
	NoCache  bool
	Exporter cmdutil.Exporter
}

func newCmdToken(f *cmdutil.Factory, runF func(context.Context, *TokenOptions) error) *cobra.Command {
	opts := &TokenOptions{IO: f.IO, ProviderSession: f.ProviderSession}
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print the provider_access_token (cached across runs)",
		Long: `Print the provider_access_token, fetched with service/get_provider_token
and cached on disk (0600) until shortly before it expires (2 hours).`,
		Example: `  wwcli --sandbox provider token
  wwcli --sandbox provider token --jq .expires_in`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runToken(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.CorpID, "corp-id", "", "the provider's corp id (`CORPID`); default WWCLI_PROVIDER_CORP_ID")
	shared.AddCacheFlags(cmd, &opts.Refresh, &opts.NoCache, "token")
	shared.AddJSONFlags(cmd, &opts.Exporter, "{corp_id, provider_access_token, expires_in, expires_at, cached}")
	return cmd
}

// tokenJSON is what --json prints.
type tokenJSON struct {
	CorpID              string `json:"corp_id"`
	ProviderAccessToken string `json:"provider_access_token"`
	shared.Lifetime
}

func runToken(ctx context.Context, opts *TokenOptions) error {
	s, err := opts.ProviderSession(ctx, "provider token", opts.CorpID, opts.NoCache)
	if err != nil {
		return err
	}
	t, err := s.Token(ctx, opts.Refresh)
	if err != nil {
		return err
	}
	return shared.PrintCredential(ctx, opts.IO, &opts.Exporter, t.Value, tokenJSON{s.Provider.CorpID, t.Value, shared.LifetimeOf(t)}, "")
}
