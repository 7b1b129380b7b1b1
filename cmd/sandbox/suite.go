package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	wwsandbox "github.com/wwcli/wwcli/pkg/sandbox"
)

// SuiteOptions of `wwcli sandbox suite ticket|authorize|code`: only what
// runSuite needs.
type SuiteOptions struct {
	IO         *iostreams.IOStreams
	HTTPClient func() *http.Client
	BaseURL    string // the running sandbox (--base-url / WWCLI_BASE_URL)

	Action     string // "ticket", "authorize" or "code"
	SuiteID    string
	CorpID     string
	InstallURL string // authorize
	PreAuth    string // authorize
	State      string // authorize
	Admin      string // authorize
	UserID     string // code
	Scope      string // code
	NonMember  bool   // code
	Web        bool   // code
	Exporter   cmdutil.Exporter
}

// NewSuiteCmd builds `wwcli sandbox suite`: what the provider console, the
// install page and a member's login do, on a running sandbox. runF
// replaces runSuite in tests.
func NewSuiteCmd(f *cmdutil.Factory, runF func(context.Context, *SuiteOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "suite",
		Short: "Drive the third-party apps of a running sandbox",
		Long: fmt.Sprintf(`Do on a running 'wwcli sandbox' what WeCom's provider console, install page
and login do for a third-party app (suite) or a 代开发 template: issue and
push a suite_ticket, authorize an install, issue a getuserinfo3rd code.

The sandbox's provider world (docs/sandbox.md, "Third-party apps"):
  provider corp     %s
    provider_secret %s
  suite             %s
    suite_secret    %s
  代开发 template  %s
    secret          %s
  instruction callback (receive id = suite id, or the template's)
    Token           %s
    EncodingAESKey  %s
Installed, the suite is agent %d of the corp, the template %d.

Point --base-url or WWCLI_BASE_URL at the URL the sandbox printed: the
third-party state lives in that server.`,
			wwsandbox.DemoProviderCorpID, wwsandbox.DemoProviderSecret,
			wwsandbox.DemoSuiteID, wwsandbox.DemoSuiteSecret,
			wwsandbox.DemoTemplateID, wwsandbox.DemoTemplateSecret,
			wwsandbox.DemoSuiteToken, wwsandbox.DemoSuiteEncodingAESKey,
			wwsandbox.DemoSuiteAgentID, wwsandbox.DemoTemplateAgentID),
		Example: `  wwcli sandbox suite ticket
  wwcli sandbox suite authorize --state s1
  wwcli sandbox suite code --scope snsapi_privateinfo lisi`,
		Args: noSubcommand,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	build := func(action string, c *cobra.Command) *cobra.Command {
		opts := &SuiteOptions{IO: f.IO, HTTPClient: f.HTTPClient, Action: action}
		c.RunE = func(cmd *cobra.Command, args []string) error {
			switch {
			case action == "code":
				opts.UserID = args[0]
			case len(args) == 1:
				opts.InstallURL = args[0]
			}
			if !f.Global.Sandbox {
				opts.BaseURL = f.Global.BaseURL
			}
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSuite(cmd.Context(), opts)
		}
		fl := c.Flags()
		fl.StringVar(&opts.SuiteID, "suite-id", wwsandbox.DemoSuiteID, "the suite, or the 代开发 template "+wwsandbox.DemoTemplateID)
		if action != "ticket" {
			fl.StringVar(&opts.CorpID, "corp-id", "", "the corp (default: the sandbox's first corp)")
		}
		switch action {
		case "ticket":
			shared.AddJSONFlags(c, &opts.Exporter, "{suite_ticket, expires_in, push}")
		case "authorize":
			fl.StringVar(&opts.PreAuth, "pre-auth-code", "", "from get_pre_auth_code; none: a market install (pushes create_auth)")
			fl.StringVar(&opts.State, "state", "", "the state of the install link (a-z A-Z 0-9, at most 128)")
			fl.StringVar(&opts.Admin, "admin", "", "the member who installs (default: the corp's first)")
			shared.AddJSONFlags(c, &opts.Exporter, "{auth_code, expires_in, redirect_uri, state, auth_type, push}")
		case "code":
			fl.StringVar(&opts.Scope, "scope", "snsapi_base", "snsapi_base, snsapi_userinfo or snsapi_privateinfo (a user_ticket)")
			fl.BoolVar(&opts.NonMember, "non-member", false, "USERID is the openid of a visitor who is not a member")
			fl.BoolVar(&opts.Web, "web", false, "a code of the web login page (login_type=ServiceApp): no user_ticket")
			shared.AddJSONFlags(c, &opts.Exporter, "{code, expires_in}")
		}
		return c
	}
	cmd.AddCommand(
		build("ticket", &cobra.Command{
			Use:   "ticket",
			Short: "Issue a suite_ticket now and print it",
			Long: `Issue a new suite_ticket now (the provider console's refresh button) and
print it. When the suite has a callback URL (wwcli sandbox --suite-callback)
it is pushed there too, and a failed push exits 1. It is valid 30 minutes.`,
			Example: `  wwcli sandbox suite ticket
  wwcli sandbox suite ticket --suite-id dk3b7e1f9a2c5d8e40 --json`,
			Args: func(cmd *cobra.Command, args []string) error {
				if len(args) > 0 {
					return cmdutil.FlagErrorf("unknown command %q for %q: it takes no arguments", args[0], cmd.CommandPath())
				}
				return nil
			},
		}),
		build("authorize", &cobra.Command{
			Use:   "authorize [INSTALL_URL]",
			Short: "Finish an install as the corp's admin; print the auth_code",
			Long: `Play the admin who opens the install link and agrees: print the temporary
auth_code (single use, 10 minutes) for service/get_permanent_code; the
redirect URI with it goes to stderr on a terminal and into --json.

INSTALL_URL is the whole install link (https://open.work.weixin.qq.com/
3rdapp/install?suite_id=...&pre_auth_code=...), as 'wwcli suite install-url'
prints it; or give --pre-auth-code. With neither, it is a market install,
and WeCom pushes create_auth with the auth_code to the callback URL.`,
			Example: `  wwcli sandbox suite authorize --state s1
  wwcli sandbox suite authorize --suite-id dk3b7e1f9a2c5d8e40 --json`,
			Args: func(cmd *cobra.Command, args []string) error {
				if len(args) > 1 {
					return cmdutil.FlagErrorf("give at most one INSTALL_URL (quote it: it holds &)")
				}
				return nil
			},
		}),
		build("code", &cobra.Command{
			Use:   "code USERID",
			Short: "Issue a third-party login code (getuserinfo3rd) for a member",
			Long: `Issue the code WeCom hands the redirect URL of a third-party OAuth link
(appid = suite id) after USERID logs in; service/auth/getuserinfo3rd takes
it once, within 5 minutes. 代开发 apps log in with 'wwcli sandbox code'.`,
			Example: `  wwcli sandbox suite code lisi
  wwcli sandbox suite code --scope snsapi_privateinfo --json zhangsan`,
			Args: func(cmd *cobra.Command, args []string) error {
				if len(args) != 1 {
					return cmdutil.FlagErrorf("give one USERID, e.g. wwcli sandbox suite code lisi")
				}
				return nil
			},
		}),
	)
	return cmd
}

func (o *SuiteOptions) validate() error {
	if o.BaseURL == "" {
		return cmdutil.FlagErrorf("wwcli sandbox suite needs a running sandbox: start 'wwcli sandbox' and pass the URL it prints with --base-url or WWCLI_BASE_URL (without --sandbox)")
	}
	switch {
	case o.InstallURL != "" && o.PreAuth != "":
		return cmdutil.FlagErrorf("give INSTALL_URL or --pre-auth-code, not both")
	case o.Action == "code" && o.Scope != "snsapi_base" && o.Scope != "snsapi_userinfo" && o.Scope != "snsapi_privateinfo":
		return cmdutil.FlagErrorf("--scope %q: use snsapi_base, snsapi_userinfo or snsapi_privateinfo", o.Scope)
	}
	return o.Exporter.Validate()
}

func runSuite(ctx context.Context, o *SuiteOptions) error {
	var (
		value string
		out   any
		push  *wwsandbox.PushResult
		note  string
		err   error
	)
	switch o.Action {
	case "ticket":
		value, push, err = wwsandbox.RequestSuiteTicket(ctx, o.HTTPClient(), o.BaseURL, o.SuiteID)
		out = map[string]any{"suite_ticket": value, "expires_in": 1800, "push": push}
	case "authorize":
		var a wwsandbox.SuiteAuthorization
		a, err = wwsandbox.RequestSuiteAuthorization(ctx, o.HTTPClient(), o.BaseURL, wwsandbox.SuiteAuthorizeRequest{
			SuiteID: o.SuiteID, PreAuthCode: o.PreAuth, CorpID: o.CorpID, UserID: o.Admin, State: o.State, InstallURL: o.InstallURL})
		value, out, push, note = a.AuthCode, a, a.Push, "redirect: "+a.RedirectURI
	case "code":
		req := wwsandbox.SuiteCodeRequest{SuiteID: o.SuiteID, CorpID: o.CorpID, UserID: o.UserID, Scope: o.Scope, Web: o.Web}
		if o.NonMember {
			req.UserID, req.OpenID = "", o.UserID
		}
		var expiresIn int
		value, expiresIn, err = wwsandbox.RequestSuiteCode(ctx, o.HTTPClient(), o.BaseURL, req)
		out = map[string]any{"code": value, "expires_in": expiresIn}
	}
	var refused *wwsandbox.CodeRequestError
	switch {
	case errors.As(err, &refused):
		return cmdutil.FlagErrorf("%v", err)
	case err != nil:
		return cmdutil.WithCode(cmdutil.ExitFailure, err)
	}
	if note != "" && o.IO.IsStderrTTY() {
		fmt.Fprintln(o.IO.ErrOut, note)
	}
	if o.Exporter.Enabled() {
		err = o.Exporter.Write(ctx, o.IO, out)
	} else {
		_, err = fmt.Fprintln(o.IO.Out, value)
	}
	if err == nil && push != nil && !push.OK {
		err = cmdutil.Errorf(cmdutil.ExitFailure, "the %s push to %s failed: %s", push.InfoType, push.URL, push.Error)
	}
	return err
}
