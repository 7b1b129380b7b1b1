package suite

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/secretinput"
	"github.com/wwcli/wwcli/pkg/suiteticket"
)

// TicketOptions of `wwcli suite ticket`.
type TicketOptions struct {
	IO      *iostreams.IOStreams
	SuiteID func(flag string) (string, error)
	Current func(ctx context.Context, suiteID string) (cmdutil.SuiteTicketInfo, error)
	Now     func() time.Time

	SuiteFlag string
	Exporter  cmdutil.Exporter
}

func newCmdTicket(f *cmdutil.Factory, runF func(context.Context, *TicketOptions) error) *cobra.Command {
	opts := &TicketOptions{IO: f.IO, SuiteID: f.SuiteID, Current: f.CurrentSuiteTicket, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "ticket",
		Short: "Print the latest suite_ticket and its age",
		Long: `Print the suite_ticket a suite token fetch would use, and (on stderr) how
old it is: WeCom pushes a new one every 10 minutes and each is accepted for
30 minutes (DOC 90628).

Where it comes from, highest first: WWCLI_SUITE_TICKET; under --sandbox a
ticket the sandbox pushes now; else the latest one stored by
'wwcli callback serve --suite' or 'wwcli suite ticket set -'.`,
		Example: `  wwcli --sandbox suite ticket
  wwcli --sandbox suite ticket --jq .age_seconds`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runTicket(cmd.Context(), opts)
		},
	}
	addSuiteIDFlag(cmd, &opts.SuiteFlag)
	shared.AddJSONFlags(cmd, &opts.Exporter, "{suite_id, suite_ticket, source, received_at, age_seconds, expired}")
	cmd.AddCommand(newCmdTicketSet(f, nil))
	return cmd
}

func addSuiteIDFlag(cmd *cobra.Command, v *string) {
	cmd.Flags().StringVar(v, "suite-id", "", "`ID` of the suite; default WWCLI_SUITE_ID or the profile's")
}

// ticketJSON is what --json prints. received_at and age_seconds are
// absent when the ticket came from the environment (its age is unknown).
type ticketJSON struct {
	SuiteID     string `json:"suite_id"`
	SuiteTicket string `json:"suite_ticket"`
	Source      string `json:"source"`
	ReceivedAt  string `json:"received_at,omitempty"`
	AgeSeconds  *int   `json:"age_seconds,omitempty"`
	Expired     bool   `json:"expired"`
}

func runTicket(ctx context.Context, opts *TicketOptions) error {
	id, err := opts.SuiteID(opts.SuiteFlag)
	if err != nil {
		return err
	}
	t, err := opts.Current(ctx, id)
	if err != nil {
		return err
	}
	out := ticketJSON{SuiteID: id, SuiteTicket: t.Value, Source: t.Source}
	age := "of unknown age"
	if !t.ReceivedAt.IsZero() {
		d := opts.Now().Sub(t.ReceivedAt)
		secs := int(d.Seconds())
		out.ReceivedAt, out.AgeSeconds = t.ReceivedAt.UTC().Format(time.RFC3339), &secs
		out.Expired = d >= suiteticket.Lifetime
		age = "received " + d.Round(time.Second).String() + " ago"
	}
	note := fmt.Sprintf("suite_ticket of %s from %s, %s", id, t.Source, age)
	if out.Expired {
		note += fmt.Sprintf(" — older than the %s WeCom accepts", suiteticket.Lifetime)
	}
	return shared.PrintCredential(ctx, opts.IO, &opts.Exporter, t.Value, out, note)
}

// TicketSetOptions of `wwcli suite ticket set -`.
type TicketSetOptions struct {
	IO      *iostreams.IOStreams
	SuiteID func(flag string) (string, error)
	Tickets func() (*suiteticket.Store, error)
	Now     func() time.Time
	Sandbox bool

	SuiteFlag string
}

func newCmdTicketSet(f *cmdutil.Factory, runF func(context.Context, *TicketSetOptions) error) *cobra.Command {
	opts := &TicketSetOptions{IO: f.IO, SuiteID: f.SuiteID, Tickets: f.SuiteTickets, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "set -",
		Short: "Store a suite_ticket read from stdin (CI, or after 刷新Ticket)",
		Long: `Store a suite_ticket read from stdin as the suite's latest, received now,
for the next suite token fetch. For CI jobs that receive the ticket
elsewhere, and after pressing 刷新Ticket in 服务商管理后台. A ticket received
later (by 'wwcli callback serve --suite') always wins.`,
		Example: `  echo "$TICKET" | wwcli suite ticket set - --suite-id ww...`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 || args[0] != "-" {
				return cmdutil.FlagErrorf("give - and pipe the ticket in: %s", cmdutil.SuiteTicketSetLine)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Sandbox = f.Global.Sandbox
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runTicketSet(opts)
		},
	}
	addSuiteIDFlag(cmd, &opts.SuiteFlag)
	return cmd
}

func runTicketSet(opts *TicketSetOptions) error {
	if opts.Sandbox {
		return cmdutil.FlagErrorf("--sandbox pushes its own suite_tickets and never reads stored ones: drop --sandbox to store a ticket for WeCom")
	}
	id, err := opts.SuiteID(opts.SuiteFlag)
	if err != nil {
		return err
	}
	value, err := secretinput.ReadStdin(opts.IO.In)
	if err != nil {
		return cmdutil.FlagErrorf("reading the suite_ticket from stdin: %v", err)
	}
	t := suiteticket.Ticket{SuiteID: id, Value: value, ReceivedAt: opts.Now()}
	if err := t.Validate(); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	store, err := opts.Tickets()
	if err != nil {
		return err
	}
	if err := store.Save(t); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "stored the suite_ticket of %s (valid for %s from now)\n", id, suiteticket.Lifetime)
	return nil
}
