// Package verifydomain is `wwcli verify-domain`: fetch the WW_verify_XXXX.txt
// domain-ownership file the way WeCom would and say what is wrong with it.
package verifydomain

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/check"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/domaincheck"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/ui"
)

// Options of `wwcli verify-domain`: only what run needs.
type Options struct {
	IO    *iostreams.IOStreams
	Warnf func(format string, a ...any)

	Host       string
	File       string
	Name       string
	Content    string
	ContentSet bool // --content given, even empty
	Scheme     string
	Insecure   bool
	WriteDir   string
	Timeout    time.Duration // --timeout: bounds the whole check
	Exporter   cmdutil.Exporter

	// RootCAs are the trusted roots; nil means the system's. Tests set
	// their own CA here.
	RootCAs *x509.CertPool
}

// NewCmd builds `wwcli verify-domain`. runF replaces the run function in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Warnf: f.Warnf}
	cmd := &cobra.Command{
		Use:   "verify-domain HOST[:PORT] (--file PATH | --name NAME)",
		Short: "Check that a domain serves its WeCom verification file",
		Long: `Check that HOST serves the domain-ownership file the admin console asks for
(可信域名 → 域名归属认证) at its root, the way WeCom fetches it.

For each scheme it reports: DNS, TCP connect, TLS (certificate valid for HOST),
status 200, no redirect (and where a redirect points), the body exactly equal
to the expected content (naming the difference: trailing newline, CRLF, BOM,
whitespace, an HTML page, a wrong token, empty), and the Content-Type
(text/plain expected, advisory). Redirects are never followed.

The expected content is the bytes of --file, else --content, else the token
after WW_verify_ in the name (the usual content of the file). --write DIR
first creates DIR/NAME with exactly that content and no newline.

Exit 0 when at least one scheme passes (with a warning when only http does),
1 when none does, 2 for bad input. A scheme that passes only because
--insecure accepted a bad certificate does not count: WeCom would reject it.
--timeout bounds the whole check.

The check list goes to stderr (on a terminal, a line per step as it
completes); --json prints on stdout
  {"host","name","ok","checks":[{"url","check","ok","level","detail"}],
   "schemes":[{"scheme","url","ok"}]}
where a check of level "warn" is advice that does not fail its scheme.`,
		Example: `  wwcli verify-domain app.example.com --name WW_verify_AbCdEfGh12345678.txt
  wwcli verify-domain app.example.com --scheme https \
    --file ~/Downloads/WW_verify_AbCdEfGh12345678.txt
  wwcli verify-domain app.example.com --write ./public \
    --name WW_verify_AbCdEfGh12345678.txt
  wwcli verify-domain staging.example.com:8443 --insecure --json \
    --name WW_verify_AbCdEfGh12345678.txt`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.FlagErrorf("verify-domain takes one HOST[:PORT], e.g. app.example.com; got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Host = args[0]
			opts.ContentSet = cmd.Flags().Changed("content")
			opts.Timeout = f.Global.Timeout
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
	fl.StringVar(&opts.File, "file", "", "the downloaded verification file: its name and exact bytes")
	fl.StringVar(&opts.Name, "name", "", "the file name, WW_verify_XXXXXXXXXXXXXXXX.txt (overrides the name of --file)")
	fl.StringVar(&opts.Content, "content", "", "expected body (default: the token after WW_verify_)")
	fl.StringVar(&opts.Scheme, "scheme", "both", "http, https or both")
	fl.BoolVar(&opts.Insecure, "insecure", false, "accept an invalid TLS certificate, but report it")
	fl.StringVar(&opts.WriteDir, "write", "", "create the file in this directory (e.g. the web root) before checking")
	shared.AddJSONFlags(cmd, &opts.Exporter, "{host, name, ok, checks, schemes}")
	_ = cmd.RegisterFlagCompletionFunc("scheme", cobra.FixedCompletions([]string{"http", "https", "both"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.MarkFlagDirname("write")
	_ = cmd.MarkFlagFilename("file", "txt")
	return cmd
}

// report is the --json shape.
type report struct {
	Host    string              `json:"host"`
	Name    string              `json:"name"`
	OK      bool                `json:"ok"`
	Checks  []domaincheck.Check `json:"checks"`
	Schemes []schemeResult      `json:"schemes"`
}

type schemeResult struct {
	Scheme string `json:"scheme"`
	URL    string `json:"url"`
	OK     bool   `json:"ok"`
}

func run(ctx context.Context, opts *Options) error {
	ios := opts.IO
	theme := ui.New(ios.ErrOut, ios.ColorErr())

	cfg, err := configure(opts)
	if err != nil {
		return err
	}
	if opts.WriteDir != "" {
		if err := writeFile(opts, cfg, theme); err != nil {
			return err
		}
	}

	// On a terminal each step shows up as it completes: against a host
	// that does not answer, the screen is not blank for the whole --timeout.
	live := ios.IsStderrTTY()
	if live {
		cfg.OnCheck = func(c domaincheck.Check) { writeLive(ios.ErrOut, theme, c) }
	}
	results := domaincheck.Run(ctx, cfg)
	if ctx.Err() != nil {
		return ctx.Err() // Ctrl-C: root prints "interrupted", exit 130
	}

	rep := report{Host: opts.Host, Name: cfg.Name, Checks: []domaincheck.Check{}}
	var passed, insecureOnly []string
	for _, r := range results {
		accepted := r.OK && !r.CertUnverified
		rep.Checks = append(rep.Checks, r.Checks...)
		rep.Schemes = append(rep.Schemes, schemeResult{Scheme: r.Scheme, URL: r.URL, OK: accepted})
		switch {
		case accepted:
			passed = append(passed, r.Scheme)
		case r.OK:
			insecureOnly = append(insecureOnly, r.Scheme)
		}
	}
	rep.OK = len(passed) > 0

	human := !opts.Exporter.Enabled()
	if human && !live {
		writeHuman(ios.ErrOut, theme, results)
	}
	if !human {
		if err := opts.Exporter.Write(ctx, ios, rep); err != nil {
			return err
		}
	}

	switch {
	case !rep.OK && len(insecureOnly) > 0:
		if human {
			theme.WriteCheck(ios.ErrOut, check.Line{Status: check.Fail, Title: "Not verified",
				Detail: fmt.Sprintf("%s is served over %s only with --insecure: WeCom rejects the certificate", cfg.Name, strings.Join(insecureOnly, " and ")),
				Fix:    "fix the certificate (the TLS check above says what is wrong), then run again without --insecure"})
		}
		return cmdutil.Silent(cmdutil.ExitFailure)
	case !rep.OK:
		if human {
			theme.WriteCheck(ios.ErrOut, check.Line{Status: check.Fail, Title: "Not verified", Detail: fmt.Sprintf("%s is not served correctly over %s", cfg.Name, strings.Join(cfg.Schemes, " or ")), Fix: "fix the failing checks above; WeCom's console will reject the domain until then"})
		}
		return cmdutil.Silent(cmdutil.ExitFailure)
	case len(passed) == 1 && passed[0] == "http" && len(cfg.Schemes) == 2:
		opts.Warnf("only http passes: https fails, and WeCom's own examples fetch over https; fix https too")
	}
	if human {
		theme.WriteCheck(ios.ErrOut, check.Line{Status: check.Pass, Title: "Verified", Detail: fmt.Sprintf("%s is served correctly over %s", cfg.Name, strings.Join(passed, " and "))})
	}
	return nil
}

// configure turns flags into a check configuration, or a usage error.
func configure(opts *Options) (domaincheck.Config, error) {
	var cfg domaincheck.Config
	host, port, err := domaincheck.ParseHost(opts.Host)
	if err != nil {
		return cfg, cmdutil.FlagErrorf("%v", err)
	}
	cfg.Host, cfg.Port = host, port

	switch opts.Scheme {
	case "both":
		cfg.Schemes = []string{"http", "https"}
	case "http", "https":
		cfg.Schemes = []string{opts.Scheme}
	default:
		return cfg, cmdutil.FlagErrorf("--scheme %q: use http, https or both", opts.Scheme)
	}

	if opts.File != "" && opts.ContentSet {
		return cfg, cmdutil.FlagErrorf("--file and --content both give the expected content: pass one of them")
	}
	cfg.Name = opts.Name
	switch {
	case opts.File != "":
		data, err := readSmallFile(opts.File)
		if err != nil {
			return cfg, err
		}
		cfg.Expected = data
		if cfg.Name == "" {
			cfg.Name = filepath.Base(opts.File)
		}
	case cfg.Name == "":
		return cfg, cmdutil.FlagErrorf("which file? pass --name WW_verify_XXXXXXXXXXXXXXXX.txt (as shown in the admin console) or --file PATH (the downloaded file)")
	case opts.ContentSet:
		if opts.Content == "" {
			return cfg, cmdutil.FlagErrorf("--content is empty: give the expected body, or leave --content out to use the token from the name")
		}
		cfg.Expected = []byte(opts.Content)
	}
	if err := domaincheck.CheckName(cfg.Name); err != nil {
		return cfg, cmdutil.FlagErrorf("%v", err)
	}
	token, hasToken := domaincheck.TokenFromName(cfg.Name)
	if cfg.Expected == nil {
		if !hasToken {
			return cfg, cmdutil.FlagErrorf("cannot tell the expected content from the name %q (not WW_verify_TOKEN.txt): pass --content or --file", cfg.Name)
		}
		cfg.Expected = []byte(token)
	}
	if !domaincheck.HasUsualName(cfg.Name) {
		opts.Warnf("%s does not look like WW_verify_ + 16 letters or digits + .txt: check it against the admin console", domaincheck.Quote(cfg.Name))
	}
	if opts.File != "" && hasToken && !bytes.Equal(cfg.Expected, []byte(token)) {
		if ok, diff := domaincheck.DiagnoseBody(cfg.Expected, []byte(token)); !ok {
			opts.Warnf("the content of %s is not the token of its name: %s", opts.File, diff)
		}
	}

	cfg.Insecure = opts.Insecure
	cfg.Timeout = opts.Timeout
	cfg.RootCAs = opts.RootCAs
	return cfg, nil
}

func readSmallFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, cmdutil.FlagErrorf("--file: %v", err)
	}
	if !info.Mode().IsRegular() {
		return nil, cmdutil.FlagErrorf("--file %s is not a regular file", path)
	}
	if info.Size() > domaincheck.MaxBody {
		return nil, cmdutil.FlagErrorf("--file %s is %d bytes: a verification file holds a short token", path, info.Size())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, cmdutil.Errorf(cmdutil.ExitFailure, "--file: %v", err)
	}
	return data, nil
}

// writeFile creates DIR/NAME with the expected bytes, and never replaces a
// file that holds something else.
func writeFile(opts *Options, cfg domaincheck.Config, theme *ui.Theme) error {
	errOut := opts.IO.ErrOut
	info, err := os.Stat(opts.WriteDir)
	if err != nil || !info.IsDir() {
		return cmdutil.FlagErrorf("--write %s: not an existing directory (create it, or point at the web root)", opts.WriteDir)
	}
	path := filepath.Join(opts.WriteDir, cfg.Name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		existing, rerr := os.ReadFile(path)
		if rerr != nil {
			return cmdutil.Errorf(cmdutil.ExitFailure, "--write: %v", rerr)
		}
		if ok, diff := domaincheck.DiagnoseBody(existing, cfg.Expected); !ok {
			return cmdutil.Errorf(cmdutil.ExitFailure, "refusing to overwrite %s: it holds different content (%s); remove it first if it is stale", path, diff)
		}
		theme.WriteCheck(errOut, check.Line{Status: check.Info, Title: "File", Detail: path + " already holds the expected content"})
		return nil
	}
	if err != nil {
		return cmdutil.Errorf(cmdutil.ExitFailure, "--write: %v", err)
	}
	_, werr := f.Write(cfg.Expected)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return cmdutil.Errorf(cmdutil.ExitFailure, "--write %s: %v", path, werr)
	}
	theme.WriteCheck(errOut, check.Line{Status: check.Pass, Title: "Wrote", Detail: fmt.Sprintf("%s (%d bytes, no newline)", path, len(cfg.Expected))})
	return nil
}

var titles = map[string]string{
	domaincheck.CheckDNS:         "DNS",
	domaincheck.CheckConnect:     "Connect",
	domaincheck.CheckTLS:         "TLS",
	domaincheck.CheckStatus:      "Status",
	domaincheck.CheckRedirect:    "Redirect",
	domaincheck.CheckBody:        "Body",
	domaincheck.CheckContentType: "Content-Type",
}

func writeHuman(w io.Writer, theme *ui.Theme, results []domaincheck.Result) {
	for _, r := range results {
		fmt.Fprintln(w, theme.Bold(r.URL))
		for _, c := range r.Checks {
			theme.WriteCheck(w, check.Line{Status: c.Level, Title: titles[c.Check], Detail: c.Detail})
		}
		fmt.Fprintln(w)
	}
}

// writeLive prints one completed step on a terminal, tagged with its scheme
// because both schemes run at once.
func writeLive(w io.Writer, theme *ui.Theme, c domaincheck.Check) {
	scheme, _, _ := strings.Cut(c.URL, "://")
	fmt.Fprint(w, theme.Muted(fmt.Sprintf("%-5s ", scheme)))
	theme.WriteCheck(w, check.Line{Status: c.Level, Title: titles[c.Check], Detail: c.Detail})
}
