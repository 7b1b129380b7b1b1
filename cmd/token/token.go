// Package token is `wwcli token`: print a (cached) access_token.
package token

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
)

// Options of `wwcli token`: only what run needs.
type Options struct {
	IO      *iostreams.IOStreams
	Session func(ctx context.Context, command string, in cmdutil.CredInput, noCache bool) (*cmdutil.Session, error)

	Creds    cmdutil.CredInput
	Refresh  bool
	NoCache  bool
	Exporter cmdutil.Exporter
}

// NewCmd builds `wwcli token`.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Session: f.Session}
	cmd := &cobra.Command{
		Use:   "token [CORPID SECRET]",
		Short: "Print an access_token (cached across runs)",
		Long: `Print the access_token for an app, fetched with /cgi-bin/gettoken and cached
on disk (0600) until shortly before it expires, so scripts can call this
as often as they like without hitting WeCom's rate limits.

Credentials: CORPID SECRET, --corp-id with --secret-stdin/--secret-file,
WWCLI_CORP_ID + WWCLI_SECRET, or a profile from 'wwcli auth login'.

With --auth-corp CORPID the token is that corp's, for a suite it
installed: service/get_corp_token with the suite token and the corp's
permanent code (DOC 90605; see 'wwcli suite --help'). A 代开发 app's
permanent code is its secret: CORPID + permanent code as SECRET works
with plain gettoken (DOC 97164).`,
		Example: `  wwcli token
  curl "$API/cgi-bin/agent/get?agentid=1000002&access_token=$(wwcli token)"
  WWCLI_CORP_ID=ww... WWCLI_SECRET=... wwcli token --json
  wwcli --sandbox token --jq .expires_in
  wwcli --sandbox token --auth-corp ww5a8f2c1d9e0b3a47`,
		Args: shared.CredArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Creds.Args = args
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	shared.AddCredFlags(cmd, &opts.Creds, "app agent id (AgentId) of the secret; unused by gettoken")
	shared.AddAuthCorpFlag(cmd, &opts.Creds)
	shared.AddCacheFlags(cmd, &opts.Refresh, &opts.NoCache, "token")
	shared.AddJSONFlags(cmd, &opts.Exporter, "{access_token, expires_in, expires_at, cached}")
	return cmd
}

// tokenJSON is what --json prints.
type tokenJSON struct {
	AccessToken string `json:"access_token"`
	shared.Lifetime
}

func run(ctx context.Context, opts *Options) error {
	s, err := opts.Session(ctx, "token", opts.Creds, opts.NoCache)
	if err != nil {
		return err
	}
	t, err := s.Token(ctx, opts.Refresh)
	if err != nil {
		return err
	}
	return shared.PrintCredential(ctx, opts.IO, &opts.Exporter, t.Value, tokenJSON{t.Value, shared.LifetimeOf(t)}, "")
}
