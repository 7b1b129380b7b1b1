// Package authurl is `wwcli authurl`: build the login URL of an app (in-app
// OAuth2, web login, legacy QR connect) and optionally show it as a QR code.
package authurl

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/oauth"
	"github.com/wwcli/wwcli/pkg/qrterm"
	"github.com/wwcli/wwcli/pkg/ui"
)

// Options of `wwcli authurl`.
type Options struct {
	f *cmdutil.Factory

	RedirectURI string
	Kind        string
	CorpID      string
	AgentID     string
	Scope       string
	State       string
	LoginType   string
	Lang        string
	QR          bool

	// DefaultCorpID and DefaultAgentID supply the active profile's values
	// when the flags are absent (filled in once profiles exist; "" = none).
	DefaultCorpID  func() string
	DefaultAgentID func() string
}

// profileField reads one field of the active profile ("" when there is none).
func profileField(f *cmdutil.Factory, get func(*config.Profile) string) string {
	cfg, err := f.Config()
	if err != nil {
		return ""
	}
	if p := cfg.Profiles[f.ProfileName()]; p != nil {
		return get(p)
	}
	return ""
}

// NewCmd builds `wwcli authurl`. runF replaces the run function in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		f:              f,
		DefaultCorpID:  func() string { return profileField(f, func(p *config.Profile) string { return p.CorpID }) },
		DefaultAgentID: func() string { return profileField(f, func(p *config.Profile) string { return p.AgentID }) },
	}
	cmd := &cobra.Command{
		Use:   "authurl --redirect-uri URL [flags]",
		Short: "Build an OAuth2 or web-login URL, optionally as a QR code",
		Long: `Build the URL that starts a WeCom login and print it alone on stdout.

Kinds:
  oauth      in-app OAuth2 (网页授权), opened inside the WeCom client:
             open.weixin.qq.com/connect/oauth2/authorize ... #wechat_redirect
  web        web login (扫码登录) outside the client:
             login.work.weixin.qq.com/wwlogin/sso/login
  qrconnect  the legacy QR login page:
             open.work.weixin.qq.com/wwopen/sso/qrConnect

Parameters come out in the order of the official templates; the redirect URI
is percent-encoded whole (uppercase hex such as %3A, where the docs show %3a:
both decode the same). After login WeCom sends the browser to
REDIRECT_URI?code=CODE&state=STATE; turn the code into a user with
'wwcli userinfo CODE' within 5 minutes (a code works once).

The corp id comes from --corp-id, else the profile, else WWCLI_CORP_ID; the
agent id from --agent-id, else the profile, else WWCLI_AGENT_ID.

Rules checked (exit 2): an absolute http(s) redirect URI; state made of
[A-Za-z0-9], at most 128 bytes; snsapi_privateinfo and web CorpApp logins need
an agent id. Warnings: an IP or a port in the redirect host (trusted domains
allow neither), a '#' in it, plain http.

--qr also draws the URL as a QR code to scan with the WeCom app: on stdout
after the URL when stdout is a terminal, else on stderr.`,
		Example: `  wwcli authurl --corp-id ww0123456789abcdef --agent-id 1000002 \
    --redirect-uri https://app.example.com/oauth/callback --state x1
  wwcli authurl --kind web --redirect-uri https://app.example.com/login --qr
  wwcli authurl --scope snsapi_privateinfo --agent-id 1000002 \
    --redirect-uri https://app.example.com/cb`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cmdutil.FlagErrorf("authurl takes no arguments; pass the callback as --redirect-uri %s", args[0])
			}
			return nil
		},
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.RedirectURI, "redirect-uri", "", "page WeCom sends the browser back to, with ?code=&state= (required)")
	fl.StringVar(&opts.Kind, "kind", string(oauth.KindOAuth), "oauth (in-app), web (web login) or qrconnect (legacy QR login)")
	fl.StringVar(&opts.CorpID, "corp-id", "", "the corp's CorpID, or the SuiteID for provider logins (default: profile, then WWCLI_CORP_ID)")
	fl.StringVar(&opts.AgentID, "agent-id", "", "the app's AgentId (default: profile, then WWCLI_AGENT_ID)")
	fl.StringVar(&opts.Scope, "scope", "", "oauth only: snsapi_base (default, silent) or snsapi_privateinfo (user consents)")
	fl.StringVar(&opts.State, "state", "", "value echoed back to the redirect URI, [A-Za-z0-9] up to 128 bytes (use it against CSRF)")
	fl.StringVar(&opts.LoginType, "login-type", "", "web only: CorpApp (default; self-built or custom app) or ServiceApp (provider login)")
	fl.StringVar(&opts.Lang, "lang", "", "web and qrconnect only: zh or en")
	fl.BoolVar(&opts.QR, "qr", false, "also draw the URL as a QR code (stdout when it is a terminal, else stderr)")

	complete := func(flag string, values ...string) {
		_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
	}
	complete("kind", "oauth", "web", "qrconnect")
	complete("scope", oauth.ScopeBase, oauth.ScopePrivateInfo)
	complete("login-type", oauth.LoginCorpApp, oauth.LoginServiceApp)
	complete("lang", "zh", "en")
	return cmd
}

func run(opts *Options) error {
	ios := opts.f.IO
	theme := ui.New(ios.ErrOut, ios.ColorErr())

	kind, err := oauth.ParseKind(opts.Kind)
	if err != nil {
		return asUsage(err)
	}
	if opts.CorpID == "" || opts.AgentID == "" {
		// A config file that cannot be read is reported, not taken for "no profile".
		var ce *config.Error
		if _, err := opts.f.Config(); errors.As(err, &ce) {
			return err
		}
	}
	corpID := firstNonEmpty(opts.CorpID, call(opts.DefaultCorpID), opts.f.Getenv("WWCLI_CORP_ID"))
	if corpID == "" {
		return cmdutil.FlagErrorf("no corp id: pass --corp-id ID (the CorpID from the admin console, 我的企业 → 企业信息), set WWCLI_CORP_ID, or save a profile with `wwcli auth login`")
	}
	agentID := firstNonEmpty(opts.AgentID, call(opts.DefaultAgentID), opts.f.Getenv("WWCLI_AGENT_ID"))

	url, warnings, err := oauth.Build(oauth.Params{
		Kind:        kind,
		CorpID:      corpID,
		AgentID:     agentID,
		RedirectURI: opts.RedirectURI,
		Scope:       opts.Scope,
		State:       opts.State,
		LoginType:   opts.LoginType,
		Lang:        opts.Lang,
	})
	if err != nil {
		return asUsage(err)
	}
	for _, w := range warnings {
		fmt.Fprintf(ios.ErrOut, "%s %s\n", theme.WarnIcon(), w.Msg)
	}
	if _, err := fmt.Fprintln(ios.Out, url); err != nil {
		return err
	}
	if opts.QR {
		return writeQR(opts, url, theme)
	}
	return nil
}

// writeQR draws url where a person can see it: stdout only when stdout is a
// terminal, so a pipe still receives the URL alone.
func writeQR(opts *Options, url string, theme *ui.Theme) error {
	ios := opts.f.IO
	var target io.Writer = ios.ErrOut
	color, tty := ios.ColorErr(), ios.IsStderrTTY()
	if ios.IsStdoutTTY() {
		target, color, tty = ios.Out, ios.ColorOut(), true
	}
	// With escape codes the code is black on white whatever the terminal
	// theme; plain text assumes the usual dark terminal background.
	style := qrterm.LightBlocks
	if color {
		style = qrterm.Explicit
	}
	code, err := qrterm.Render(url, style)
	if err != nil {
		return cmdutil.Errorf(cmdutil.ExitFailure, "cannot draw the QR code: %v", err)
	}
	if w, _ := qrterm.Width(url); tty && w > ios.TerminalWidth() {
		fmt.Fprintf(ios.ErrOut, "%s the QR code is %d columns wide but the terminal has %d: widen it, or open the URL above directly\n", theme.WarnIcon(), w, ios.TerminalWidth())
	}
	if tty && !color {
		fmt.Fprintf(ios.ErrOut, "%s drawn for a dark background; on a light terminal the scan may fail (colour is off)\n", theme.Muted("QR:"))
	}
	fmt.Fprintln(ios.ErrOut, theme.Muted("Scan with the WeCom (企业微信) app:"))
	_, err = fmt.Fprint(target, code)
	return err
}

// asUsage turns a rule broken by the parameters into exit 2, naming the flag.
func asUsage(err error) error {
	var e *oauth.Error
	if errors.As(err, &e) {
		return cmdutil.FlagErrorf("--%s %s", e.Field, e.Msg)
	}
	return err
}

func call(f func() string) string {
	if f == nil {
		return ""
	}
	return f()
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
