// Package ticket is `wwcli ticket`: print a (cached) JS-SDK jsapi_ticket.
package ticket

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// Options of `wwcli ticket`: only what run needs.
type Options struct {
	IO      *iostreams.IOStreams
	Session func(ctx context.Context, command string, in cmdutil.CredInput, noCache bool) (*cmdutil.Session, error)

	Creds    cmdutil.CredInput
	Agent    bool
	Refresh  bool
	NoCache  bool
	Exporter cmdutil.Exporter
}

// NewCmd builds `wwcli ticket`.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Session: f.Session}
	cmd := &cobra.Command{
		Use:   "ticket [CORPID SECRET]",
		Short: "Print a JS-SDK jsapi_ticket (corp, or app with --agent)",
		Long: `Print the corp jsapi_ticket (/cgi-bin/get_jsapi_ticket), used to sign
ww.register's getConfigSignature, or with --agent the app ticket
(/cgi-bin/ticket/get?type=agent_config) for getAgentConfigSignature.

WeCom gives the app ticket of the app whose secret made the token. With an
agent id (--agent-id, WWCLI_AGENT_ID or the profile's) wwcli first checks
with /cgi-bin/agent/get that the secret is that app's, and refuses with
exit 3 when it is not.

Tickets and the token behind them are cached across runs: WeCom allows
400 ticket fetches per hour per corp and 100 per app. Concurrent runs on
an empty cache make one gettoken and one ticket request between them.

Credentials: CORPID SECRET, --corp-id with --secret-stdin/--secret-file,
WWCLI_CORP_ID + WWCLI_SECRET, or a profile from 'wwcli auth login'.`,
		Example: `  wwcli ticket CORPID SECRET          # like 'npx wwutil ticket CORPID SECRET'
  wwcli ticket --agent                 # app ticket of the profile's app
  wwcli ticket --corp-id ww... --secret-file secret.txt --json
  wwcli --sandbox ticket --agent --jq .expires_in`,
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
	shared.AddCredFlags(cmd, &opts.Creds, "app agent id (AgentId) for --agent; checked with agent/get")
	shared.AddAuthCorpFlag(cmd, &opts.Creds)
	cmd.Flags().BoolVar(&opts.Agent, "agent", false, "the app ticket (agent_config) instead of the corp ticket")
	shared.AddCacheFlags(cmd, &opts.Refresh, &opts.NoCache, "ticket")
	shared.AddJSONFlags(cmd, &opts.Exporter, "{ticket, type, expires_in, expires_at, cached}")
	return cmd
}

// ticketJSON is what --json prints.
type ticketJSON struct {
	Ticket string `json:"ticket"`
	Type   string `json:"type"`
	shared.Lifetime
}

func run(ctx context.Context, opts *Options) error {
	s, err := opts.Session(ctx, "ticket", opts.Creds, opts.NoCache)
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
	return shared.PrintCredential(ctx, opts.IO, &opts.Exporter, t.Value, ticketJSON{t.Value, string(kind), shared.LifetimeOf(t)}, "")
}
