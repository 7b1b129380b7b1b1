// Package userinfo is `wwcli userinfo`: turn a login code into the identity
// of the person who logged in (OAuth / web login / mini program).
package userinfo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/errcode"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/oauth"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// maxCodeBytes is WeCom's documented upper bound for a code.
const maxCodeBytes = 512

// API paths, one per mode.
const (
	pathUserInfo    = "/cgi-bin/auth/getuserinfo"
	pathLegacy      = "/cgi-bin/user/getuserinfo"
	pathUserDetail  = "/cgi-bin/auth/getuserdetail"
	pathMiniProgram = "/cgi-bin/miniprogram/jscode2session"
)

// detailFields is the order --detail prints getuserdetail's fields in.
var detailFields = []string{"userid", "gender", "avatar", "qr_code", "mobile", "email", "biz_mail", "address"}

// Options of `wwcli userinfo`: only what run needs.
type Options struct {
	IO      *iostreams.IOStreams
	Session func(ctx context.Context, command string, in cmdutil.CredInput, noCache bool) (*cmdutil.Session, error)
	Warnf   func(format string, a ...any)
	// Sandbox: the in-process sandbox answers, so an unknown code was
	// never issued (by `wwcli sandbox code`) rather than reused.
	Sandbox bool
	// IgnoredBaseURL: a base URL set but not used under --sandbox (where a
	// plain `wwcli sandbox code` sends its codes).
	IgnoredBaseURL string

	Code        string
	Creds       cmdutil.CredInput
	Detail      bool
	Legacy      bool
	MiniProgram bool
	// Suite: CODE is a third-party app's OAuth code (getuserinfo3rd).
	Suite        bool
	SuiteSession func(ctx context.Context, command string, noCache bool) (*cmdutil.SuiteSession, error)
	Exporter     cmdutil.Exporter
	credsGiven   bool
}

// NewCmd builds `wwcli userinfo`.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Session: f.Session, Warnf: f.Warnf, SuiteSession: f.SuiteSession}
	cmd := &cobra.Command{
		Use:   "userinfo CODE [CORPID SECRET]",
		Short: "Turn a login code into the user's identity",
		Long: `Exchange the code WeCom hands your redirect URL (OAuth in the WeCom client,
web/QR login, HarmonyOS SDK login) for the identity of the person who
logged in, with /cgi-bin/auth/getuserinfo. A code works once, within
5 minutes; the token must come from the app the user logged in to.

Output on stdout:
  member of the corp        the userid
  not a member              the openid, or "openid<TAB>external_userid" when
                            WeCom also returns an external_userid (a customer)
  --miniprogram             "userid<TAB>corpid"
  --detail                  one "field<TAB>value" line per non-empty field of
                            getuserdetail (userid, gender, avatar, qr_code,
                            mobile, email, biz_mail, address)
  --json                    the whole answer minus errcode/errmsg, snake_case
                            keys (legacy UserId/OpenId/DeviceId become userid/
                            openid/device_id); with --detail the getuserdetail
                            answer is under "detail"

--detail follows with /cgi-bin/auth/getuserdetail using the user_ticket.
WeCom only returns a user_ticket when the login used scope
snsapi_privateinfo and the member is inside the app's visible range; without
one, the basic identity is still printed, the reason goes to stderr and the
exit code is 1.

--legacy uses the old /cgi-bin/user/getuserinfo instead.
--miniprogram exchanges a wx.qy.login js_code with
/cgi-bin/miniprogram/jscode2session; the token must come from the app linked
to the mini program. Its session_key is printed only with --json, and must
never be sent to the mini program.

WeCom errors exit 3 and are explained in terms of the login flow (code used
twice or too late, redirect domain, trusted IP, visible range, wrong secret).

A code may start with "-": put -- before it (wwcli userinfo --json -- "$CODE").
Given the whole redirect URL (https://app.example.com/cb?code=...&state=...),
userinfo takes the code out of it and says so on stderr; only the code is
sent to WeCom.

--suite: CODE comes from a third-party app's login (authurl --suite);
it is exchanged with service/auth/getuserinfo3rd (DOC 91121) using the
suite_access_token (WWCLI_SUITE_ID + WWCLI_SUITE_SECRET, or the profile's
suite), and --detail follows with getuserdetail3rd (DOC 91122). A member
prints "userid<TAB>corpid" (a provider serves many corps). 代开发 apps may
not use it: they exchange codes like a self-built app, with --auth-corp.

Offline: 'wwcli sandbox code USERID' issues a code that 'wwcli --sandbox
userinfo' accepts once within 5 minutes (see the first example).

Credentials: CORPID SECRET after the code, --corp-id with
--secret-stdin/--secret-file, WWCLI_CORP_ID + WWCLI_SECRET, or a profile
from 'wwcli auth login'.`,
		Example: `  code=$(wwcli sandbox code zhangsan) && wwcli --sandbox userinfo "$code"
  wwcli --sandbox userinfo --jq .userid "$(wwcli sandbox code wangwu)"
  wwcli --sandbox userinfo --json "$(wwcli sandbox code lisi)"
  wwcli userinfo --json -- "$CODE" CORPID SECRET
  code=$(wwcli sandbox suite code zhangsan) && wwcli userinfo --suite "$code"`,
		Args: codeAndCredArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Code = args[0]
			opts.Creds.Args = args[1:]
			opts.credsGiven = len(args) > 1
			for _, name := range []string{"corp-id", "agent-id", "secret-stdin", "secret-file", "auth-corp"} {
				if fl := cmd.Flags().Lookup(name); fl != nil && fl.Changed {
					opts.credsGiven = true
				}
			}
			opts.Sandbox = f.Global.Sandbox
			if opts.Sandbox {
				opts.IgnoredBaseURL = f.Global.IgnoredBaseURL
			}
			if err := opts.validate(); err != nil {
				return err
			}
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	// Codes may start with "-", which pflag takes for a flag: say how out.
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return cmdutil.FlagErrorf("%v (if that is the code, put -- before it: wwcli userinfo [flags] -- CODE)", err)
	})
	shared.AddCredFlags(cmd, &opts.Creds, "app agent id (AgentId) the code was issued for")
	shared.AddAuthCorpFlag(cmd, &opts.Creds)
	fl := cmd.Flags()
	fl.BoolVar(&opts.Detail, "detail", false, "also fetch the member's details with the user_ticket (needs scope snsapi_privateinfo)")
	fl.BoolVar(&opts.Legacy, "legacy", false, "use the legacy /cgi-bin/user/getuserinfo")
	fl.BoolVar(&opts.MiniProgram, "miniprogram", false, "CODE is a mini program js_code (wx.qy.login): use jscode2session")
	fl.BoolVar(&opts.Suite, "suite", false, "CODE is a third-party app's code: use getuserinfo3rd")
	shared.AddJSONFlags(cmd, &opts.Exporter, "the whole answer (snake_case keys)")
	return cmd
}

// codeAndCredArgs wants CODE, optionally followed by CORPID SECRET.
func codeAndCredArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmdutil.FlagErrorf("missing CODE: pass the code from the login redirect (?code=...) or from wx.qy.login")
	}
	return shared.CredArgs(1)(cmd, args)
}

// validate checks the flags and CODE before any request. A pasted redirect
// URL is not a code: its code= is taken out of it, with a note, and the URL
// itself is never sent to WeCom.
func (o *Options) validate() error {
	switch {
	case o.MiniProgram && o.Legacy:
		return cmdutil.FlagErrorf("--legacy and --miniprogram do not go together: the mini program has only jscode2session")
	case o.MiniProgram && o.Detail:
		return cmdutil.FlagErrorf("--detail and --miniprogram do not go together: jscode2session returns no user_ticket")
	case o.Suite && (o.Legacy || o.MiniProgram):
		return cmdutil.FlagErrorf("--suite does not go with --legacy or --miniprogram: a third-party code has only getuserinfo3rd")
	case o.Suite && o.credsGiven:
		return cmdutil.FlagErrorf("--suite uses the suite's credentials (WWCLI_SUITE_ID + WWCLI_SUITE_SECRET, or the profile's suite): drop CORPID SECRET, --corp-id, --agent-id, --secret-stdin/--secret-file and --auth-corp")
	}
	if strings.TrimSpace(o.Code) == "" {
		return cmdutil.FlagErrorf("CODE is empty: pass the code from the login redirect (?code=...) or from wx.qy.login")
	}
	code, fromURL, err := oauth.CodeFromInput(o.Code)
	switch {
	case fromURL && o.MiniProgram:
		return cmdutil.FlagErrorf("CODE looks like a URL; with --miniprogram pass the js_code from wx.qy.login (res.code)")
	case errors.Is(err, oauth.ErrNoCodeInURL):
		return cmdutil.FlagErrorf("CODE is a URL without a code= parameter: pass the code from the redirect WeCom made to your redirect_uri, " +
			"e.g. wwcli userinfo CODE for https://app.example.com/callback?code=CODE&state=STATE")
	case fromURL:
		fmt.Fprintln(o.IO.ErrOut, "note: took the code from the URL's code= parameter; only the code is sent to WeCom")
		o.Code = code
	}
	switch {
	case len(o.Code) > maxCodeBytes:
		return cmdutil.FlagErrorf("CODE is %d bytes; WeCom codes are at most %d: pass only the value of ?code=, not the whole URL", len(o.Code), maxCodeBytes)
	case strings.ContainsAny(o.Code, " \t\r\n"):
		return cmdutil.FlagErrorf("CODE contains whitespace; copy the code exactly as it appears after ?code=")
	}
	return nil
}

func run(ctx context.Context, o *Options) error {
	if o.Suite {
		return runSuite(ctx, o)
	}
	s, err := o.Session(ctx, "userinfo", o.Creds, false)
	if err != nil {
		return err
	}
	if o.MiniProgram {
		return runMiniProgram(ctx, o, s)
	}

	path := pathUserInfo
	if o.Legacy {
		path = pathLegacy
	}
	raw, err := s.Call(ctx, wecom.Request{Method: http.MethodGet, Path: path, Query: url.Values{"code": {o.Code}}}, nil)
	if err != nil {
		return o.explain(err, errcode.StepOAuth)
	}
	id, err := wecom.NormalizeIdentity(raw)
	if err != nil {
		return err
	}
	if !o.Detail {
		return printIdentity(ctx, o, id)
	}

	ticket := id.Str("user_ticket")
	if ticket == "" {
		if err := printIdentity(ctx, o, id); err != nil {
			return err
		}
		return cmdutil.Errorf(cmdutil.ExitFailure, "%s", noTicketReason(id))
	}
	raw, err = s.Call(ctx, wecom.Request{Method: http.MethodPost, Path: pathUserDetail,
		Body: map[string]string{"user_ticket": ticket}}, nil)
	if err != nil {
		return o.explain(err, errcode.StepDetail)
	}
	detail, err := wecom.NormalizeIdentity(raw)
	if err != nil {
		return err
	}
	if o.Exporter.Enabled() {
		id["detail"] = detail
		return o.Exporter.Write(ctx, o.IO, id)
	}
	for _, k := range detailFields {
		if v := fmt.Sprint(detail[k]); detail[k] != nil && v != "" {
			if _, err := fmt.Fprintf(o.IO.Out, "%s\t%s\n", k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// explain adds the login-flow meaning to a WeCom error.
func (o *Options) explain(err error, step errcode.LoginStep) error {
	return wecom.ExplainLogin(err, errcode.LoginContext{Step: step, Sandbox: o.Sandbox, IgnoredBaseURL: o.IgnoredBaseURL})
}

// noTicketReason explains why --detail got no user_ticket.
func noTicketReason(id wecom.Identity) string {
	if id.Str("userid") == "" {
		return "no user_ticket: the user is not a member of this corp, so there are no member details to fetch (the openid above is all WeCom gives)"
	}
	return "no user_ticket, so no details: WeCom returns one only when the login URL used scope=snsapi_privateinfo " +
		"(wwcli authurl --scope snsapi_privateinfo --agent-id N) and the member is inside the app's visible range; " +
		"the basic identity above is all this code gives"
}

// printIdentity writes the identity: JSON, or the bare id(s) documented in
// the help.
func printIdentity(ctx context.Context, o *Options, id wecom.Identity) error {
	out := o.IO.Out
	if o.Exporter.Enabled() {
		return o.Exporter.Write(ctx, o.IO, id)
	}
	if uid := id.Str("userid"); uid != "" {
		_, err := fmt.Fprintln(out, uid)
		return err
	}
	openid := id.Str("openid")
	if openid == "" {
		return cmdutil.Errorf(cmdutil.ExitFailure, "WeCom answered without a userid or an openid; run again with --json to see the answer")
	}
	line := openid
	if ext := id.Str("external_userid"); ext != "" {
		line += "\t" + ext
	}
	fmt.Fprintln(o.IO.ErrOut, "note: not a member of this corp; stdout is the openid (tab external_userid when present). --json tells members and non-members apart.")
	_, err := fmt.Fprintln(out, line)
	return err
}

func runMiniProgram(ctx context.Context, o *Options, s *cmdutil.Session) error {
	q := url.Values{"js_code": {o.Code}, "grant_type": {"authorization_code"}}
	raw, err := s.Call(ctx, wecom.Request{Method: http.MethodGet, Path: pathMiniProgram, Query: q}, nil)
	if err != nil {
		return o.explain(err, errcode.StepMiniProgram)
	}
	id, err := wecom.NormalizeIdentity(raw)
	if err != nil {
		return err
	}
	if o.Exporter.Enabled() {
		if id.Str("session_key") != "" {
			o.Warnf("the JSON holds session_key, a server-side secret: keep it on your server and never send it to the mini program (client).")
		}
		return o.Exporter.Write(ctx, o.IO, id)
	}
	uid := id.Str("userid")
	if uid == "" {
		return cmdutil.Errorf(cmdutil.ExitFailure, "jscode2session answered without a userid; run again with --json to see the answer")
	}
	_, err = fmt.Fprintf(o.IO.Out, "%s\t%s\n", uid, id.Str("corpid"))
	return err
}
