// Package relay is `wwcli relay`: serve the authenticated trusted-IP relay
// to the WeCom API (pkg/relay) until stopped.
package relay

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	wwrelay "github.com/wwcli/wwcli/pkg/relay"
)

// Options of `wwcli relay`: only what run needs.
type Options struct {
	IO *iostreams.IOStreams
	// Signals delivers SIGTERM and SIGHUP (tests send their own); stop
	// releases them.
	Signals func() (sig serve.Signals, stop func())
	// Upstream resolves the relay's own credentials and reaches WeCom.
	Upstream func(ctx context.Context, in cmdutil.CredInput) (wwrelay.Upstream, wwrelay.Identity, error)
	// MemoryLimit sets the process's soft memory limit for a body budget
	// of budget bytes (tests leave the process alone).
	MemoryLimit func(budget int64)

	Serve       shared.ServeFlags
	Clients     string
	TLSCert     string
	TLSKey      string
	AuditLog    string
	MaxBody     int64
	MaxInFlight int64
	Creds       cmdutil.CredInput
}

// shutdownTimeout bounds the wait for requests in flight at SIGTERM: one
// WeCom round trip, so a POST that may act is answered, not cut.
const shutdownTimeout = 10 * time.Second

// readTimeout bounds a whole request: a 20 MB upload over a slow runner link.
const readTimeout = 2 * time.Minute

// flushWait bounds the wait for a log reader at exit: one that never
// reads must not keep the relay from stopping.
const flushWait = 2 * time.Second

// NewCmd builds `wwcli relay`. runF replaces the run function in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Signals: func() (serve.Signals, func()) { return serve.Notify(true) },
		Upstream: upstream(f), MemoryLimit: softMemoryLimit}
	cmd := &cobra.Command{
		Use:   "relay --clients FILE [--addr ADDR] [--tls-cert F --tls-key F]",
		Short: "Serve an authenticated relay to the WeCom API for CI runners",
		Long: `Serve a reverse proxy to the WeCom API on a host whose IP is in the app's
企业可信IP list, so that CI runners (whose IPs change) call WeCom through it
without holding the app secret (WeCom answers 60020 to untrusted IPs).

Clients send 'Authorization: Bearer TOKEN'; the relay checks the token
against the SHA-256 hashes in the clients FILE, the client's path
allow-list, read-only flag and rate, strips any access_token (and debug,
unless the client may send it), adds its own (cached, refetched on
40014/42001) and passes WeCom's answer through. gettoken and the other
token endpoints are never relayed. jsapi_tickets are served from the
relay's cache. An audit log (JSON lines: client, method, path, status,
errcode, latency; never tokens, query values or bodies) goes to stderr or
--audit-log.

The relay's own credentials come from the usual sources (profile, env
WWCLI_CORP_ID/WWCLI_SECRET, --secret-file, --sandbox). Plain HTTP listens
only on loopback unless --insecure-listen; with --tls-cert any address
will do. Requests must name the relay by an IP, localhost or its --addr
host: add --allow-host NAME for the DNS name clients use. The clients
file, the TLS key and the audit log must be files no other local user can
write. The first stdout line is the base URL. Stop with Ctrl-C (exit 130)
or SIGTERM (exit 0).

Clients run any wwcli command with WWCLI_RELAY=URL and WWCLI_RELAY_TOKEN
(or --relay-token-file). SIGHUP reloads the clients FILE (to add or revoke
a client). See docs/relay.md.`,
		Example: `  wwcli relay --clients clients.json --addr 127.0.0.1:8400
  wwcli relay --clients clients.json --sandbox --audit-log audit.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Clients == "" {
				return cmdutil.FlagErrorf("--clients FILE is required: the JSON list of clients and their token hashes (see docs/relay.md)")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	shared.AddServeFlags(cmd, &opts.Serve, "127.0.0.1:0", "plain HTTP would carry client tokens in clear; not needed with --tls-cert")
	fl.StringVar(&opts.Clients, "clients", "", "JSON `FILE` of clients: name, token_sha256, paths, ...")
	fl.StringVar(&opts.TLSCert, "tls-cert", "", "serve HTTPS with the certificate in `FILE` (PEM)")
	fl.StringVar(&opts.TLSKey, "tls-key", "", "the private key of --tls-cert, in `FILE` (PEM)")
	fl.StringVar(&opts.AuditLog, "audit-log", "", "append the audit log to `FILE` instead of stderr")
	fl.Int64Var(&opts.MaxBody, "max-body", wwrelay.DefaultMaxBody, "largest upload body in `BYTES` (media/upload and the other multipart uploads; other bodies: 2 MiB)")
	fl.Int64Var(&opts.MaxInFlight, "max-in-flight", serve.DefaultBudget, "`BYTES` of request bodies held at once by all requests; beyond, HTTP 503")
	shared.AddCredFlags(cmd, &opts.Creds, "the relayed app's AgentId")
	return cmd
}

// upstream resolves the relay's credentials (never relay mode itself) and
// checks them with one token fetch, so a wrong secret fails at start.
func upstream(f *cmdutil.Factory) func(ctx context.Context, in cmdutil.CredInput) (wwrelay.Upstream, wwrelay.Identity, error) {
	return func(ctx context.Context, in cmdutil.CredInput) (wwrelay.Upstream, wwrelay.Identity, error) {
		if f.RelayMode() {
			return nil, wwrelay.Identity{}, cmdutil.FlagErrorf("WWCLI_RELAY is set: a relay does not call through another relay; unset WWCLI_RELAY on the relay host")
		}
		creds, err := f.ResolveCredentials(ctx, "relay", in)
		if err != nil {
			return nil, wwrelay.Identity{}, err
		}
		s, err := f.SessionFor(creds, false)
		if err != nil {
			return nil, wwrelay.Identity{}, err
		}
		if _, err := s.Token(ctx, false); err != nil {
			return nil, wwrelay.Identity{}, err
		}
		u, err := f.RelayUpstream(creds, false)
		if err != nil {
			return nil, wwrelay.Identity{}, err
		}
		return u, wwrelay.Identity{CorpID: creds.CorpID, AgentID: creds.AgentID}, nil
	}
}

// softMemoryLimit lets the garbage collector work harder as the heap nears
// the body budget plus room for connections, so that memory finished
// bodies gave back is reused instead of the heap growing to twice what is
// live (40 × 20 MB bodies: 157 MB peak without a limit, 117 MB with it;
// see bench/relay-load/stress). GOMEMLIMIT, when set, is the user's
// choice and wins.
func softMemoryLimit(budget int64) {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return
	}
	debug.SetMemoryLimit(memoryLimitFor(budget))
}

// memoryLimitFor is the soft limit for a body budget: the budget plus
// 32 MiB for everything else (1,000 connections at once peak near 80 MB of
// resident memory in all). The limit is soft: above it the collector runs
// more often; nothing fails.
func memoryLimitFor(budget int64) int64 { return budget + 32<<20 }

func run(ctx context.Context, o *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	tlsConfig, err := wwrelay.LoadTLS(o.TLSCert, o.TLSKey)
	if err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	cfg := serve.Config{
		Addr:       o.Serve.Addr,
		Public:     tlsConfig != nil || o.Serve.InsecureListen,
		Why:        "plain HTTP would carry client tokens in clear",
		OptOut:     "--insecure-listen",
		AllowHosts: o.Serve.AllowHosts,
		// every request needs a client token, so --allow-host * may turn
		// the Host check off (behind a proxy that rewrites Host)
		Authenticated: true,
		TLS:           tlsConfig,

		ReadTimeout:     readTimeout,
		IdleTimeout:     readTimeout,
		ShutdownTimeout: shutdownTimeout,
	}
	if _, err := serve.Check(cfg); err != nil {
		return listenError(err)
	}
	if o.MaxBody <= 0 {
		return cmdutil.FlagErrorf("--max-body must be positive, e.g. --max-body %d", wwrelay.DefaultMaxBody)
	}
	if o.MaxInFlight < o.MaxBody {
		return cmdutil.FlagErrorf("--max-in-flight %d is below --max-body %d, so no upload would fit: raise --max-in-flight or lower --max-body", o.MaxInFlight, o.MaxBody)
	}
	clients, err := loadClients(o.Clients)
	if err != nil {
		return err
	}
	// stderr and the audit log are written through queues, so a reader who
	// stops reading never holds up an answer (docs/relay.md, threat model).
	stderr, audit, closeLogs, err := openLogs(o)
	if err != nil {
		return err
	}
	defer closeLogs()
	up, id, err := o.Upstream(ctx, o.Creds)
	if err != nil {
		return err
	}
	o.MemoryLimit(o.MaxInFlight)
	srv := wwrelay.New(wwrelay.Options{Clients: clients, Upstream: up, Identity: id, MaxBody: o.MaxBody,
		Budget: serve.NewBudget(o.MaxInFlight), Audit: audit})
	cfg.Handler = srv.Handler()
	cfg.HostRefused = srv.HostRefused
	cfg.ErrorLog = prefixed{stderr, "relay: "}
	sig, stopSignals := o.Signals()
	defer stopSignals()
	server, err := serve.Listen(cfg)
	if err != nil {
		return listenError(err)
	}
	if _, err := fmt.Fprintln(o.IO.Out, server.URL()); err != nil {
		_ = server.Shutdown()
		return err
	}
	if o.Serve.InsecureListen && tlsConfig == nil {
		stderr.Push(fmt.Sprintf("warning: --insecure-listen: plain HTTP on %s; client tokens travel in clear", o.Serve.Addr))
	}
	stderr.Push(fmt.Sprintf("relay on %s for corp %s (%d clients: %s); Ctrl-C to stop",
		server.URL(), id.CorpID, len(clients.Names()), strings.Join(clients.Names(), ", ")))
	// A reload runs off the signal loop: a clients file that hangs (a
	// FIFO, a dead network file system) can never keep SIGTERM out.
	reload := func() {
		next, err := loadClients(o.Clients)
		if err != nil {
			stderr.Push(fmt.Sprintf("relay: reload failed, keeping the clients in use: %v", err))
			return
		}
		srv.Reload(next)
		stderr.Push(fmt.Sprintf("relay: reloaded %s: %d clients: %s", o.Clients, len(next.Names()), strings.Join(next.Names(), ", ")))
	}
	stopped, err := server.Wait(ctx, sig, reload)
	switch {
	case stopped == serve.ByFailure:
		return cmdutil.WithCode(cmdutil.ExitFailure, fmt.Errorf("the relay stopped serving: %w", err))
	case err != nil:
		return cmdutil.WithCode(cmdutil.ExitFailure, fmt.Errorf("stopping the relay: %w", err))
	case stopped == serve.ByContext:
		return ctx.Err()
	}
	stderr.Push("relay stopped")
	return nil
}

// listenError gives a refused or failed listen its exit code, naming TLS
// as the other way to a public address.
func listenError(err error) error {
	var notLoopback *serve.NotLoopbackError
	if errors.As(err, &notLoopback) {
		err = fmt.Errorf("%w\n  or serve HTTPS with --tls-cert FILE --tls-key FILE (or listen on 127.0.0.1 behind a TLS proxy)", err)
	}
	return shared.ServeError(err)
}

func loadClients(path string) (*wwrelay.Clients, error) {
	clients, err := wwrelay.LoadClients(path)
	if err != nil {
		return nil, cmdutil.Errorf(cmdutil.ExitUsage, "--clients %s: %v", path, err)
	}
	return clients, nil
}

// openLogs starts the queue for stderr and the audit log's: stderr itself
// (one queue, so lines stay in order) or --audit-log, whose drops are
// reported on stderr to keep the file JSON lines only. closeLogs lets the
// queued lines out, waiting a bounded time for a reader.
func openLogs(o *Options) (stderr, audit *serve.LineQueue, closeLogs func(), err error) {
	if o.AuditLog == "" {
		stderr = serve.NewLineQueue(o.IO.ErrOut, serve.QueueOptions{Name: "stderr (the audit log)"})
		return stderr, stderr, func() { stderr.Close(flushWait) }, nil
	}
	file, err := wwrelay.OpenAuditLog(o.AuditLog)
	if err != nil {
		return nil, nil, nil, cmdutil.Errorf(cmdutil.ExitUsage, "--audit-log %s: %v", o.AuditLog, err)
	}
	stderr = serve.NewLineQueue(o.IO.ErrOut, serve.QueueOptions{Name: "stderr"})
	drops := &dropReport{stderr: stderr, path: o.AuditLog, now: time.Now}
	audit = serve.NewLineQueue(file, serve.QueueOptions{Name: "the audit log", Notice: drops.notice})
	return stderr, audit, func() {
		audit.Close(flushWait)
		drops.flush()
		_ = file.Close()
		stderr.Close(flushWait)
	}, nil
}

// dropReport tells stderr of the audit lines the --audit-log file did not
// take in time (a hung network file system). The queue's Notice comes at
// every line dropped while the file is stuck, so this speaks at most once
// a minute, and once more at exit: a stuck file must not flood stderr.
// Its methods are called one at a time (under the queue's lock, then at
// exit).
type dropReport struct {
	stderr     *serve.LineQueue
	path       string
	now        func() time.Time
	unreported int
	last       time.Time
}

func (d *dropReport) notice(n int) {
	d.unreported += n
	if t := d.now(); d.last.IsZero() || t.Sub(d.last) >= time.Minute {
		d.flush()
		d.last = t
	}
}

func (d *dropReport) flush() {
	if d.unreported > 0 {
		d.stderr.Push(fmt.Sprintf("warning: %d audit line(s) dropped because %s was not written in time", d.unreported, d.path))
		d.unreported = 0
	}
}

// prefixed writes net/http's own complaints (TLS handshakes) to the
// stderr queue, marked as the relay's.
type prefixed struct {
	q      *serve.LineQueue
	prefix string
}

func (p prefixed) Write(b []byte) (int, error) {
	p.q.Push(p.prefix + strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
