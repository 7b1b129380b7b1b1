// Package token is `wwcli token`: print a (cached) access_token.
package token

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
)

// Options of `wwcli token`.
type Options struct {
	f       *cmdutil.Factory
	Creds   cmdutil.CredInput
	Refresh bool
	NoCache bool
	JSON    bool
}

// NewCmd builds `wwcli token`.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "token [CORPID SECRET]",
		Short: "Print an access_token (cached across runs)",
		Long: `Print the access_token for an app, fetched with /cgi-bin/gettoken and cached
on disk (0600) until shortly before it expires, so scripts can call this
as often as they like without hitting WeCom's rate limits.

Credentials: CORPID SECRET, --corp-id with --secret-stdin/--secret-file,
WWCLI_CORP_ID + WWCLI_SECRET, or a profile from 'wwcli auth login'.`,
		Example: `  wwcli token
  curl "$API/cgi-bin/agent/get?agentid=1000002&access_token=$(wwcli token)"
  WWCLI_CORP_ID=ww... WWCLI_SECRET=... wwcli token --json
  wwcli --sandbox token --json`,
		Args: shared.CredArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Creds.Args = args
			if runF != nil {
				return runF(opts)
			}
			return run(cmd, opts)
		},
	}
	shared.AddCredFlags(cmd, &opts.Creds)
	cmd.Flags().BoolVar(&opts.Refresh, "refresh", false, "fetch a new token even if the cached one is fresh")
	cmd.Flags().BoolVar(&opts.NoCache, "no-cache", false, "neither read nor write the token cache")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print {access_token, expires_in, expires_at, cached}")
	return cmd
}

func run(cmd *cobra.Command, opts *Options) error {
	ctx := cmd.Context()
	s, err := opts.f.Session(ctx, "token", opts.Creds, opts.NoCache)
	if err != nil {
		return err
	}
	t, err := s.Token(ctx, opts.Refresh)
	if err != nil {
		return err
	}
	if !opts.JSON {
		_, err = fmt.Fprintln(opts.f.IO.Out, t.Value)
		return err
	}
	return json.NewEncoder(opts.f.IO.Out).Encode(struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		ExpiresAt   string `json:"expires_at"`
		Cached      bool   `json:"cached"`
	}{t.Value, t.ExpiresIn, t.ExpiresAt.UTC().Format(time.RFC3339), t.Cached})
}
