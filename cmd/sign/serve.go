package sign

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/signserve"
	"github.com/wwcli/wwcli/pkg/ui"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// ServeOptions of `wwcli sign serve`: only what runServe needs.
type ServeOptions struct {
	IO      *iostreams.IOStreams
	Now     func() time.Time
	Session func(ctx context.Context, command string, in cmdutil.CredInput, noCache bool) (*cmdutil.Session, error)
	// Terminated delivers SIGTERM (tests send their own); stop releases it.
	Terminated func() (sig <-chan os.Signal, stop func())

	Addr           string
	AllowOrigins   []string
	TrustedDomains []string
	InsecureListen bool
	Creds          cmdutil.CredInput
	NoCache        bool

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

func notifyTerm() (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM)
	return ch, func() { signal.Stop(ch) }
}

// NewServeCmd builds `wwcli sign serve`. runF replaces the run function in tests.
func NewServeCmd(f *cmdutil.Factory, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{IO: f.IO, Now: f.Now, Session: f.Session, Terminated: notifyTerm}
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

Pages on http://localhost:* and http://127.0.0.1:* may call it from the
browser (CORS); --allow-origin adds others. Or proxy /signature from your
dev server (see docs/jssdk-signing.md). Each request is logged on stderr
with the URL signed and what looks wrong about it (a #fragment, http vs
https, another host than the trusted domain: --trusted-domain, or the
app's from agent/get; the iOS landing URL).
At start a ready ww.register snippet is printed on stderr.

It listens on loopback; --insecure-listen allows another address.
SIGTERM stops it with exit 0; Ctrl-C exits 130.`,
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
	fl := cmd.Flags()
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:0", "address to listen on (port 0 picks a free port)")
	fl.StringArrayVar(&opts.AllowOrigins, "allow-origin", nil, "also allow pages of `ORIGIN` (scheme://host[:port|:*]) by CORS")
	fl.StringArrayVar(&opts.TrustedDomains, "trusted-domain", nil, "warn about URLs off `DOMAIN` (default: the app's, from agent/get)")
	fl.BoolVar(&opts.InsecureListen, "insecure-listen", false, "allow --addr other than loopback (others can get signatures)")
	shared.AddCredFlags(cmd, &opts.Creds, "app agent id for type=agent and the snippet")
	fl.BoolVar(&opts.NoCache, "no-cache", false, "keep tickets in memory only, not in the cache dir")
	fl.StringVar(&opts.SuiteID, "suite-id", "", "sign type=suite for the suite `ID` (with --suite-ticket)")
	fl.StringVar(&opts.SuiteTicket, "suite-ticket", "", "the login-authorization `TICKET` type=suite signs with")
	return cmd
}

// validate checks the flags before any secret is read.
func (o *ServeOptions) validate() ([]signserve.Origin, error) {
	host, port, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return nil, cmdutil.FlagErrorf("--addr %q: use host:port, e.g. 127.0.0.1:0 or 127.0.0.1:8085", o.Addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return nil, cmdutil.FlagErrorf("--addr %q: the port must be a number from 0 to 65535 (0 picks a free port)", o.Addr)
	}
	if !isLoopbackHost(host) && !o.InsecureListen {
		return nil, cmdutil.FlagErrorf("--addr %s is not a loopback address: anyone who reaches it gets signatures for your trusted domains.\n"+
			"  use --addr 127.0.0.1:%s, or add --insecure-listen if you mean it", o.Addr, port)
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

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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
	out := signserve.NewLineQueue(o.IO.Out, o.queueLen)
	defer out.Close(time.Second)
	logq := signserve.NewLineQueue(o.IO.ErrOut, o.queueLen)
	defer logq.Close(time.Second)

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
	srv := &http.Server{
		Handler:           signer.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    signserve.MaxHeaderBytes,
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return listenError(o.Addr, err)
	}
	base := "http://" + clientAddr(ln.Addr())
	term, stopTerm := o.Terminated()
	defer stopTerm()

	out.Push(base) // alone on the first stdout line: what scripts read
	allowed := make([]string, 0, len(origins)+2)
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
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	shutdown := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			_ = srv.Close()
		}
		<-errc
	}
	select {
	case err := <-errc:
		return cmdutil.Errorf(cmdutil.ExitFailure, "server stopped: %v", err)
	case <-term:
		shutdown()
		logq.Push("sign serve stopped (SIGTERM)")
		return nil
	case <-ctx.Done():
		shutdown()
		return ctx.Err() // Ctrl-C: the root prints "interrupted", exit 130
	}
}

// clientAddr is where a page on this machine reaches the listener: one on
// every interface (0.0.0.0, ::) answers on 127.0.0.1.
func clientAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
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

// listenError names the fix for the usual reasons a listen fails.
func listenError(addr string, err error) error {
	host, port, _ := net.SplitHostPort(addr)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return cmdutil.Errorf(cmdutil.ExitFailure, "port %s on %s is already in use: stop what listens there, or use --addr %s:0 for a free port", port, host, host)
	case errors.Is(err, fs.ErrPermission):
		return cmdutil.Errorf(cmdutil.ExitFailure, "no permission to listen on %s (ports below 1024 need privileges): use --addr 127.0.0.1:0 for a free port", addr)
	}
	return cmdutil.Errorf(cmdutil.ExitFailure, "cannot listen on %s: %v", addr, err)
}
