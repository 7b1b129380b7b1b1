// Package relay is `wwcli relay`: serve the authenticated trusted-IP relay
// to the WeCom API (pkg/relay) until stopped.
package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	wwrelay "github.com/wwcli/wwcli/pkg/relay"
)

// Options of `wwcli relay`: only what run needs.
type Options struct {
	IO *iostreams.IOStreams
	// Terminated delivers SIGTERM (tests send their own); stop releases it.
	Terminated func() (sig <-chan os.Signal, stop func())
	// Hangup delivers SIGHUP: reload the clients file.
	Hangup func() (sig <-chan os.Signal, stop func())
	// Upstream resolves the relay's own credentials and reaches WeCom.
	Upstream func(ctx context.Context, in cmdutil.CredInput) (wwrelay.Upstream, wwrelay.Identity, error)

	Addr           string
	Clients        string
	TLSCert        string
	TLSKey         string
	InsecureListen bool
	AuditLog       string
	MaxBody        int64
	Creds          cmdutil.CredInput
}

// NewCmd builds `wwcli relay`. runF replaces the run function in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Terminated: notifyTerm, Hangup: notifyHup, Upstream: upstream(f)}
	cmd := &cobra.Command{
		Use:   "relay --clients FILE [--addr ADDR] [--tls-cert F --tls-key F]",
		Short: "Serve an authenticated relay to the WeCom API for CI runners",
		Long: `Serve a reverse proxy to the WeCom API on a host whose IP is in the app's
企业可信IP list, so that CI runners (whose IPs change) call WeCom through it
without holding the app secret (WeCom answers 60020 to untrusted IPs).

Clients send 'Authorization: Bearer TOKEN'; the relay checks the token
against the SHA-256 hashes in the clients FILE, the client's path
allow-list, read-only flag and rate, strips any access_token, adds its own
(cached, refetched on 40014/42001) and passes WeCom's answer through.
gettoken and the other token endpoints are never relayed. jsapi_tickets are
served from the relay's cache. An audit log (JSON lines: client, method,
path, status, errcode, latency; never tokens, query values or bodies) goes
to stderr or --audit-log.

The relay's own credentials come from the usual sources (profile, env
WWCLI_CORP_ID/WWCLI_SECRET, --secret-file, --sandbox). Plain HTTP listens
only on loopback unless --insecure-listen. The first stdout line is the
base URL. Stop with Ctrl-C (exit 130) or SIGTERM (exit 0).

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
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:0", "address to listen on (port 0 picks a free port)")
	fl.StringVar(&opts.Clients, "clients", "", "JSON `FILE` of clients: name, token_sha256, paths, ...")
	fl.StringVar(&opts.TLSCert, "tls-cert", "", "serve HTTPS with the certificate in `FILE` (PEM)")
	fl.StringVar(&opts.TLSKey, "tls-key", "", "the private key of --tls-cert, in `FILE` (PEM)")
	fl.BoolVar(&opts.InsecureListen, "insecure-listen", false, "allow plain HTTP on a non-loopback address")
	fl.StringVar(&opts.AuditLog, "audit-log", "", "append the audit log to `FILE` instead of stderr")
	fl.Int64Var(&opts.MaxBody, "max-body", wwrelay.DefaultMaxBody, "largest request body in `BYTES`")
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

// notifyTerm delivers the process's SIGTERM (systemd stop, docker stop).
func notifyTerm() (<-chan os.Signal, func()) { return notify(syscall.SIGTERM) }

// notifyHup delivers SIGHUP (systemctl reload, kill -HUP).
func notifyHup() (<-chan os.Signal, func()) { return notify(syscall.SIGHUP) }

func notify(sig os.Signal) (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sig)
	return ch, func() { signal.Stop(ch) }
}

func run(ctx context.Context, o *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	tlsConfig, err := wwrelay.LoadTLS(o.TLSCert, o.TLSKey)
	if err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	if err := wwrelay.CheckListen(o.Addr, tlsConfig != nil, o.InsecureListen); err != nil {
		if errors.Is(err, wwrelay.ErrPlainHTTPNotLoopback) {
			return cmdutil.FlagErrorf("--addr %s: %v.\n  serve HTTPS with --tls-cert/--tls-key, listen on 127.0.0.1 behind a TLS proxy, or pass --insecure-listen", o.Addr, err)
		}
		return cmdutil.FlagErrorf("%v", err)
	}
	if o.MaxBody <= 0 {
		return cmdutil.FlagErrorf("--max-body must be positive, e.g. --max-body %d", wwrelay.DefaultMaxBody)
	}
	clients, err := loadClients(o.Clients)
	if err != nil {
		return err
	}
	audit, closeAudit, err := openAudit(o)
	if err != nil {
		return err
	}
	defer closeAudit()
	up, id, err := o.Upstream(ctx, o.Creds)
	if err != nil {
		return err
	}
	srv := wwrelay.New(wwrelay.Options{Clients: clients, Upstream: up, Identity: id, MaxBody: o.MaxBody, Audit: audit,
		ErrorLog: o.IO.ErrOut})
	term, stopTerm := o.Terminated()
	defer stopTerm()
	hup, stopHup := o.Hangup()
	defer stopHup()
	base, err := srv.Start(o.Addr, tlsConfig)
	if err != nil {
		return listenError(o.Addr, err)
	}
	if _, err := fmt.Fprintln(o.IO.Out, base); err != nil {
		_ = srv.Close()
		return err
	}
	if o.InsecureListen && tlsConfig == nil {
		fmt.Fprintf(o.IO.ErrOut, "warning: --insecure-listen: plain HTTP on %s; client tokens travel in clear\n", o.Addr)
	}
	fmt.Fprintf(o.IO.ErrOut, "relay on %s for corp %s (%d clients: %s); Ctrl-C to stop\n",
		base, id.CorpID, len(clients.Names()), strings.Join(clients.Names(), ", "))
	serving := true
	for serving {
		select {
		case <-ctx.Done():
			serving = false
		case <-term:
			serving = false
		case <-hup:
			reload(o, srv)
		}
	}
	if err := srv.Close(); err != nil {
		return cmdutil.WithCode(cmdutil.ExitFailure, fmt.Errorf("stopping the relay: %w", err))
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	fmt.Fprintln(o.IO.ErrOut, "relay stopped")
	return nil
}

// reload reads the clients file again (SIGHUP); a file that does not
// parse leaves the clients in use, so a typo never locks everyone out.
func reload(o *Options, srv *wwrelay.Server) {
	clients, err := loadClients(o.Clients)
	if err != nil {
		fmt.Fprintf(o.IO.ErrOut, "relay: reload failed, keeping the clients in use: %v\n", err)
		return
	}
	srv.Reload(clients)
	fmt.Fprintf(o.IO.ErrOut, "relay: reloaded %s: %d clients: %s\n", o.Clients, len(clients.Names()), strings.Join(clients.Names(), ", "))
}

func loadClients(path string) (*wwrelay.Clients, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, cmdutil.Errorf(cmdutil.ExitUsage, "--clients: %v", err)
	}
	defer file.Close()
	clients, err := wwrelay.ParseClients(file)
	if err != nil {
		return nil, cmdutil.Errorf(cmdutil.ExitUsage, "--clients %s: %v", path, err)
	}
	return clients, nil
}

// openAudit is --audit-log (appended, 0600) or stderr.
func openAudit(o *Options) (io.Writer, func(), error) {
	if o.AuditLog == "" {
		return o.IO.ErrOut, func() {}, nil
	}
	file, err := os.OpenFile(o.AuditLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, cmdutil.Errorf(cmdutil.ExitFailure, "--audit-log: %v", err)
	}
	return file, func() { _ = file.Close() }, nil
}

// listenError names the fix for the usual reasons a listen fails.
func listenError(addr string, err error) error {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return cmdutil.Errorf(cmdutil.ExitFailure, "%s is already in use: stop what listens there, or pick another --addr", addr)
	case errors.Is(err, fs.ErrPermission):
		return cmdutil.Errorf(cmdutil.ExitFailure, "no permission to listen on %s (ports below 1024 need privileges)", addr)
	}
	return cmdutil.WithCode(cmdutil.ExitFailure, err)
}
