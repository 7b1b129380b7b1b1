// Package verifydomain is `wwcli verify-domain`: fetch the WW_verify_XXXX.txt
// domain-ownership file the way WeCom would and say what is wrong with it.
package verifydomain

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/domaincheck"
	"github.com/wwcli/wwcli/pkg/ui"
)

// testCAEnv names a PEM file of extra trusted roots. It is a test seam (the
// end-to-end tests serve HTTPS with a throwaway CA) and is not documented.
const testCAEnv = "WWCLI_TEST_CA_FILE"

// Options of `wwcli verify-domain`.
type Options struct {
	f *cmdutil.Factory

	Host     string
	File     string
	Name     string
	Content  string
	Scheme   string
	Insecure bool
	WriteDir string
	JSON     bool

	contentSet bool
}

// NewCmd builds `wwcli verify-domain`. runF replaces the run function in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{f: f}
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
1 when none does, 2 for bad input. --timeout bounds the whole check.
The check list goes to stderr; --json prints on stdout
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
			opts.contentSet = cmd.Flags().Changed("content")
			if runF != nil {
				return runF(opts)
			}
			return run(cmd, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.File, "file", "", "the downloaded verification file: its name and exact bytes")
	fl.StringVar(&opts.Name, "name", "", "the file name, WW_verify_XXXXXXXXXXXXXXXX.txt (overrides the name of --file)")
	fl.StringVar(&opts.Content, "content", "", "expected body (default: the token after WW_verify_)")
	fl.StringVar(&opts.Scheme, "scheme", "both", "http, https or both")
	fl.BoolVar(&opts.Insecure, "insecure", false, "accept an invalid TLS certificate, but report it")
	fl.StringVar(&opts.WriteDir, "write", "", "create the file in this directory (e.g. the web root) before checking")
	fl.BoolVar(&opts.JSON, "json", false, `print {"host","name","ok","checks",...} as JSON on stdout`)
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

func run(cmd *cobra.Command, opts *Options) error {
	ios := opts.f.IO
	theme := ui.New(ios.ErrOut, ios.ColorErr())
	warn := func(format string, a ...any) {
		fmt.Fprintf(ios.ErrOut, "%s %s\n", theme.WarnIcon(), fmt.Sprintf(format, a...))
	}

	cfg, err := configure(opts, warn)
	if err != nil {
		return err
	}
	if opts.WriteDir != "" {
		if err := writeFile(opts, cfg, theme); err != nil {
			return err
		}
	}

	ctx := cmd.Context()
	results := domaincheck.Run(ctx, cfg)
	if ctx.Err() != nil {
		return ctx.Err() // Ctrl-C: root prints "interrupted", exit 130
	}

	rep := report{Host: opts.Host, Name: cfg.Name, Checks: []domaincheck.Check{}}
	var passed []string
	for _, r := range results {
		rep.Checks = append(rep.Checks, r.Checks...)
		rep.Schemes = append(rep.Schemes, schemeResult{Scheme: r.Scheme, URL: r.URL, OK: r.OK})
		if r.OK {
			passed = append(passed, r.Scheme)
		}
	}
	rep.OK = len(passed) > 0

	if opts.JSON {
		enc := json.NewEncoder(ios.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		writeHuman(ios.ErrOut, theme, results)
	}

	switch {
	case !rep.OK:
		if !opts.JSON {
			theme.WriteCheck(ios.ErrOut, ui.Check{Status: ui.Fail, Title: "Not verified", Detail: fmt.Sprintf("%s is not served correctly over %s", cfg.Name, strings.Join(cfg.Schemes, " or ")), Fix: "fix the failing checks above; WeCom's console will reject the domain until then"})
		}
		return cmdutil.Silent(cmdutil.ExitFailure)
	case len(passed) == 1 && passed[0] == "http" && len(cfg.Schemes) == 2:
		warn("only http passes: https fails, and WeCom's own examples fetch over https; fix https too")
	}
	if !opts.JSON {
		theme.WriteCheck(ios.ErrOut, ui.Check{Status: ui.Pass, Title: "Verified", Detail: fmt.Sprintf("%s is served correctly over %s", cfg.Name, strings.Join(passed, " and "))})
	}
	return nil
}

// configure turns flags into a check configuration, or a usage error.
func configure(opts *Options, warn func(string, ...any)) (domaincheck.Config, error) {
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

	if opts.File != "" && opts.contentSet {
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
	case opts.contentSet:
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
		warn("%q does not look like WW_verify_ + 16 letters or digits + .txt: check it against the admin console", cfg.Name)
	}
	if opts.File != "" && hasToken && !bytes.Equal(cfg.Expected, []byte(token)) {
		if ok, diff := domaincheck.DiagnoseBody(cfg.Expected, []byte(token)); !ok {
			warn("the content of %s is not the token of its name: %s", opts.File, diff)
		}
	}

	cfg.Insecure = opts.Insecure
	cfg.Timeout = opts.f.Global.Timeout
	if caFile := opts.f.Getenv(testCAEnv); caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return cfg, cmdutil.Errorf(cmdutil.ExitFailure, "%s: %v", testCAEnv, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return cfg, cmdutil.Errorf(cmdutil.ExitFailure, "%s: no PEM certificate in %s", testCAEnv, caFile)
		}
		cfg.RootCAs = pool
	}
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
	errOut := opts.f.IO.ErrOut
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
		theme.WriteCheck(errOut, ui.Check{Status: ui.Info, Title: "File", Detail: path + " already holds the expected content"})
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
	theme.WriteCheck(errOut, ui.Check{Status: ui.Pass, Title: "Wrote", Detail: fmt.Sprintf("%s (%d bytes, no newline)", path, len(cfg.Expected))})
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

var statuses = map[string]ui.Status{
	domaincheck.LevelPass: ui.Pass,
	domaincheck.LevelWarn: ui.Warn,
	domaincheck.LevelFail: ui.Fail,
}

func writeHuman(w interface{ Write([]byte) (int, error) }, theme *ui.Theme, results []domaincheck.Result) {
	for _, r := range results {
		fmt.Fprintln(w, theme.Bold(r.URL))
		for _, c := range r.Checks {
			theme.WriteCheck(w, ui.Check{Status: statuses[c.Level], Title: titles[c.Check], Detail: c.Detail})
		}
		fmt.Fprintln(w)
	}
}
