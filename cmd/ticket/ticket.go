// Package ticket is `wwcli ticket`: print a (cached) JS-SDK jsapi_ticket.
package ticket

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// Options of `wwcli ticket`.
type Options struct {
	f       *cmdutil.Factory
	Creds   cmdutil.CredInput
	Agent   bool
	Refresh bool
	NoCache bool
	JSON    bool
}

// NewCmd builds `wwcli ticket`.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "ticket [CORPID SECRET]",
		Short: "Print a JS-SDK jsapi_ticket (corp, or app with --agent)",
		Long: `Print the corp jsapi_ticket (/cgi-bin/get_jsapi_ticket), used to sign
ww.register's getConfigSignature, or with --agent the app ticket
(/cgi-bin/ticket/get?type=agent_config) for getAgentConfigSignature.

Tickets and the token behind them are cached across runs: WeCom allows
400 ticket fetches per hour per corp and 100 per app. Concurrent runs on
an empty cache make one gettoken and one ticket request between them.`,
		Example: `  wwcli ticket CORPID SECRET          # like 'npx wwutil ticket CORPID SECRET'
  wwcli ticket --agent                 # app ticket of the profile's app
  wwcli ticket --json
  wwcli --sandbox ticket`,
		Args: shared.CredArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Creds.Args = args
			if runF != nil {
				return runF(opts)
			}
			return run(cmd, opts)
		},
	}
	shared.AddCredFlags(cmd, &opts.Creds, "app agent id (AgentId) for --agent; must be the secret's app")
	cmd.Flags().BoolVar(&opts.Agent, "agent", false, "the app ticket (agent_config) instead of the corp ticket")
	cmd.Flags().BoolVar(&opts.Refresh, "refresh", false, "fetch a new ticket even if the cached one is fresh")
	cmd.Flags().BoolVar(&opts.NoCache, "no-cache", false, "neither read nor write the cache")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print {ticket, type, expires_in, expires_at, cached}")
	return cmd
}

func run(cmd *cobra.Command, opts *Options) error {
	ctx := cmd.Context()
	s, err := opts.f.Session(ctx, "ticket", opts.Creds, opts.NoCache)
	if err != nil {
		return err
	}
	kind := wecom.CorpTicket
	if opts.Agent {
		kind = wecom.AgentTicket
	}
	t, err := s.Ticket(ctx, kind, opts.Refresh)
	if err != nil {
		return err
	}
	if !opts.JSON {
		_, err = fmt.Fprintln(opts.f.IO.Out, t.Value)
		return err
	}
	return json.NewEncoder(opts.f.IO.Out).Encode(struct {
		Ticket    string `json:"ticket"`
		Type      string `json:"type"`
		ExpiresIn int    `json:"expires_in"`
		ExpiresAt string `json:"expires_at"`
		Cached    bool   `json:"cached"`
	}{t.Value, string(kind), t.ExpiresIn, t.ExpiresAt.UTC().Format(time.RFC3339), t.Cached})
}
