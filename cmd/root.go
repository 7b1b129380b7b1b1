// Package cmd is wwcli's cobra tree: the root command, global flags, and the
// one place where errors become exit codes and messages.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wwcli/wwcli/pkg/build"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/safetext"
	"github.com/wwcli/wwcli/pkg/ui"
)

// Main runs wwcli for the real process and returns the exit code.
func Main() int {
	return Run(os.Args[1:], iostreams.System(os.Getenv), os.Getenv)
}

// Run executes wwcli with args and returns the exit code. Ctrl-C cancels the
// command's context and exits 130.
func Run(args []string, io *iostreams.IOStreams, getenv func(string) string) int {
	f := &cmdutil.Factory{IO: io, Getenv: getenv, Now: time.Now}
	defer f.Close()
	root := NewRootCmd(f)
	root.SetArgs(args)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	if ctx.Err() != nil {
		fmt.Fprintln(io.ErrOut, "interrupted")
		return cmdutil.ExitInterrupted
	}
	err = cobraUsageError(err)
	printError(f, root, args, err)
	return cmdutil.ExitCode(err)
}

// cobraUsagePrefixes start the errors cobra itself returns for bad usage
// (unknown subcommand, wrong number of arguments, missing required flag);
// they are plain errors, so they are marked as usage errors (exit 2) here.
var cobraUsagePrefixes = []string{"unknown command ", "accepts ", "requires at least ", "requires at most ",
	"invalid argument ", "required flag(s) ", "if any flags in the group "}

func cobraUsageError(err error) error {
	var fe *cmdutil.FlagError
	var ee *cmdutil.ExitError
	if errors.As(err, &fe) || errors.As(err, &ee) {
		return err
	}
	for _, p := range cobraUsagePrefixes {
		if strings.HasPrefix(err.Error(), p) {
			return &cmdutil.FlagError{Err: err}
		}
	}
	return err
}

// NewRootCmd builds the whole command tree around f.
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "wwcli <command> [flags]",
		Short: "WeCom (企业微信) developer toolkit",
		Long: `wwcli is a command-line toolkit for WeCom (企业微信 / WeChat Work) developers:
cached access tokens and JS-SDK tickets, ww.register signatures, OAuth and
web-login URLs, code-to-member lookups, domain verification files, error-code
explanations, callback crypto, and a local WeCom-compatible sandbox.

Data goes to stdout; messages go to stderr. Run 'wwcli help exit-codes'
for the exit codes and 'wwcli help environment' for the variables.`,
		Example: `  wwcli --sandbox ticket              # offline, against the demo corp
  wwcli sign --url https://example.com/page --ticket TICKET
  wwcli errcode 60020`,
		Version:       build.Current().Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			f.UseLine = cmd.UseLine()
			return applyGlobalEnv(cmd, f)
		},
	}
	root.SetVersionTemplate(build.Current().String() + "\n")
	root.SetUsageTemplate(usageTemplate)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if typo := groupTypo(c); typo != nil {
			return typo
		}
		return &cmdutil.FlagError{Err: err}
	})

	pf := root.PersistentFlags()
	pf.StringVar(&f.Global.Profile, "profile", "", "profile to use (env WWCLI_PROFILE, default \"default\")")
	pf.StringVar(&f.Global.BaseURL, "base-url", "", "WeCom API base URL (env WWCLI_BASE_URL, default https://qyapi.weixin.qq.com)")
	pf.DurationVar(&f.Global.Timeout, "timeout", 10*time.Second, "bound on every HTTP request")
	pf.BoolVar(&f.Global.Verbose, "verbose", false, "log each HTTP request and answer on stderr, secrets redacted (env WWCLI_DEBUG=api)")
	pf.BoolVar(&f.Global.Debug, "debug", false, "add WeCom's debug=1 to calls (5 calls/minute cap!) and log them as --verbose")
	pf.BoolVar(&f.Global.Sandbox, "sandbox", false, "run against an in-process WeCom sandbox with the demo corp (env WWCLI_SANDBOX=1); not with --base-url or --profile")
	pf.BoolVar(&f.Global.InsecureHTTP, "insecure-http", false, "allow a plain http:// base URL to a host other than this machine (the secret travels in clear)")
	pf.StringVar(&f.Global.RelayTokenFile, "relay-token-file", "", "read the client token for WWCLI_RELAY from `FILE` (else env WWCLI_RELAY_TOKEN)")
	pf.BoolVar(&f.Global.NoColor, "no-color", false, "disable colour and symbols (also NO_COLOR)")

	addCommands(root, f)
	addHelpTopics(root)
	strictGroups(root)
	return root
}

// applyGlobalEnv fills global flags from the environment where the flag was
// not given, so flags always win over env.
func applyGlobalEnv(cmd *cobra.Command, f *cmdutil.Factory) error {
	flags := cmd.Flags()
	if !flags.Changed("profile") {
		f.Global.Profile = f.Getenv("WWCLI_PROFILE")
	}
	if !flags.Changed("base-url") {
		f.Global.BaseURL = f.Getenv("WWCLI_BASE_URL")
	}
	if !flags.Changed("sandbox") {
		if v := f.Getenv("WWCLI_SANDBOX"); v != "" && v != "0" && v != "false" {
			f.Global.Sandbox = true
		}
	}
	if !flags.Changed("verbose") {
		// As gh's GH_DEBUG=api; "1" too, since that is what people try first.
		switch f.Getenv("WWCLI_DEBUG") {
		case "api", "1", "true":
			f.Global.Verbose = true
		}
	}
	if err := sandboxConflicts(flags, f); err != nil {
		return err
	}
	if f.Global.NoColor {
		f.IO.SetColorDisabled(true)
	}
	if f.Global.Timeout <= 0 {
		return cmdutil.FlagErrorf("--timeout must be positive, e.g. --timeout 10s")
	}
	return nil
}

// sandboxConflicts refuses flags that --sandbox would silently override:
// it has its own API host and uses its demo app, never a profile. The
// same settings from the environment are ambient, so they only warn.
func sandboxConflicts(flags *pflag.FlagSet, f *cmdutil.Factory) error {
	if !f.Global.Sandbox {
		return nil
	}
	switch {
	case flags.Changed("base-url"):
		return cmdutil.FlagErrorf("--sandbox and --base-url both name the API host: drop --base-url, or drop --sandbox to call %s", f.Global.BaseURL)
	case flags.Changed("profile"):
		return cmdutil.FlagErrorf("--sandbox uses its demo app, never a profile: drop --profile, or drop --sandbox to use profile %q", f.Global.Profile)
	case f.Global.BaseURL != "":
		f.Warnf("WWCLI_BASE_URL (%s) is ignored under --sandbox, which has its own API host", f.Global.BaseURL)
		f.Global.IgnoredBaseURL, f.Global.BaseURL = f.Global.BaseURL, ""
	}
	return nil
}

// printError is the only place errors reach the user.
func printError(f *cmdutil.Factory, root *cobra.Command, args []string, err error) {
	theme := ui.New(f.IO.ErrOut, f.IO.ColorErr())
	prefix := "error:"
	if theme.Color() {
		prefix = theme.Fail("✗")
	}
	var fe *cmdutil.FlagError
	if errors.As(err, &fe) {
		fmt.Fprintf(f.IO.ErrOut, "%s %s\n", prefix, safetext.Escape(fe.Error()))
		cmdPath := root.CommandPath()
		if c, _, findErr := root.Find(args); findErr == nil && c != nil {
			cmdPath = c.CommandPath()
		}
		fmt.Fprintf(f.IO.ErrOut, "Run '%s --help' for usage.\n", cmdPath)
		return
	}
	// Error text may quote what a server sent: safetext.Escape is the last
	// line of defence, so its control characters are shown, not obeyed.
	msg := err.Error()
	if strings.TrimSpace(msg) == "" {
		return
	}
	if ex, ok := explainerOf(err); ok {
		fmt.Fprintln(f.IO.ErrOut, prefix+" "+safetext.Escape(ex.Explain()))
		return
	}
	fmt.Fprintf(f.IO.ErrOut, "%s %s\n", prefix, safetext.Escape(msg))
}

// explainer is implemented by errors that know a longer, helpful text
// (WeCom API errors explain the errcode, hint and from ip).
type explainer interface{ Explain() string }

func explainerOf(err error) (explainer, bool) {
	var ex explainer
	if errors.As(err, &ex) {
		return ex, true
	}
	return nil, false
}
