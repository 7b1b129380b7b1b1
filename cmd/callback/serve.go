package callback

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/internal/serve"
	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/callbackserve"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/suiteticket"
	"github.com/wwcli/wwcli/pkg/ui"
)

// ServeOptions of `wwcli callback serve`: only what run needs.
type ServeOptions struct {
	IO      *iostreams.IOStreams
	Secrets SecretsFunc
	Now     func() time.Time
	// Signals delivers SIGTERM (tests send their own); stop releases it.
	Signals func() (sig serve.Signals, stop func())
	SecretOptions
	shared.ServeFlags // --addr, --insecure-listen, --allow-host
	Path              string
	ForwardTo         string
	MaxBody           int64
	Timeout           time.Duration // --timeout: bounds each forward to the app
	Exporter          cmdutil.Exporter
	// Suite: serve the instruction callback (指令回调) of this suite id.
	Suite        string
	SuiteTickets func() (*suiteticket.Store, error)
	// Exchange: turn create_auth / reset_permanent_code auth codes into
	// stored permanent codes at once (--exchange).
	Exchange           bool
	SuiteSession       func(ctx context.Context, command string, noCache bool) (*cmdutil.SuiteSession, error)
	StorePermanentCode func(ctx context.Context, suiteID, corpID, code string) error

	// Ready, when set, is called with the listening host:port (tests).
	Ready func(addr string)

	queueLen int // lines waiting for stdout / stderr; 0 = serve.DefaultQueueLen
}

// NewServeCmd builds `wwcli callback serve`.
func NewServeCmd(f *cmdutil.Factory, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{IO: f.IO, Secrets: f.CallbackSecrets, Now: f.Now, SuiteTickets: f.SuiteTickets,
		Signals:      func() (serve.Signals, func()) { return serve.Notify(false) },
		SuiteSession: f.SuiteSession, StorePermanentCode: f.StorePermanentCode}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a callback URL: verify, decrypt and print each message",
		Long: `Serve a WeCom callback URL locally (put a tunnel or reverse proxy in
front of it).

The first stdout line is the callback URL to configure. GET verification
requests are answered at once with the bare plaintext echo. POSTs are
verified and decrypted; each message is printed on stdout as one JSON line
(indented on a terminal; --jq filters each one) and answered with 200 and
an empty body ("no passive reply"). With --forward-to the plaintext is
POSTed to your app; a non-empty answer from it is encrypted and returned to
WeCom as the passive reply.
Rejected requests get 400 and a log line on stderr with the -4000x code.
SIGTERM (docker stop, kill) stops the server cleanly with exit 0; Ctrl-C
exits 130.

Behind a tunnel: it answers only requests for its own address, localhost
or an IP (the Host header; a guard against DNS rebinding). Many tunnels
pass their public name through (ngrok does by default): add it with
--allow-host, e.g. --allow-host abc.ngrok-free.app, or WeCom's requests
get 403. Each refusal is logged on stderr with the exact flag to add.
--allow-host '*' turns the check off (every request it acts on is signed).
It listens on loopback; --insecure-listen allows another address.

--suite SUITE_ID serves a third-party app's (or 代开发 template's)
instruction callback (指令回调, DOC 90628): the receive id of every POST is
the suite id (URL verification uses the provider's corp id, so GET checks
only the signature), each POST is answered "success" (DOC 97172), and each
pushed suite_ticket is stored for 'wwcli suite token' (the latest push
wins). create_auth, change_auth, cancel_auth and reset_permanent_code
(DOC 90642, DOC 97175) are logged on stderr, one line each, auth codes
redacted. stdout gets one JSON line per event without any ticket or code:
{received_at, info_type, suite_id, auth_corp_id, state, stored}.
--receive-id "" skips the events' receive-id check. --exchange also turns
each pushed auth_code (market installs, re-issued 代开发 secrets) into the
stored permanent code, as 'wwcli suite permanent-code' does, after the
answer (WeCom allows 1000 ms; DOC 97175).`,
		Example: `  wwcli callback serve
  wwcli callback serve --addr 127.0.0.1:9000 --path /wecom/callback
  wwcli callback serve --path /wecom --allow-host abc.ngrok-free.app
  wwcli callback serve --forward-to http://127.0.0.1:3000/wecom \
    --jq .fields.MsgType
  wwcli callback serve --suite ww9c3e7b1a5d2f8e60 --path /suite/receive`,
		Args: maxArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.bind(cmd)
			opts.Timeout = f.Global.Timeout
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runServe(cmd.Context(), opts)
		},
	}
	addReceiveIDFlag(cmd, &opts.SecretOptions)
	shared.AddServeFlags(cmd, &opts.ServeFlags, "127.0.0.1:8080", "others can send it requests, and replay captured messages to your app")
	cmd.Flags().StringVar(&opts.Path, "path", "/", "URL path of the callback")
	cmd.Flags().StringVar(&opts.ForwardTo, "forward-to", "", "POST each decrypted message to this URL; its answer becomes the passive reply")
	cmd.Flags().Int64Var(&opts.MaxBody, "max-body", cb.DefaultMaxBody, "largest POST body accepted, in bytes")
	cmd.Flags().StringVar(&opts.Suite, "suite", "", "serve this suite's instruction callback and store its suite_tickets")
	cmd.Flags().BoolVar(&opts.Exchange, "exchange", false, "with --suite: exchange pushed auth codes and store the permanent codes")
	shared.AddJSONFlags(cmd, &opts.Exporter, "each message (always JSON; --json is accepted)")
	return cmd
}

// serveConfig is the listen policy and timeouts of callback serve.
func (o *ServeOptions) serveConfig() serve.Config {
	return serve.Config{
		Addr: o.Addr, Public: o.InsecureListen, Why: callbackserve.PublicRisk, OptOut: "--insecure-listen",
		AllowHosts: o.AllowHosts, Authenticated: true, // every request it acts on is signed
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// validate checks the flags before any secret is read.
func (o *ServeOptions) validate() (forward *url.URL, err error) {
	if !strings.HasPrefix(o.Path, "/") {
		return nil, cmdutil.FlagErrorf("--path must start with /, e.g. --path /wecom/callback")
	}
	if !callbackserve.PlainPath(o.Path) {
		return nil, cmdutil.FlagErrorf("--path %q: use a plain path without spaces or braces, e.g. --path /wecom/callback", o.Path)
	}
	if o.MaxBody <= 0 {
		return nil, cmdutil.FlagErrorf("--max-body must be positive")
	}
	if o.ForwardTo != "" {
		u, err := url.Parse(o.ForwardTo)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, cmdutil.FlagErrorf("--forward-to must be an http(s) URL, e.g. http://127.0.0.1:3000/wecom")
		}
		forward = u
	}
	if o.Exchange && o.Suite == "" {
		return nil, cmdutil.FlagErrorf("--exchange goes with --suite SUITE_ID: it exchanges the auth codes an instruction callback receives")
	}
	if o.Suite != "" {
		if err := checkSuiteOptions(o); err != nil {
			return nil, err
		}
	}
	if _, err := serve.Check(o.serveConfig()); err != nil {
		return nil, shared.ServeError(err)
	}
	return forward, nil
}

func runServe(ctx context.Context, opts *ServeOptions) error {
	forward, err := opts.validate()
	if err != nil {
		return err
	}
	var suite *callbackserve.Suite
	if opts.Suite != "" {
		// The receive id of an instruction callback is the suite id;
		// --receive-id "" skips the check (some create_auth pushes are
		// reported to carry the provider's corp id).
		if !opts.ReceiveIDSet || opts.ReceiveID != "" {
			opts.ReceiveID, opts.ReceiveIDSet = opts.Suite, true
		}
		if suite, err = suiteOptions(ctx, opts); err != nil {
			return err
		}
	}
	c, err := newCrypter(ctx, opts.Secrets, opts.SecretOptions)
	if err != nil {
		return err
	}
	ios := opts.IO
	t := ui.New(ios.ErrOut, ios.ColorErr())
	// Both streams through bounded queues: a stdout or stderr nobody reads
	// never holds up an answer to WeCom.
	streams := callbackserve.NewOutputs(ios.Out, ios.ErrOut, opts.queueLen)
	defer streams.Close(time.Second)
	client := &http.Client{Timeout: opts.Timeout}
	if client.Timeout <= 0 {
		client.Timeout = 10 * time.Second
	}
	server, err := callbackserve.New(callbackserve.Options{
		Crypter: c, Path: opts.Path, MaxBody: opts.MaxBody, Now: opts.Now,
		Out: streams.Out, Log: streams.Log, Render: exportLine(&opts.Exporter, ios),
		Icons:     callbackserve.Icons{OK: t.SuccessIcon(), Fail: t.FailIcon()},
		ForwardTo: forward, Client: client, Suite: suite,
	})
	if err != nil {
		return err
	}
	defer server.Close() // before the streams close: the exchanges' last lines get out
	srv, err := server.Listen(opts.serveConfig())
	if err != nil {
		return shared.ServeError(err)
	}
	sig, stopSignals := opts.Signals()
	defer stopSignals()
	srv.Start() // serving before the URL is printed: a script may call it at once
	// The callback URL first, alone on stdout: what a script or a tunnel reads.
	callbackURL := srv.URL() + opts.Path
	streams.Out.Push(callbackURL)
	streams.Log.Push(fmt.Sprintf("%s listening on %s (Ctrl-C to stop)", t.SuccessIcon(), callbackURL))
	if opts.Ready != nil {
		opts.Ready(strings.TrimPrefix(srv.URL(), "http://"))
	}
	stopped, err := srv.Wait(ctx, sig, nil)
	switch stopped {
	case serve.ByFailure:
		return cmdutil.Errorf(cmdutil.ExitFailure, "server stopped: %v", err)
	case serve.ByContext:
		return ctx.Err() // Ctrl-C: root prints "interrupted", exit 130
	}
	if err != nil { // a bounded shutdown that went wrong: still a requested stop
		streams.Log.Push(fmt.Sprintf("warning: shutting down: %v", err))
	}
	streams.Log.Push("callback serve stopped (SIGTERM)")
	return nil
}

// exportLine renders one stdout line the way --json/--jq print it
// (indented on a terminal), into bytes for the stdout queue.
func exportLine(e *cmdutil.Exporter, ios *iostreams.IOStreams) func(v any) ([]byte, error) {
	return func(v any) ([]byte, error) {
		var buf bytes.Buffer
		into := *ios // same terminal facts, output into buf
		into.Out = &buf
		err := e.Write(context.Background(), &into, v)
		return buf.Bytes(), err
	}
}
