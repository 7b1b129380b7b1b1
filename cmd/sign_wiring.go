package cmd

import (
	"context"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// signTicketFetcher lets `wwcli sign` get the (cached) corp or app ticket
// the same way `wwcli ticket` does when --ticket is not given.
func signTicketFetcher(f *cmdutil.Factory) func(ctx context.Context, agent bool, credArgs []string) (string, error) {
	return func(ctx context.Context, agent bool, credArgs []string) (string, error) {
		s, err := f.Session(ctx, "sign", cmdutil.CredInput{Args: credArgs}, false)
		if err != nil {
			return "", err
		}
		kind := wecom.CorpTicket
		if agent {
			kind = wecom.AgentTicket
		}
		t, err := s.Ticket(ctx, kind, false)
		return t.Value, err
	}
}
