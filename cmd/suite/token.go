package suite

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
)

// TokenOptions of `wwcli suite token`: only what it needs.
type TokenOptions struct {
	IO           *iostreams.IOStreams
	SuiteSession func(ctx context.Context, command string, noCache bool) (*cmdutil.SuiteSession, error)

	Refresh  bool
	NoCache  bool
	Exporter cmdutil.Exporter
}

func newCmdToken(f *cmdutil.Factory, runF func(context.Context, *TokenOptions) error) *cobra.Command {
	opts := &TokenOptions{IO: f.IO, SuiteSession: f.SuiteSession}
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print the suite_access_token (cached across runs)",
		Long: `Print the suite_access_token of the suite, fetched with
service/get_suite_token (DOC 97162) and cached on disk (0600) until shortly
before it expires. A fetch needs the latest suite_ticket; a cached token
does not.

The suite token is for suite-level calls (pre_auth_code, permanent codes,
getuserinfo3rd). For a corp's own APIs use --auth-corp on 'wwcli token'.`,
		Example: `  wwcli --sandbox suite token
  wwcli --sandbox suite token --json`,
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
	shared.AddCacheFlags(cmd, &opts.Refresh, &opts.NoCache, "token")
	shared.AddJSONFlags(cmd, &opts.Exporter, "{suite_id, suite_access_token, expires_in, expires_at, cached}")
	return cmd
}

// suiteTokenJSON is what --json prints.
type suiteTokenJSON struct {
	SuiteID          string `json:"suite_id"`
	SuiteAccessToken string `json:"suite_access_token"`
	shared.Lifetime
}

func runToken(ctx context.Context, opts *TokenOptions) error {
	s, err := opts.SuiteSession(ctx, "suite token", opts.NoCache)
	if err != nil {
		return err
	}
	t, err := s.Token(ctx, opts.Refresh)
	if err != nil {
		return err
	}
	return shared.PrintCredential(ctx, opts.IO, &opts.Exporter, t.Value, suiteTokenJSON{s.Suite.SuiteID, t.Value, shared.LifetimeOf(t)}, "")
}
