// Package sign is `wwcli sign`: the JS-SDK signature a backend returns from
// ww.register's getConfigSignature / getAgentConfigSignature.
package sign

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/jssdk"
	"github.com/wwcli/wwcli/pkg/ui"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// Options of `wwcli sign`: only what run needs.
type Options struct {
	IO      *iostreams.IOStreams
	Now     func() time.Time
	Warnf   func(format string, a ...any)
	Session func(ctx context.Context, command string, in cmdutil.CredInput, noCache bool) (*cmdutil.Session, error)

	URL       string
	Ticket    string
	Agent     bool
	Suite     bool
	Nonce     string
	Timestamp string
	Verify    string
	Explain   bool
	Creds     cmdutil.CredInput
	Refresh   bool
	NoCache   bool
	Exporter  cmdutil.Exporter

	ticketSet, nonceSet, timestampSet, verifySet bool
	// credsGiven: credentials or cache flags that --ticket makes moot.
	credsGiven []string
}

// NewCmd builds `wwcli sign`. runF replaces the run function in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Now: f.Now, Warnf: f.Warnf, Session: f.Session}
	cmd := &cobra.Command{
		Use:   "sign --url URL [--ticket TICKET] [--agent] [CORPID SECRET]",
		Short: "Sign a page URL for ww.register (JS-SDK signature)",
		Long: `Compute the JS-SDK signature that getConfigSignature (corp ticket) or
getAgentConfigSignature (app ticket, --agent) must return to ww.register.

Prints one JSON object on stdout: {"timestamp","nonceStr","signature","url"},
where url is the URL actually signed (--json is accepted and changes
nothing; --jq filters the object). The signature is the SHA-1 of
  jsapi_ticket=TICKET&noncestr=NONCE&timestamp=SECONDS&url=URL
over its UTF-8 bytes. A #fragment is removed (as the page does), the
timestamp is Unix seconds (default now), the nonce 16 random letters and
digits unless --nonce is given.

Without --ticket the ticket is fetched and cached exactly as 'wwcli ticket'
does, with the same credentials: CORPID SECRET, --corp-id with
--secret-stdin/--secret-file, WWCLI_CORP_ID + WWCLI_SECRET, or a profile;
--agent picks the app ticket. --ticket TICKET skips all that; but a ticket
is a credential for 2 hours and a flag value shows in shell history and ps,
so prefer letting sign fetch it.

--suite signs for getSuiteConfigSignature, the login-authorization suite
of DOC 100328 (ww.register with suiteId, for a corp that has not installed
the app). The algorithm is the same; the ticket is "the login-authorization
app's jsapi_ticket". WeCom's docs do not say which endpoint issues that
ticket (DOC 100328 links a page that could not be found), so wwcli cannot
fetch it: --suite needs --ticket TICKET.

--verify SIG recomputes the signature for the given --nonce and --timestamp
and exits 0 when SIG matches, 1 when it does not (details on stderr).`,
		Example: `  wwcli sign --url 'https://example.com/page?x=1' --ticket "$TICKET"
  wwcli sign --url "$PAGE_URL" --agent
  wwcli sign --url "$PAGE_URL" --corp-id ww... --secret-file secret.txt
  wwcli --sandbox sign --url https://example.com/ --agent --explain
  wwcli sign --suite --url "$PAGE_URL" --ticket "$TICKET"
  wwcli sign --url "$PAGE_URL" --ticket "$TICKET" \
    --nonce "$NONCE" --timestamp "$TS" --verify "$SIGNATURE"`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 0 && len(args) != 2 {
				return cmdutil.FlagErrorf("expected CORPID SECRET or no arguments, got %d argument(s); quote the URL and pass it with --url", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			opts.Creds.Args = args
			fl := c.Flags()
			if !fl.Changed("url") {
				// Checked here, not with MarkFlagRequired, so it exits 2 like other usage errors.
				return cmdutil.FlagErrorf("--url is required: pass the full page URL, e.g. --url 'https://example.com/page?x=1'")
			}
			opts.ticketSet = fl.Changed("ticket")
			opts.nonceSet = fl.Changed("nonce")
			opts.timestampSet = fl.Changed("timestamp")
			opts.verifySet = fl.Changed("verify")
			if opts.Suite && opts.Agent {
				return cmdutil.FlagErrorf("--suite and --agent exclude each other: --agent signs getAgentConfigSignature, --suite getSuiteConfigSignature")
			}
			if opts.Suite && !opts.ticketSet {
				return cmdutil.FlagErrorf("--suite needs --ticket TICKET: WeCom's docs do not name the endpoint that issues the login-authorization jsapi_ticket (DOC 100328), so wwcli cannot fetch it")
			}
			if len(args) > 0 {
				opts.credsGiven = append(opts.credsGiven, "CORPID SECRET")
			}
			for _, name := range []string{"corp-id", "agent-id", "secret-stdin", "secret-file", "refresh", "no-cache"} {
				if fl.Changed(name) {
					opts.credsGiven = append(opts.credsGiven, "--"+name)
				}
			}
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return run(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.URL, "url", "", "page URL, as location.href shows it (#fragment removed)")
	fl.StringVar(&opts.Ticket, "ticket", "", "jsapi_ticket to sign with (default: fetch it with the credentials)")
	fl.BoolVar(&opts.Agent, "agent", false, "sign with the app ticket (getAgentConfigSignature)")
	fl.BoolVar(&opts.Suite, "suite", false, "sign for getSuiteConfigSignature (needs --ticket)")
	fl.StringVar(&opts.Nonce, "nonce", "", "nonceStr, 1-32 letters and digits (default: 16 random)")
	fl.StringVar(&opts.Timestamp, "timestamp", "", "Unix time in seconds (default: now)")
	fl.StringVar(&opts.Verify, "verify", "", "check SIG instead of printing: exit 0 match, 1 mismatch")
	fl.BoolVar(&opts.Explain, "explain", false, "print the exact string that was hashed on stderr")
	shared.AddCredFlags(cmd, &opts.Creds, "app agent id (AgentId) for --agent; checked with agent/get")
	shared.AddAuthCorpFlag(cmd, &opts.Creds)
	fl.BoolVar(&opts.Refresh, "refresh", false, "fetch a new ticket even if the cached one is fresh")
	fl.BoolVar(&opts.NoCache, "no-cache", false, "neither read nor write the token and ticket cache")
	shared.AddJSONFlags(cmd, &opts.Exporter, "{timestamp, nonceStr, signature, url}")
	cmd.AddCommand(NewServeCmd(f, nil))
	return cmd
}

// output is exactly what getConfigSignature / getAgentConfigSignature
// return, plus the URL that was signed.
type output struct {
	Timestamp int64  `json:"timestamp"`
	NonceStr  string `json:"nonceStr"`
	Signature string `json:"signature"`
	URL       string `json:"url"`
}

func run(ctx context.Context, opts *Options) error {
	io := opts.IO
	theme := ui.New(io.ErrOut, io.ColorErr())

	req, given, err := opts.request()
	if err != nil {
		return err
	}
	// Validate everything but the ticket before fetching one from WeCom.
	probe := req
	probe.Ticket = "x"
	if _, err := probe.Sign(); err != nil {
		return usageError(err)
	}
	if req.Ticket, err = opts.ticket(ctx); err != nil {
		return err
	}
	res, err := req.Sign()
	if err != nil {
		return usageError(err)
	}
	if w, ok := jssdk.TimestampWarning(res.Timestamp); ok {
		res.Warnings = append(res.Warnings, w)
	}
	for _, w := range res.Warnings {
		opts.Warnf("%s", w.Message)
	}
	if opts.Explain {
		kind, callback := "corp", "getConfigSignature"
		switch {
		case opts.Agent:
			kind, callback = "app (agent)", "getAgentConfigSignature"
		case opts.Suite:
			kind, callback = "login-authorization suite", "getSuiteConfigSignature"
		}
		fmt.Fprintf(io.ErrOut, "%s %s\n", theme.Muted("string1:  "), res.String1)
		fmt.Fprintf(io.ErrOut, "%s %s\n", theme.Muted("sha1:     "), res.Signature)
		fmt.Fprintf(io.ErrOut, "%s %s ticket: return this from %s\n", theme.Muted("ticket:   "), kind, callback)
	}
	if opts.verifySet {
		return verify(opts, theme, req, res, given)
	}
	return opts.Exporter.Write(ctx, io, output{Timestamp: res.Timestamp, NonceStr: res.NonceStr, Signature: res.Signature, URL: res.URL})
}

// request gathers the inputs, filling defaults; given is the parsed --verify value.
func (opts *Options) request() (req jssdk.Request, given string, err error) {
	if opts.verifySet {
		if given, err = jssdk.ParseSignature(opts.Verify); err != nil {
			return req, "", usageError(err)
		}
		if !opts.nonceSet || !opts.timestampSet {
			return req, "", cmdutil.FlagErrorf("--verify needs the --nonce and --timestamp the signature was made with")
		}
	}
	req.URL = opts.URL
	req.NonceStr = opts.Nonce
	if !opts.nonceSet {
		if req.NonceStr, err = jssdk.NewNonce(); err != nil {
			return req, "", err
		}
	}
	req.Timestamp = opts.Timestamp
	if !opts.timestampSet {
		req.Timestamp = strconv.FormatInt(opts.Now().Unix(), 10)
	}
	return req, given, nil
}

// ticket returns --ticket, or the (cached) ticket `wwcli ticket` would print.
func (opts *Options) ticket(ctx context.Context) (string, error) {
	if opts.ticketSet {
		if len(opts.credsGiven) > 0 {
			opts.Warnf("%s ignored: --ticket was given", strings.Join(opts.credsGiven, ", "))
		}
		if err := jssdk.ValidateTicket(opts.Ticket); err != nil {
			return "", usageError(fmt.Errorf("--ticket: %w", err))
		}
		return opts.Ticket, nil
	}
	kind := wecom.CorpTicket
	if opts.Agent {
		kind = wecom.AgentTicket
	}
	s, err := opts.Session(ctx, "sign", opts.Creds, opts.NoCache)
	if err != nil {
		if cmdutil.ExitCode(err) == cmdutil.ExitCredentials {
			return "", fmt.Errorf("%w\n(or pass the ticket itself with --ticket TICKET)", err)
		}
		return "", err
	}
	t, err := s.Ticket(ctx, kind, opts.Refresh)
	if err != nil {
		return "", err
	}
	if err := jssdk.ValidateTicket(t.Value); err != nil {
		return "", fmt.Errorf("WeCom returned an unusable ticket: %w", err)
	}
	return t.Value, nil
}

func verify(opts *Options, theme *ui.Theme, req jssdk.Request, res jssdk.Result, given string) error {
	w := opts.IO.ErrOut
	if jssdk.Equal(res.Signature, given) {
		fmt.Fprintf(w, "%s signature matches\n", theme.SuccessIcon())
		return nil
	}
	fmt.Fprintf(w, "%s signature does not match\n", theme.FailIcon())
	fmt.Fprintf(w, "  given:    %s\n", given)
	fmt.Fprintf(w, "  expected: %s\n", res.Signature)
	fmt.Fprintf(w, "  hashed:   %s\n", res.String1)
	hints := jssdk.DiagnoseMismatch(req, given)
	for _, h := range hints {
		fmt.Fprintf(w, "  %s %s\n", theme.WarnIcon(), h)
	}
	if len(hints) == 0 {
		fmt.Fprintf(w, "  %s\n", theme.Muted("check the ticket (corp vs app ticket: --agent), nonce and timestamp the signer used"))
	}
	return cmdutil.Silent(cmdutil.ExitFailure)
}

// usageError turns a jssdk input error into exit 2 with its message.
func usageError(err error) error {
	var ie *jssdk.InputError
	if errors.As(err, &ie) {
		return cmdutil.FlagErrorf("%s", err.Error())
	}
	return err
}
