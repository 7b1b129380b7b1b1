// Package sandbox is `wwcli sandbox`: serve the local WeCom-compatible API
// until interrupted.
package sandbox

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	wwsandbox "github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/ui"
)

// Options of `wwcli sandbox`.
type Options struct {
	f          *cmdutil.Factory
	Addr       string
	Fixtures   string
	TokenTTL   time.Duration
	TrustedIPs []string
}

// NewCmd builds `wwcli sandbox`. runF replaces the run function in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local WeCom-compatible API server",
		Long: fmt.Sprintf(`Serve a local server that answers like qyapi.weixin.qq.com: the same paths,
parameters, JSON shapes, errcodes and errmsg format. Use it to develop and test
login and JS-SDK flows offline. The first line on stdout is the base URL; the
request log (secrets redacted) goes to stderr. Stop it with Ctrl-C.

Demo corp %s (--fixtures FILE replaces it):
  app 1, agent %d         %s
  app 2, agent %d         %s
  mini program, agent %d  %s
  contact sync                 %s
  group robot ci-alerts, key   %s
  members: zhangsan 张三, lisi 李四, wangwu 王五, zhaoliu 赵六,
           chenxiaoming 陈小明, alice

Control API (JSON) under /_sandbox/: issue OAuth / mini-program codes
(POST /_sandbox/code), inject faults (/_sandbox/faults), move the clock
(/_sandbox/clock), read counters, the request log and sent messages, reset.
See docs/sandbox.md.

'wwcli --sandbox <command>' runs any command against an in-process sandbox
with the demo corp instead.`,
			wwsandbox.DemoCorpID, wwsandbox.DemoAgentID, wwsandbox.DemoAppSecret,
			wwsandbox.DemoApp2AgentID, wwsandbox.DemoApp2Secret,
			wwsandbox.DemoMiniProgramAgentID, wwsandbox.DemoMiniProgramSecret, wwsandbox.DemoContactSecret, wwsandbox.DemoRobotKey),
		Example: `  wwcli sandbox
  wwcli sandbox --addr 127.0.0.1:8399 --token-ttl 2m
  wwcli sandbox --fixtures corp.json --trusted-ip 10.0.0.5
  curl -s -X POST "$URL/_sandbox/code" -d '{"userid":"zhangsan"}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:0", "address to listen on (port 0 picks a free port)")
	fl.StringVar(&opts.Fixtures, "fixtures", "", "JSON file with your own corps, apps, departments and members")
	fl.DurationVar(&opts.TokenTTL, "token-ttl", 7200*time.Second, "lifetime of access tokens (expired tokens answer 42001)")
	fl.StringArrayVar(&opts.TrustedIPs, "trusted-ip", nil, "only these caller IPs/CIDRs may call APIs, others get 60020 (repeatable)")
	return cmd
}

func (o *Options) validate() (*wwsandbox.Fixtures, error) {
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return nil, cmdutil.FlagErrorf("--addr %q: use host:port, e.g. 127.0.0.1:0 or 127.0.0.1:8399", o.Addr)
	}
	if host == "" {
		return nil, cmdutil.FlagErrorf("--addr %q: name the host, e.g. 127.0.0.1:%s (an empty host listens on every interface; say 0.0.0.0 if you mean it)", o.Addr, strings.TrimPrefix(o.Addr, ":"))
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

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func run(ctx context.Context, o *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	fx, err := o.validate()
	if err != nil {
		return err
	}
	streams := o.f.IO
	theme := ui.New(streams.ErrOut, streams.ColorErr())
	host, _, _ := net.SplitHostPort(o.Addr)
	if !isLoopback(host) {
		fmt.Fprintf(streams.ErrOut, "%s listening on %s: the sandbox is reachable from other machines; use 127.0.0.1 to keep it local\n",
			theme.WarnIcon(), host)
	}
	srv := wwsandbox.New(wwsandbox.Options{
		Fixtures:   fx,
		TokenTTL:   o.TokenTTL,
		TrustedIPs: o.TrustedIPs,
		Log:        streams.ErrOut, // the sandbox writes one whole line at a time
	})
	base, err := srv.Start(o.Addr)
	if err != nil {
		return cmdutil.WithCode(cmdutil.ExitFailure, err)
	}
	if _, err := fmt.Fprintln(streams.Out, base); err != nil {
		_ = srv.Close()
		return err
	}
	corp := wwsandbox.DemoCorpID
	if fx != nil {
		corp = fx.Corps[0].CorpID
	}
	fmt.Fprintf(streams.ErrOut, "%s WeCom sandbox on %s (corp %s); control API at %s/_sandbox/; Ctrl-C to stop\n",
		theme.SuccessIcon(), base, corp, base)
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		return cmdutil.WithCode(cmdutil.ExitFailure, fmt.Errorf("stopping the sandbox: %w", err))
	}
	fmt.Fprintln(streams.ErrOut, "sandbox stopped")
	return ctx.Err()
}
