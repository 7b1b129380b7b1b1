package suite

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	suitepkg "github.com/wwcli/wwcli/pkg/suite"
	"github.com/wwcli/wwcli/pkg/ui"
)

// InstallURLOptions of `wwcli suite install-url`: only what run needs.
type InstallURLOptions struct {
	IO           *iostreams.IOStreams
	Warnf        func(format string, a ...any)
	SuiteSession func(ctx context.Context, command string, noCache bool) (*cmdutil.SuiteSession, error)

	RedirectURI string
	State       string
	Test        bool
	QR          bool
	NoCache     bool
	Exporter    cmdutil.Exporter
}

// NewInstallURLCmd builds `wwcli suite install-url`. runF replaces the run
// function in tests.
func NewInstallURLCmd(f *cmdutil.Factory, runF func(context.Context, *InstallURLOptions) error) *cobra.Command {
	opts := &InstallURLOptions{IO: f.IO, Warnf: f.Warnf, SuiteSession: f.SuiteSession}
	cmd := &cobra.Command{
		Use:   "install-url [--redirect-uri URL] [--state S] [--test]",
		Short: "Build the link that installs the suite in a corp",
		Long: `Get a pre_auth_code (get_pre_auth_code, 20 minutes; DOC 90601) and print
the install link on stdout (DOC 90597):
  https://open.work.weixin.qq.com/3rdapp/install?suite_id=...
    &pre_auth_code=...&redirect_uri=...&state=...

--test first marks the pre_auth_code as a test authorization
(set_session_info auth_type 1; DOC 90602): an app that is not released
can only be installed that way, by a corp on its test list.

After consent WeCom sends the admin to REDIRECT_URI?auth_code=CODE&
expires_in=600&state=STATE; exchange the code within 10 minutes with
'wwcli suite permanent-code CODE'. The redirect domain must be the app's
授权完成回调域名, and WeCom expects the admin to arrive from a page on
that domain (Referer), not from a pasted link.

The suite comes from WWCLI_SUITE_ID + WWCLI_SUITE_SECRET, or the profile
('wwcli auth login --suite ID'); its suite_access_token needs the latest
suite_ticket ('wwcli callback serve --suite', 'wwcli suite ticket set').
--sandbox uses the sandbox's demo suite.

--qr also draws the link as a QR code (stdout when it is a terminal,
else stderr). --json prints {url, suite_id, pre_auth_code, expires_in,
auth_type, redirect_uri, state, warnings}.`,
		Example: `  wwcli --sandbox suite install-url \
    --redirect-uri https://app.example.com/installed
  wwcli --sandbox suite install-url --test --state s1 --json
  wwcli suite install-url --redirect-uri https://app.example.com/installed \
    --qr`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cmdutil.FlagErrorf("install-url takes no arguments; pass the callback as --redirect-uri %s", args[0])
			}
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error {
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runInstallURL(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.RedirectURI, "redirect-uri", "", "page WeCom sends the admin to with ?auth_code=&state=")
	fl.StringVar(&opts.State, "state", "", "value echoed to the redirect URI, [A-Za-z0-9] up to 128 bytes")
	fl.BoolVar(&opts.Test, "test", false, "test authorization (auth_type 1) for an unreleased app")
	fl.BoolVar(&opts.QR, "qr", false, "also draw the link as a QR code")
	fl.BoolVar(&opts.NoCache, "no-cache", false, "neither read nor write the token cache")
	shared.AddJSONFlags(cmd, &opts.Exporter, "{url, suite_id, pre_auth_code, ...}")
	return cmd
}

func runInstallURL(ctx context.Context, opts *InstallURLOptions) error {
	// Bad input is refused before a token is fetched.
	if _, err := suitepkg.CheckInstallInput(suitepkg.InstallParams{RedirectURI: opts.RedirectURI, State: opts.State}); err != nil {
		return asUsage(err)
	}
	ss, err := opts.SuiteSession(ctx, "suite install-url", opts.NoCache)
	if err != nil {
		return err
	}
	s := &suitepkg.Suite{ID: ss.Suite.SuiteID, API: ss.Client(), WithToken: ss.WithToken}
	in, err := s.NewInstall(ctx, suitepkg.InstallParams{RedirectURI: opts.RedirectURI, State: opts.State, Test: opts.Test})
	if err != nil {
		return asUsage(err)
	}
	for _, w := range in.Warnings {
		opts.Warnf("%s", w)
	}
	if opts.Exporter.Enabled() {
		if err := opts.Exporter.Write(ctx, opts.IO, in); err != nil {
			return err
		}
	} else if _, err := fmt.Fprintln(opts.IO.Out, in.URL); err != nil {
		return err
	}
	kind := "formal"
	if opts.Test {
		kind = "test"
	}
	t := ui.New(opts.IO.ErrOut, opts.IO.ColorErr())
	fmt.Fprintf(opts.IO.ErrOut, "%s %s install link for suite %s; the pre_auth_code is valid %ds\n",
		t.SuccessIcon(), kind, in.SuiteID, in.ExpiresIn)
	if opts.QR {
		return shared.PrintQR(opts.IO, opts.Warnf, shared.QR{Link: in.URL, Noun: "link",
			Heading: "Scan with the WeCom (企业微信) app as the corp's admin:", JSON: opts.Exporter.Enabled()})
	}
	return nil
}

// asUsage turns a broken input rule into exit 2, naming the flag.
func asUsage(err error) error {
	var ie *suitepkg.InputError
	if errors.As(err, &ie) {
		return cmdutil.FlagErrorf("%s", ie.Error())
	}
	return err
}
