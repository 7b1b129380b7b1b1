// Package sandbox is `wwcli sandbox`: serve the local WeCom-compatible API
// until interrupted, and `wwcli sandbox code`: issue a login code.
package sandbox

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	wwsandbox "github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/ui"
)

// Options of `wwcli sandbox`: only what run needs.
type Options struct {
	IO *iostreams.IOStreams
	// Signals delivers SIGTERM (tests send their own); stop releases it.
	Signals func() (sig serve.Signals, stop func())

	SuiteCallbacks []string // --suite-callback values, "URL" or "SUITE_ID=URL"

	shared.ServeFlags // --addr, --insecure-listen, --allow-host
	Fixtures          string
	TokenTTL          time.Duration
	TrustedIPs        []string
	Replay            string // --replay DIR
	State             string // --state FILE: keep tokens, codes, messages, contacts... across restarts
}

// NewCmd builds `wwcli sandbox`. runF replaces the run function in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Signals: func() (serve.Signals, func()) { return serve.Notify(false) }}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local WeCom-compatible API server",
		Long: fmt.Sprintf(`Serve a local server that answers like qyapi.weixin.qq.com: the same paths,
parameters, JSON shapes, errcodes and errmsg format. Use it to develop and test
login and JS-SDK flows offline. The first line on stdout is the base URL; the
request log (secrets redacted) goes to stderr. Stop it with Ctrl-C (exit 130)
or SIGTERM (exit 0).

Demo corp %s (--fixtures FILE replaces it):
  app 1, agent %d         %s
  app 2, agent %d         %s
  mini program, agent %d  %s
  contact sync                 %s
  customer contact (客户联系)  %s
  group robot ci-alerts, key   %s
  members: zhangsan 张三, lisi 李四, wangwu 王五, zhaoliu 赵六,
           chenxiaoming 陈小明, alice

Login codes: 'wwcli sandbox code USERID' issues one, from this server when
--base-url / WWCLI_BASE_URL points at it, else for 'wwcli --sandbox'.

Control API (JSON) under /_sandbox/: issue OAuth / mini-program codes
(POST /_sandbox/code), inject faults (/_sandbox/faults), move the clock
(/_sandbox/clock), rotate tokens (/_sandbox/rotate), read counters, the
request log and sent messages, reset. See docs/sandbox.md.

It listens on loopback: a non-loopback --addr needs --insecure-listen (the
control API has no login, and the demo secrets are public). Requests for a
Host name other than loopback names and IP addresses are refused (a guard
against DNS rebinding): --allow-host NAME adds one, e.g. a docker service
name. Control calls that change something are refused when a web page of
another site sent them (CSRF); curl, scripts and the console pass.

A repeated gettoken returns the live token, as WeCom documented it. With
--state FILE, tokens, tickets, codes, messages, contacts and the clock
survive a restart, so clients that keep tokens on disk keep working.

Third-party apps: a provider, a suite and a 代开发 template that the demo corp
can install ('wwcli sandbox suite --help' lists them). With --suite-callback
the sandbox pushes an encrypted suite_ticket there every 10 sandbox minutes,
and auth events as they happen (receive id = suite id).

'wwcli --sandbox <command>' runs any command against an in-process sandbox
with the demo corp instead.`,
			wwsandbox.DemoCorpID, wwsandbox.DemoAgentID, wwsandbox.DemoAppSecret,
			wwsandbox.DemoApp2AgentID, wwsandbox.DemoApp2Secret,
			wwsandbox.DemoMiniProgramAgentID, wwsandbox.DemoMiniProgramSecret, wwsandbox.DemoContactSecret,
			wwsandbox.DemoExternalContactSecret, wwsandbox.DemoRobotKey),
		Example: `  wwcli sandbox
  wwcli sandbox --addr 127.0.0.1:8399 --token-ttl 2m
  wwcli sandbox --trusted-ip 10.0.0.5
  wwcli sandbox --state sandbox-state.json
  wwcli sandbox --insecure-listen --addr 0.0.0.0:8399 --allow-host sandbox
  code=$(wwcli sandbox code zhangsan) && wwcli --sandbox userinfo "$code"
  wwcli sandbox --suite-callback http://127.0.0.1:8080/suite`,
		Args:                       noSubcommand,
		SuggestionsMinimumDistance: 2,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.SuiteCallbacks, "suite-callback", nil, "push suite_ticket and auth events to this URL ([SUITE_ID=]URL)")
	shared.AddServeFlags(cmd, &opts.ServeFlags, "127.0.0.1:0", wwsandbox.PublicRisk)
	fl.StringVar(&opts.Fixtures, "fixtures", "", "JSON file with your own corps, apps, departments and members")
	fl.DurationVar(&opts.TokenTTL, "token-ttl", 7200*time.Second, "lifetime of access tokens (expired tokens answer 42001)")
	fl.StringArrayVar(&opts.TrustedIPs, "trusted-ip", nil, "only these caller IPs/CIDRs may call APIs, others get 60020 (repeatable)")
	fl.StringVar(&opts.Replay, "replay", "", "answer endpoints it does not simulate from 'wwcli api --record' files in `DIR`")
	fl.StringVar(&opts.State, "state", "", "keep tokens, codes, messages and contacts in FILE across restarts")
	cmd.AddCommand(NewCodeCmd(f, nil))
	cmd.AddCommand(NewSuiteCmd(f, nil))
	return cmd
}

// noSubcommand: `wwcli sandbox` serves and takes no arguments, so an
// argument is a mistyped subcommand.
func noSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "\n\nDid you mean " + strings.Join(s, " or ") + "?"
	}
	return cmdutil.FlagErrorf("%s", msg)
}

func (o *Options) listen() wwsandbox.ListenOptions {
	return wwsandbox.ListenOptions{Addr: o.Addr, Public: o.InsecureListen, AllowHosts: o.AllowHosts}
}

func (o *Options) validate() (*wwsandbox.Fixtures, error) {
	if err := o.listen().Check(); err != nil {
		return nil, shared.ServeError(err)
	}
	if o.TokenTTL <= 0 {
		return nil, cmdutil.FlagErrorf("--token-ttl must be positive, e.g. --token-ttl 2h")
	}
	for _, ip := range o.TrustedIPs {
		if net.ParseIP(ip) == nil {
			if _, _, err := net.ParseCIDR(ip); err != nil {
				return nil, cmdutil.FlagErrorf("--trusted-ip %q: give an IP address or CIDR, e.g. 127.0.0.1 or 10.0.0.0/8", ip)
			}
		}
	}
	for _, arg := range o.SuiteCallbacks {
		if _, _, err := wwsandbox.ParseSuiteCallback(arg); err != nil {
			return nil, cmdutil.FlagErrorf("--suite-callback %v; e.g. --suite-callback http://127.0.0.1:8080/suite", err)
		}
	}
	if o.Fixtures == "" {
		return nil, nil
	}
	file, err := os.Open(o.Fixtures)
	if err != nil {
		return nil, cmdutil.Errorf(cmdutil.ExitUsage, "--fixtures: %v", err)
	}
	defer file.Close()
	fx, err := wwsandbox.LoadFixtures(file)
	if err != nil {
		return nil, cmdutil.Errorf(cmdutil.ExitUsage, "--fixtures %s: %v", o.Fixtures, err)
	}
	return fx, nil
}

func run(ctx context.Context, o *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	fx, err := o.validate()
	if err != nil {
		return err
	}
	replay, err := loadReplay(o.Replay)
	if err != nil {
		return err
	}
	streams := o.IO
	theme := ui.New(streams.ErrOut, streams.ColorErr())
	if w := wwsandbox.TokenTTLWarning(o.TokenTTL); w != "" {
		fmt.Fprintf(streams.ErrOut, "%s %s\n", theme.WarnIcon(), w)
	}
	srv, err := wwsandbox.Open(wwsandbox.Options{
		Fixtures:   fx,
		TokenTTL:   o.TokenTTL,
		TrustedIPs: o.TrustedIPs,
		Log:        streams.ErrOut, // through the sandbox's queue: an unread stderr never stalls an answer
		Replay:     replay,
		StatePath:  o.State,
	})
	if err != nil {
		return cmdutil.Errorf(cmdutil.ExitUsage, "--state: %v", err)
	}
	// SIGTERM (kill, docker stop) is a normal way to stop a server: it ends
	// cleanly with exit 0. Ctrl-C cancels ctx, and the root says "interrupted".
	sig, stopSignals := o.Signals()
	defer stopSignals()
	for id, u := range suiteCallbacks(o.SuiteCallbacks) {
		_ = srv.SetSuiteCallback(id, u) // validate checked them
	}
	ln, err := srv.Listen(o.listen())
	if err != nil {
		_ = srv.Close()
		return shared.ServeError(err)
	}
	base := ln.URL()
	if _, err := fmt.Fprintln(streams.Out, base); err != nil {
		_ = srv.Close()
		return err
	}
	// From here on stderr may be a pipe nobody reads: every line goes
	// through the sandbox's log queue.
	if host, _, _ := net.SplitHostPort(o.Addr); !serve.IsLoopback(host) {
		srv.LogLine(fmt.Sprintf("%s listening on %s (%s): %s", theme.WarnIcon(), host, wwsandbox.InsecureListenFlag, wwsandbox.PublicRisk))
	}
	corp := wwsandbox.DemoCorpID
	if fx != nil {
		corp = fx.Corps[0].CorpID
	}
	kept := ""
	if o.State != "" {
		kept = "; state kept in " + o.State
	}
	srv.LogLine(fmt.Sprintf("%s WeCom sandbox on %s (corp %s); control API at %s/_sandbox/%s; Ctrl-C to stop",
		theme.SuccessIcon(), base, corp, base, kept))
	reportReplay(srv.LogLine, o.Replay, replay, srv.Simulates)
	how, waitErr := ln.Wait(ctx, sig, nil)
	// save first: "sandbox stopped" is the last line only when all was kept
	err = srv.SaveState()
	if err == nil && how == serve.ByTerm {
		srv.LogLine("sandbox stopped")
	}
	if cerr := srv.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return cmdutil.WithCode(cmdutil.ExitFailure, fmt.Errorf("stopping the sandbox: %w", err))
	}
	switch how {
	case serve.ByContext:
		return ctx.Err()
	case serve.ByFailure:
		return cmdutil.WithCode(cmdutil.ExitFailure, fmt.Errorf("the sandbox stopped serving: %w", waitErr))
	}
	return nil
}

// suiteCallbacks maps the checked --suite-callback values by suite id
// (the last one for a suite wins).
func suiteCallbacks(args []string) map[string]string {
	if len(args) == 0 {
		return nil
	}
	m := map[string]string{}
	for _, arg := range args {
		if id, u, err := wwsandbox.ParseSuiteCallback(arg); err == nil {
			m[id] = u
		}
	}
	return m
}
