package sign

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/shellquote"
	"github.com/wwcli/wwcli/pkg/signserve"
	"github.com/wwcli/wwcli/pkg/ui"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// ServeOptions of `wwcli sign serve`: only what runServe needs.
type ServeOptions struct {
	IO      *iostreams.IOStreams
	Now     func() time.Time
	Session func(ctx context.Context, command string, in cmdutil.CredInput, noCache bool) (*cmdutil.Session, error)
	// Signals delivers SIGTERM (tests send their own); stop releases it.
	Signals func() (sig serve.Signals, stop func())

	shared.ServeFlags // --addr, --insecure-listen, --allow-host
	AllowOrigins      []string
	TrustedDomains    []string
	Creds             cmdutil.CredInput
	NoCache           bool

	// Suite, when set, signs type=suite (getSuiteConfigSignature) with
	// the suite ticket; SuiteID goes into the printed snippet.
	Suite   signserve.TicketSource
	SuiteID string
	// SuiteTicket is --suite-ticket: WeCom's docs name no endpoint that
	// issues the ticket getSuiteConfigSignature signs with (DOC 100328),
	// so it is given, like 'wwcli sign --suite --ticket'.
	SuiteTicket string

	// Ready, when set, is called with the base URL (tests).
	Ready    func(base string)
	queueLen int // lines waiting for a slow stdout/stderr; 0 = default
}

// publicRisk is what others could do with a sign serve they reach.
const publicRisk = "anyone who reaches it gets signatures for your trusted domains"

// NewServeCmd builds `wwcli sign serve`. runF replaces the run function in tests.
func NewServeCmd(f *cmdutil.Factory, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{IO: f.IO, Now: f.Now, Session: f.Session,
		Signals: func() (serve.Signals, func()) { return serve.Notify(false) }}
	cmd := &cobra.Command{
		Use:   "serve [--allow-origin ORIGIN...] [CORPID SECRET]",
		Short: "Serve JS-SDK signatures to local pages (ww.register callbacks)",
		Long: `Serve signatures for ww.register's callbacks to pages on a dev server,
so the jsapi_ticket never reaches the browser.

The first stdout line is the base URL. GET /signature?url=URL answers
{"timestamp","nonceStr","signature"}, exactly what getConfigSignature
returns; &type=agent signs with the app ticket (getAgentConfigSignature),
&type=suite with the ticket of --suite-ticket (getSuiteConfigSignature;
DOC 100328 names no endpoint that issues it, so give it with --suite-id).
Tickets are fetched with the usual credentials (CORPID SECRET, WWCLI_CORP_ID +
WWCLI_SECRET, a profile, --sandbox), cached, and refreshed ahead of expiry:
one fetch serves any number of signatures.

Pages on http://localhost:*, http://127.0.0.1:* and http://[::1]:* may
call it from the browser (CORS); --allow-origin adds others. A page of any
other origin gets 403 and no signature; requests without Origin (curl,
your dev server's proxy: see docs/jssdk-signing.md) are signed. Each
request is logged on stderr with the URL signed and what looks wrong
about it (a #fragment, http vs https, another host than the trusted
domain: --trusted-domain, or the app's from agent/get; the iOS landing
URL).
At start a ready ww.register snippet is printed on stderr.

It listens on loopback; --insecure-listen allows another address. It
answers only requests for its own address, localhost or an IP (the Host
header; a guard against DNS rebinding): --allow-host adds a name, e.g. a
tunnel's. SIGTERM stops it with exit 0; Ctrl-C exits 130.`,
		Example: `  wwcli --sandbox sign serve
  wwcli sign serve --addr 127.0.0.1:8085 --allow-origin https://dev.example.com
  wwcli --sandbox sign serve --suite-id ww9c3e7b1a5d2f8e60 --suite-ticket TICKET`,
		Args: shared.CredArgs(0),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Creds.Args = args
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runServe(c.Context(), opts)
		},
	}
	shared.AddServeFlags(cmd, &opts.ServeFlags, "127.0.0.1:0", "others can get signatures")
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.AllowOrigins, "allow-origin", nil, "also allow pages of `ORIGIN` (scheme://host[:port|:*]) by CORS")
	fl.StringArrayVar(&opts.TrustedDomains, "trusted-domain", nil, "warn about URLs off `DOMAIN` (default: the app's, from agent/get)")
	shared.AddCredFlags(cmd, &opts.Creds, "app agent id for type=agent and the snippet")
	fl.BoolVar(&opts.NoCache, "no-cache", false, "keep tickets in memory only, not in the cache dir")
	fl.StringVar(&opts.SuiteID, "suite-id", "", "sign type=suite for the suite `ID` (with --suite-ticket)")
	fl.StringVar(&opts.SuiteTicket, "suite-ticket", "", "the login-authorization `TICKET` type=suite signs with")
	return cmd
}

// serveConfig is the listen policy of sign serve; the handler is added
// once there is one.
func (o *ServeOptions) serveConfig(h http.Handler, errorLog *serve.LineQueue) serve.Config {
	cfg := serve.Config{
		Addr: o.Addr, Public: o.InsecureListen, Why: publicRisk, OptOut: "--insecure-listen", AllowHosts: o.AllowHosts,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		MaxHeaderBytes:    signserve.MaxHeaderBytes,
	}
	if errorLog != nil { // a nil *LineQueue in the interface would not be nil
		cfg.ErrorLog = errorLog
		cfg.HostRefused = func(r *http.Request) {
			errorLog.Push(fmt.Sprintf("refused a request for Host %q (a guard against DNS rebinding); if that is this machine's name, add --allow-host %s",
				r.Host, shellquote.Quote(hostOnly(r.Host))))
		}
	}
	return cfg
}

// validate checks the flags before any secret is read.
func (o *ServeOptions) validate() ([]signserve.Origin, error) {
	if _, err := serve.Check(o.serveConfig(nil, nil)); err != nil {
		return nil, shared.ServeError(err)
	}
	for _, d := range o.TrustedDomains {
		if d == "" || strings.ContainsAny(d, "/:*? ") {
			return nil, cmdutil.FlagErrorf("--trusted-domain %q: give the bare domain as the admin console lists it, e.g. app.example.com", d)
		}
	}
	if o.Suite == nil && (o.SuiteID == "") != (o.SuiteTicket == "") {
		return nil, cmdutil.FlagErrorf("--suite-id and --suite-ticket go together: type=suite signs with that ticket for that suite")
	}
	if strings.ContainsAny(o.SuiteTicket, " \t\r\n") {
		return nil, cmdutil.FlagErrorf("--suite-ticket: a ticket has no spaces or line breaks; copy it again")
	}
	var origins []signserve.Origin
	for _, s := range o.AllowOrigins {
		org, err := signserve.ParseOrigin(s)
		if err != nil {
			return nil, cmdutil.FlagErrorf("--allow-origin: %v", err)
		}
		origins = append(origins, org)
	}
	return origins, nil
}

func runServe(ctx context.Context, o *ServeOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	origins, err := o.validate()
	if err != nil {
		return err
	}
	s, err := o.Session(ctx, "sign serve", o.Creds, o.NoCache)
	if err != nil {
		return err
	}
	// Fail now, not at the first page load, when the credentials are wrong.
	if _, err := s.Token(ctx, false); err != nil {
		return err
	}
	theme := ui.New(o.IO.ErrOut, o.IO.ColorErr())
	// Both stdout and stderr go through queues: a terminal or pipe nobody
	// reads must never hold up an answer to the page.
	logq := serve.NewLineQueue(o.IO.ErrOut, serve.QueueOptions{Name: "stderr", Len: o.queueLen})
	defer logq.Close(time.Second)
	out := serve.NewLineQueue(o.IO.Out, serve.QueueOptions{Name: "stdout", Len: o.queueLen,
		// stdout is data (the base URL): a drop is told on stderr
		Notice: func(n int) { logq.Push(fmt.Sprintf("warning: %d line(s) dropped because stdout was not read", n)) }})
	defer out.Close(time.Second)

	trusted := o.TrustedDomains
	if id := s.Creds.AgentID; id != "" && len(trusted) == 0 {
		var agent wecom.Agent
		_, err := s.Call(ctx, wecom.Request{Method: http.MethodGet, Path: "/cgi-bin/agent/get", Query: url.Values{"agentid": {id}}}, &agent)
		switch {
		case err != nil:
			logq.Push(fmt.Sprintf("warning: agent/get %s failed (%v): the trusted domain is unknown, URLs are not checked against it", id, err))
		case agent.RedirectDomain != "":
			trusted = []string{agent.RedirectDomain}
		}
	}
	var sessionMu sync.Mutex // a Session is not for concurrent use; fetches are rare
	sources := map[signserve.Kind]signserve.TicketSource{
		signserve.KindCorp:  sessionTickets(&sessionMu, s, wecom.CorpTicket),
		signserve.KindAgent: sessionTickets(&sessionMu, s, wecom.AgentTicket),
	}
	kinds := []signserve.Kind{signserve.KindCorp, signserve.KindAgent}
	if o.Suite == nil && o.SuiteTicket != "" {
		// A given ticket has no known lifetime: it is used for as long
		// as the server runs (each copy "lasts" a jsapi ticket's 7200 s).
		o.Suite = signserve.TicketFunc(func(context.Context) (signserve.Ticket, error) {
			return signserve.Ticket{Value: o.SuiteTicket, ExpiresAt: o.Now().Add(7200 * time.Second)}, nil
		})
	}
	if o.Suite != nil {
		sources[signserve.KindSuite] = o.Suite
		kinds = append(kinds, signserve.KindSuite)
	}
	signer := signserve.New(signserve.Options{
		Sources: sources,
		Unconfigured: map[signserve.Kind]string{
			signserve.KindSuite: "this sign serve has no suite credentials (getConfigSignature is type=corp, getAgentConfigSignature type=agent)",
		},
		AllowOrigins:   origins,
		TrustedDomains: trusted,
		Now:            o.Now,
		Log:            logq.Push,
		Icons:          signserve.Icons{OK: theme.SuccessIcon(), Fail: theme.FailIcon(), Warn: theme.WarnIcon()},
	})
	srv, err := serve.Listen(o.serveConfig(signer.Handler(), logq))
	if err != nil {
		return shared.ServeError(err)
	}
	sig, stopSignals := o.Signals()
	defer stopSignals()
	srv.Start() // serving before the URL is printed: a script may call it at once
	base := srv.URL()

	out.Push(base) // alone on the first stdout line: what scripts read
	allowed := make([]string, 0, len(origins)+3)
	for _, org := range append(signserve.DefaultOrigins(), origins...) {
		allowed = append(allowed, org.String())
	}
	logq.Push(fmt.Sprintf("%s signing on %s/signature?url=URL[&type=corp|agent|suite] (corp %s); CORS for %s; Ctrl-C to stop",
		theme.SuccessIcon(), base, s.Creds.CorpID, strings.Join(allowed, ", ")))
	if len(trusted) > 0 {
		logq.Push("  trusted domain: " + strings.Join(trusted, ", ") + " (URLs of other public hosts get a warning)")
	}
	logq.Push("  in the page (@wecom/jssdk):\n" + indent(signserve.Snippet(signserve.SnippetOptions{
		BaseURL: base, CorpID: s.Creds.CorpID, AgentID: s.Creds.AgentID, SuiteID: o.SuiteID, Kinds: kinds,
	}), "    "))
	if o.Ready != nil {
		o.Ready(base)
	}
	stopped, err := srv.Wait(ctx, sig, nil)
	switch stopped {
	case serve.ByFailure:
		return cmdutil.Errorf(cmdutil.ExitFailure, "server stopped: %v", err)
	case serve.ByContext:
		return ctx.Err() // Ctrl-C: the root prints "interrupted", exit 130
	}
	if err != nil { // bounded shutdown that went wrong: still a requested stop
		logq.Push(fmt.Sprintf("warning: shutting down: %v", err))
	}
	logq.Push("sign serve stopped (SIGTERM)")
	return nil
}

// sessionTickets is a ticket source backed by the session's cache.
func sessionTickets(mu *sync.Mutex, s *cmdutil.Session, kind wecom.TicketKind) signserve.TicketSource {
	return signserve.TicketFunc(func(ctx context.Context) (signserve.Ticket, error) {
		mu.Lock()
		defer mu.Unlock()
		r, err := s.Ticket(ctx, kind, false)
		if err != nil {
			return signserve.Ticket{}, err
		}
		return signserve.Ticket{Value: r.Value, ExpiresAt: r.ExpiresAt}, nil
	})
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// hostOnly is a Host header without its port.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}
