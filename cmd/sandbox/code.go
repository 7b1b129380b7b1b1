package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	wwsandbox "github.com/wwcli/wwcli/pkg/sandbox"
)

// CodeOptions of `wwcli sandbox code`: only what runCode needs.
type CodeOptions struct {
	IO         *iostreams.IOStreams
	HTTPClient func() *http.Client
	CacheDir   func() (string, error)
	// BaseURL is the running sandbox to ask (--base-url / WWCLI_BASE_URL);
	// empty: record the code for the in-process `wwcli --sandbox`.
	BaseURL string

	UserID      string
	Scope       string
	AgentID     string
	MiniProgram bool
	NonMember   bool
	Exporter    cmdutil.Exporter
}

// NewCodeCmd builds `wwcli sandbox code`. runF replaces runCode in tests.
func NewCodeCmd(f *cmdutil.Factory, runF func(context.Context, *CodeOptions) error) *cobra.Command {
	opts := &CodeOptions{IO: f.IO, HTTPClient: f.HTTPClient, CacheDir: f.CacheDir}
	cmd := &cobra.Command{
		Use:   "code USERID",
		Short: "Issue a sandbox login code for a member",
		Long: `Issue the code WeCom would hand your redirect URL after USERID logs in
(or, with --miniprogram, the js_code of wx.qy.login), and print it. Like
WeCom's, it works once, within 5 minutes.

With --base-url or WWCLI_BASE_URL pointing at a running 'wwcli sandbox',
that server issues it. Otherwise (and always with --sandbox) the code is
kept in a small file under wwcli's cache dir (mode 0600, at most 100 codes)
for the in-process sandbox of 'wwcli --sandbox', which takes it from there
when it is exchanged.

USERID is a member of the sandbox corp (see 'wwcli sandbox --help'); with
--non-member it is the openid of a visitor who is not a member.`,
		Example: `  code=$(wwcli sandbox code zhangsan) && wwcli --sandbox userinfo "$code"
  wwcli sandbox code --scope snsapi_privateinfo lisi
  wwcli sandbox code --miniprogram --json chenxiaoming
  wwcli sandbox code --non-member o-visitor-1`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.FlagErrorf("give one USERID, e.g. wwcli sandbox code zhangsan")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.UserID = args[0]
			if !f.Global.Sandbox {
				opts.BaseURL = f.Global.BaseURL
			}
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCode(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Scope, "scope", "snsapi_base", "snsapi_base, or snsapi_privateinfo for a user_ticket (userinfo --detail)")
	fl.StringVar(&opts.AgentID, "agent-id", "", "only this app (AgentId) may exchange the code; default: any app of the corp")
	fl.BoolVar(&opts.MiniProgram, "miniprogram", false, "issue a mini program js_code (for userinfo --miniprogram)")
	fl.BoolVar(&opts.NonMember, "non-member", false, "USERID is the openid of a visitor who is not a member")
	shared.AddJSONFlags(cmd, &opts.Exporter, "{code, expires_in}")
	return cmd
}

func (o *CodeOptions) validate() error {
	switch {
	case o.Scope != "snsapi_base" && o.Scope != "snsapi_privateinfo":
		return cmdutil.FlagErrorf("--scope %q: use snsapi_base or snsapi_privateinfo", o.Scope)
	case o.MiniProgram && o.NonMember:
		return cmdutil.FlagErrorf("--miniprogram and --non-member do not go together: wx.qy.login is for members")
	}
	if err := cmdutil.ValidateAgentID(o.AgentID); err != nil {
		return err
	}
	return o.Exporter.Validate()
}

func (o *CodeOptions) request() wwsandbox.CodeRequest {
	req := wwsandbox.CodeRequest{UserID: o.UserID, Scope: o.Scope}
	if o.NonMember {
		req.UserID, req.OpenID = "", o.UserID
	}
	if o.MiniProgram {
		req.Type = "miniprogram"
	}
	req.AgentID, _ = strconv.ParseInt(o.AgentID, 10, 64) // validated
	return req
}

// codeJSON is what --json prints.
type codeJSON struct {
	Code      string `json:"code"`
	ExpiresIn int    `json:"expires_in"`
}

func runCode(ctx context.Context, o *CodeOptions) error {
	var (
		code      string
		expiresIn int
		where     string
		err       error
	)
	if o.BaseURL != "" {
		code, expiresIn, err = wwsandbox.RequestCode(ctx, o.HTTPClient(), o.BaseURL, o.request())
		where = "the sandbox at " + o.BaseURL
	} else {
		code, expiresIn, err = recordCode(o)
		where = "wwcli --sandbox"
	}
	var refused *wwsandbox.CodeRequestError
	switch {
	case errors.As(err, &refused):
		return cmdutil.FlagErrorf("%v (wwcli sandbox --help lists the demo members)", err)
	case err != nil:
		return cmdutil.WithCode(cmdutil.ExitFailure, err)
	}
	if o.IO.IsStderrTTY() {
		fmt.Fprintf(o.IO.ErrOut, "code for %s, valid once within %d s, for %s\n", o.UserID, expiresIn, where)
	}
	if o.Exporter.Enabled() {
		return o.Exporter.Write(ctx, o.IO, codeJSON{code, expiresIn})
	}
	_, err = fmt.Fprintln(o.IO.Out, code)
	return err
}

// recordCode issues a code into the code file that the in-process sandbox
// of `wwcli --sandbox` reads.
func recordCode(o *CodeOptions) (string, int, error) {
	dir, err := o.CacheDir()
	if err != nil {
		return "", 0, err
	}
	srv := wwsandbox.New(wwsandbox.Options{Codes: wwsandbox.NewCodeFile(dir)})
	code, err := srv.IssueCode(o.request())
	var store *wwsandbox.StoreError
	if err != nil && !errors.As(err, &store) {
		err = &wwsandbox.CodeRequestError{Msg: err.Error()}
	}
	return code, wwsandbox.CodeTTLSeconds, err
}
