// Package authurl is `wwcli authurl`: build the login URL of an app (in-app
// OAuth2, web login, legacy QR connect) and optionally show it as a QR code.
package authurl

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/oauth"
)

// Options of `wwcli authurl`: only what run needs.
type Options struct {
	IO     *iostreams.IOStreams
	Getenv func(string) string
	Warnf  func(format string, a ...any)
	// Profile is the selected profile (nil when there is none); it is read
	// only when --corp-id or --agent-id is missing.
	Profile func() (*config.Profile, error)

	RedirectURI string
	Kind        string
	CorpID      string
	AgentID     string
	Scope       string
	State       string
	LoginType   string
	Lang        string
	QR          bool
	Suite       bool
	Exporter    cmdutil.Exporter
}

// NewCmd builds `wwcli authurl`. runF replaces the run function in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Getenv: f.Getenv, Warnf: f.Warnf, Profile: func() (*config.Profile, error) {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		return cfg.Profiles[f.ProfileName()], nil
	}}
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

--suite builds a third-party app's in-app link (DOC 91120): appid is the
suite id (--corp-id ID, else WWCLI_SUITE_ID, else the profile's suite),
with no agentid; exchange the code with 'wwcli userinfo --suite CODE'.

Rules checked (exit 2): an absolute http(s) redirect URI; state made of
[A-Za-z0-9], at most 128 bytes; snsapi_privateinfo and web CorpApp logins need
an agent id. Warnings: an IP or a port in the redirect host (trusted domains
allow neither), a '#' in it, plain http.

--qr also draws the URL as a QR code to scan with the WeCom app: on stdout
after the URL when stdout is a terminal, else on stderr (always with --json),
with a warning when it is wider than the terminal.

--json prints {url, kind, appid, agent_id, redirect_uri, scope, state,
login_type, lang, warnings}, the values read back from the URL itself.`,
		Example: `  wwcli authurl --corp-id ww0123456789abcdef --agent-id 1000002 \
    --redirect-uri https://app.example.com/oauth/callback --state x1
  wwcli authurl --kind web --redirect-uri https://app.example.com/login --qr
  wwcli authurl --scope snsapi_privateinfo --agent-id 1000002 \
    --redirect-uri https://app.example.com/cb
  wwcli authurl --corp-id ww0123456789abcdef --agent-id 1000002 \
    --redirect-uri https://app.example.com/cb --jq .url
  wwcli authurl --suite --corp-id ww9c3e7b1a5d2f8e60 \
    --redirect-uri https://app.example.com/cb --state x1`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return nil
			case cmd.Flags().Changed("redirect-uri"):
				// Usually a URL with spaces or an unquoted & split by the shell.
				return cmdutil.FlagErrorf("authurl takes no arguments, got %q besides --redirect-uri; quote the redirect URI if it contains spaces or &", args[0])
			}
			return cmdutil.FlagErrorf("authurl takes no arguments; pass the callback as --redirect-uri %s", args[0])
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
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
	fl.BoolVar(&opts.Suite, "suite", false, "third-party app link: appid = the suite id (--corp-id, WWCLI_SUITE_ID, profile)")
	fl.BoolVar(&opts.QR, "qr", false, "also draw the URL as a QR code (stdout when it is a terminal, else stderr)")
	shared.AddJSONFlags(cmd, &opts.Exporter, "{url, kind, appid, agent_id, redirect_uri, ...}")

	complete := func(flag string, values ...string) {
		_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
	}
	complete("kind", "oauth", "web", "qrconnect")
	complete("scope", oauth.ScopeBase, oauth.ScopePrivateInfo)
	complete("login-type", oauth.LoginCorpApp, oauth.LoginServiceApp)
	complete("lang", "zh", "en")
	return cmd
}

// urlJSON is what --json prints: the parameters as the URL carries them.
type urlJSON struct {
	URL         string        `json:"url"`
	Kind        oauth.Kind    `json:"kind"`
	AppID       string        `json:"appid"`
	AgentID     string        `json:"agent_id,omitempty"`
	RedirectURI string        `json:"redirect_uri"`
	Scope       string        `json:"scope,omitempty"`
	State       string        `json:"state"`
	LoginType   string        `json:"login_type,omitempty"`
	Lang        string        `json:"lang,omitempty"`
	Warnings    []warningJSON `json:"warnings"`
}

type warningJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func describeURL(raw string, kind oauth.Kind, warnings []oauth.Warning) (urlJSON, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return urlJSON{}, err
	}
	q := u.Query()
	out := urlJSON{URL: raw, Kind: kind, AppID: q.Get("appid"), AgentID: q.Get("agentid"), RedirectURI: q.Get("redirect_uri"),
		Scope: q.Get("scope"), State: q.Get("state"), LoginType: q.Get("login_type"), Lang: q.Get("lang"), Warnings: []warningJSON{}}
	for _, w := range warnings {
		out.Warnings = append(out.Warnings, warningJSON{w.Code, w.Msg})
	}
	return out, nil
}

func run(ctx context.Context, opts *Options) error {
	kind, err := oauth.ParseKind(opts.Kind)
	if err != nil {
		return asUsage(err)
	}
	corpID, agentID := opts.CorpID, opts.AgentID
	if opts.Suite {
		// Never the profile's corp id or WWCLI_CORP_ID: a suite link with a
		// corp id as appid fails on the phone, not here.
		corpID = firstNonEmpty(corpID, opts.Getenv("WWCLI_SUITE_ID"))
		if corpID == "" {
			p, err := opts.Profile()
			if err != nil {
				return err
			}
			if p != nil {
				corpID = p.SuiteID // from 'wwcli auth login --suite ID'
			}
		}
		if corpID == "" {
			return cmdutil.FlagErrorf("no suite id: pass --corp-id SUITE_ID (the SuiteID from the app's detail page in the provider console), set WWCLI_SUITE_ID, or store the suite with 'wwcli auth login --suite SUITE_ID'")
		}
	} else if corpID == "" || agentID == "" {
		p, err := opts.Profile()
		if err != nil {
			return err
		}
		if p != nil {
			corpID, agentID = firstNonEmpty(corpID, p.CorpID), firstNonEmpty(agentID, p.AgentID)
		}
		corpID, agentID = firstNonEmpty(corpID, opts.Getenv("WWCLI_CORP_ID")), firstNonEmpty(agentID, opts.Getenv("WWCLI_AGENT_ID"))
	}
	if corpID == "" {
		return cmdutil.FlagErrorf("no corp id: pass --corp-id ID (the CorpID from the admin console, 我的企业 → 企业信息), set WWCLI_CORP_ID, or save a profile with `wwcli auth login`")
	}

	link, warnings, err := oauth.Build(oauth.Params{
		Kind:        kind,
		CorpID:      corpID,
		AgentID:     agentID,
		RedirectURI: opts.RedirectURI,
		Scope:       opts.Scope,
		State:       opts.State,
		LoginType:   opts.LoginType,
		Lang:        opts.Lang,
		Suite:       opts.Suite,
	})
	if err != nil {
		return asUsage(err)
	}
	for _, w := range warnings {
		opts.Warnf("%s", w.Msg)
	}
	if opts.Exporter.Enabled() {
		doc, err := describeURL(link, kind, warnings)
		if err != nil {
			return err
		}
		if err := opts.Exporter.Write(ctx, opts.IO, doc); err != nil {
			return err
		}
	} else if _, err := fmt.Fprintln(opts.IO.Out, link); err != nil {
		return err
	}
	if opts.QR {
		return shared.PrintQR(opts.IO, opts.Warnf, shared.QR{Link: link, Noun: "URL",
			Heading: "Scan with the WeCom (企业微信) app:", JSON: opts.Exporter.Enabled(), DarkNote: true})
	}
	return nil
}

// asUsage turns a rule broken by the parameters into exit 2, naming the flag.
func asUsage(err error) error {
	var e *oauth.Error
	if errors.As(err, &e) {
		return cmdutil.FlagErrorf("--%s %s", e.Field, e.Msg)
	}
	return err
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
