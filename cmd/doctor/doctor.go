// Package doctor is `wwcli doctor`: the cobra wiring of pkg/doctor, which
// checks a WeCom setup end to end and says how to fix each problem found.
package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/doctor"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/rediscache"
	"github.com/wwcli/wwcli/pkg/ui"
)

// Options of `wwcli doctor`: only what run needs.
type Options struct {
	IO *iostreams.IOStreams
	// Env gives the checks their dependencies for the credentials the
	// command was given.
	Env func(in cmdutil.CredInput) doctor.Env

	Creds    cmdutil.CredInput
	Domain   string
	Exporter cmdutil.Exporter
	// Egress runs only the egress check: the IP WeCom sees and whether
	// WeCom accepts calls from it.
	Egress bool
}

// NewCmd builds `wwcli doctor`.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Env: func(in cmdutil.CredInput) doctor.Env { return envFrom(f, in) }}
	cmd := &cobra.Command{
		Use:   "doctor [CORPID SECRET]",
		Short: "Check config, keyring, credentials, network and the WeCom app",
		Long: `Run a checklist over everything wwcli needs and print pass, warn or fail for
each check with the fix: the config file and profile, which credentials are
used, the OS keyring (only a problem when the secret is kept there), the API
host (DNS, connect and TLS timings, through the same proxy settings as every
call), gettoken, the corp and app jsapi_tickets, the app itself (agent/get:
name, trusted redirect domain, visible range, enabled), the trusted-IP list
(60020, with the egress IP to add), and the trusted domain given with
--domain (public DNS, https; the app's redirect_domain is named, not looked
up). gettoken is tried even when the API host check failed. With
WWCLI_CACHE_URL it also checks that the Redis token cache answers (a warning
when not: commands then use the file cache).

The checklist goes to stderr; --json prints {"ok","checks":[{"name","status",
"detail","notes","fix","more"}]} on stdout, status being pass, warn, fail,
info or skip. Doctor fetches a fresh token (the cache is not used) so that a
rotated secret shows up. Secrets are never printed. --timeout bounds each
network check.

Exit status: 0 when no check failed (warnings allowed), 1 when one did. Doctor
never exits 4: missing credentials are a failed check like any other.

--egress runs only two checks: the IP WeCom sees from this machine (the
"from ip" of WeCom's answer to a call without a token; no credentials needed)
and, with credentials, whether WeCom accepts calls from it (the same call
with a token: answered, or 60020 with the IP to add to 企业可信IP). The IP
goes to stdout; --json prints {"ok","ip","accepted","checks"}, accepted being
yes, no or unknown. Exit 1 when WeCom refuses the IP or cannot be reached.`,
		Example: `  wwcli doctor
  wwcli doctor --agent-id 1000002 --domain app.example.com
  WWCLI_CORP_ID=ww... WWCLI_SECRET=... wwcli doctor --json
  wwcli --sandbox doctor --jq '.checks[] | select(.status == "fail")'
  wwcli --sandbox doctor --egress
  wwcli --sandbox doctor --egress --jq .accepted`,
		Args: shared.CredArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Creds.Args = args
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if opts.Egress && opts.Domain != "" {
				return cmdutil.FlagErrorf("--egress checks only the IP WeCom sees; run --domain on its own: wwcli doctor --domain %s", opts.Domain)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	shared.AddCredFlags(cmd, &opts.Creds, "app agent id (AgentId), checked with agent/get")
	cmd.Flags().StringVar(&opts.Domain, "domain", "", "also check this trusted domain (default: the app's redirect_domain)")
	cmd.Flags().BoolVar(&opts.Egress, "egress", false, "only show the IP WeCom sees and whether WeCom accepts it")
	shared.AddJSONFlags(cmd, &opts.Exporter, "{ok, checks}")
	return cmd
}

// envFrom wires the checks to the factory: the same credential precedence,
// base URL and HTTP client as every other command.
func envFrom(f *cmdutil.Factory, in cmdutil.CredInput) doctor.Env {
	return doctor.Env{
		Sandbox:      f.Global.Sandbox,
		ProfileName:  f.ProfileName(),
		ProfileGiven: f.Global.Profile != "",
		ConfigDir:    f.ConfigDir,
		Config:       f.Config,
		Keyring:      f.KeyringStore(),
		KeyringOff:   f.Getenv("WWCLI_KEYRING") == "off",
		Credentials: func(ctx context.Context) (credentials.Credentials, error) {
			return f.ResolveCredentials(ctx, "doctor", in)
		},
		BaseURL: f.APIBaseURL,
		Session: func(c credentials.Credentials) (doctor.Session, error) {
			return f.SessionFor(c, true) // fresh tokens: a rotated secret must show up
		},
		HTTPClient:  f.HTTPClient(),
		Timeout:     f.Global.Timeout,
		SharedCache: sharedCache(f),
		Relay:       relayURL(f),
	}
}

// relayURL is WWCLI_RELAY in relay client mode, else "".
func relayURL(f *cmdutil.Factory) string {
	if !f.RelayMode() {
		return ""
	}
	return f.Getenv("WWCLI_RELAY")
}

// sharedCache is the Redis token cache when WWCLI_CACHE_URL names one
// (never with --sandbox, which uses no cache); a URL that cannot be used
// becomes a cache whose check fails with the parse error.
func sharedCache(f *cmdutil.Factory) doctor.SharedCache {
	if f.Global.Sandbox || f.Getenv(cmdutil.CacheURLEnv) == "" {
		return nil
	}
	c, err := f.TokenCache()
	if err != nil {
		return unusableCache{err: err}
	}
	if rc, ok := c.(*rediscache.Cache); ok {
		return rc
	}
	return nil
}

type unusableCache struct{ err error }

func (u unusableCache) Where() string                  { return cmdutil.CacheURLEnv }
func (u unusableCache) Ping(ctx context.Context) error { return u.err }

func run(ctx context.Context, opts *Options) error {
	ios := opts.IO
	theme := ui.New(ios.ErrOut, ios.ColorErr())
	tty := ios.IsStderrTTY()
	env := opts.Env(opts.Creds)
	env.Domain = opts.Domain
	progress := ""
	env.Start = func(name string) {
		if tty {
			progress = "… " + name
			fmt.Fprint(ios.ErrOut, theme.Muted(progress)+"\r")
		}
	}
	env.Done = func(c doctor.Check) {
		if progress != "" {
			// Blank out the progress line before the result replaces it.
			fmt.Fprint(ios.ErrOut, strings.Repeat(" ", len(progress))+"\r")
			progress = ""
		}
		theme.WriteCheck(ios.ErrOut, c.Line())
	}
	if opts.Egress {
		return runEgress(ctx, opts, env)
	}
	rep := doctor.Run(ctx, env)
	if ctx.Err() != nil {
		return ctx.Err() // Ctrl-C: root prints "interrupted", exit 130
	}
	if opts.Exporter.Enabled() {
		if err := opts.Exporter.Write(ctx, ios, rep); err != nil {
			return err
		}
	}
	if !rep.OK {
		return cmdutil.Silent(cmdutil.ExitFailure)
	}
	return nil
}

// runEgress prints the egress IP on stdout (or the report with --json);
// the checks went to stderr as they completed.
func runEgress(ctx context.Context, opts *Options, env doctor.Env) error {
	rep := doctor.RunEgress(ctx, env)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	switch {
	case opts.Exporter.Enabled():
		if err := opts.Exporter.Write(ctx, opts.IO, rep); err != nil {
			return err
		}
	case rep.IP != "":
		fmt.Fprintln(opts.IO.Out, rep.IP)
	}
	if !rep.OK {
		return cmdutil.Silent(cmdutil.ExitFailure)
	}
	return nil
}
