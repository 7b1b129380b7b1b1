package callback

import (
	"context"
	"strings"

	"github.com/wwcli/wwcli/pkg/callbackserve"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	suitepkg "github.com/wwcli/wwcli/pkg/suite"
)

func checkSuiteOptions(opts *ServeOptions) error {
	switch {
	case strings.ContainsAny(opts.Suite, " \t\r\n"):
		return cmdutil.FlagErrorf("--suite %q contains whitespace: pass the SuiteID from the app's detail page", opts.Suite)
	case opts.ReceiveIDSet && opts.ReceiveID != "" && opts.ReceiveID != opts.Suite:
		return cmdutil.FlagErrorf("--receive-id %q and --suite %q disagree: an instruction callback's receive id is the suite id; drop --receive-id (or --receive-id \"\" to skip the check)", opts.ReceiveID, opts.Suite)
	case opts.ForwardTo != "":
		return cmdutil.FlagErrorf("--forward-to does not go with --suite: WeCom expects the literal \"success\" from an instruction callback, not your app's reply")
	}
	return nil
}

// suiteOptions resolves what --suite needs before listening: the ticket
// store, the GET verifier (WeCom verifies a provider's callback URL with
// the provider's corp id, so no receive id is checked there) and, with
// --exchange, the suite's session (exit 4 when its credentials are
// missing).
func suiteOptions(ctx context.Context, opts *ServeOptions) (*callbackserve.Suite, error) {
	tickets, err := opts.SuiteTickets()
	if err != nil {
		return nil, err
	}
	so := opts.SecretOptions
	so.ReceiveID, so.ReceiveIDSet = "", true
	verify, err := newCrypter(ctx, opts.Secrets, so)
	if err != nil {
		return nil, err
	}
	s := &callbackserve.Suite{ID: opts.Suite, Tickets: tickets, VerifyCrypter: verify}
	if !opts.Exchange {
		return s, nil
	}
	ss, err := opts.SuiteSession(ctx, "callback serve --exchange", false)
	if err != nil {
		return nil, err
	}
	if ss.Suite.SuiteID != opts.Suite {
		return nil, cmdutil.FlagErrorf("--exchange: the suite credentials are for %s, not --suite %s: set WWCLI_SUITE_ID and WWCLI_SUITE_SECRET (or the profile) for %s", ss.Suite.SuiteID, opts.Suite, opts.Suite)
	}
	s.Exchange = &callbackserve.Exchange{
		Suite: &suitepkg.Suite{ID: ss.Suite.SuiteID, API: ss.Client(), WithToken: ss.WithToken},
		Store: opts.StorePermanentCode,
	}
	return s, nil
}
