// Package errcode is `wwcli errcode`: explain WeCom error codes offline.
package errcode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/errcode"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/ui"
)

// Options of `wwcli errcode`: only what run needs.
type Options struct {
	IO    *iostreams.IOStreams
	Warnf func(format string, a ...any)

	Inputs   []string
	List     bool
	Search   string
	Exporter cmdutil.Exporter
}

// maxStdin bounds what we read from a pipe: explanations, not log archives.
const maxStdin = 1 << 20

const long = `Explain a WeCom errcode offline: the official meaning (Chinese and English),
how to fix it, and what WeCom hid in the errmsg: the request hint (quote it
to WeCom support), the IP your request came from (the one to add to
企业可信IP for 60020), and the online lookup link.

INPUT may be an errcode, a whole JSON response, or a pasted errmsg (its
"more info at ...?e=N" link names the code). Give several, or pipe them
on stdin (one per line; a JSON response may span lines). Use "-" to read
stdin explicitly. Negative codes work as they are (-40001) or after --.

The codes -40001…-40012 are not API errcodes: the callback crypto library
(WXBizMsgCrypt) returns them on your own server, and they are explained
from a separate table (-40001 is a signature mismatch, 40001 a bad secret).

--search WORDS lists the codes whose meaning has every word: English words
match whole words ("ip" finds IP, not description), Chinese matches any
part of the meaning.

Debug mode (debug=1): appending debug=1 to a WeCom API URL turns on debug
mode for that call (wwcli does it only with --debug). Debug calls are
capped at 5 per minute, so the 6th call within a minute fails with 45009
(api freq out of limit). Use it for a single failing call, read the
errmsg, then drop it: never leave debug=1 in code that ships.

--json always prints an array, one object per input (or per listed code):
{errcode, errmsg, known, zh, en, fix, hint, from_ip, more_info_url}.
Exit status: 0 when every code is known, 1 when one is not in the table
(the online lookup link is printed anyway), 2 when an input cannot be read.`

// NewCmd builds `wwcli errcode`. runF replaces the run function in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Warnf: f.Warnf}
	cmd := &cobra.Command{
		Use:   "errcode [INPUT...] [--json] [--list] [--search WORDS]",
		Short: "Explain a WeCom errcode, errmsg or JSON response offline",
		Long:  long,
		Example: `  wwcli errcode 60020
  wwcli errcode -40001
  wwcli errcode '{"errcode":40029,"errmsg":"invalid code"}'
  wwcli errcode 'invalid credential, hint: [...], more info at ...?e=40001'
  printf '60020\n-40001\n' | wwcli errcode --jq '.[].zh'
  wwcli errcode --search ip whitelist
  wwcli errcode --list | grep 可信`,
		// pflag would read `-40001` (a callback code) as the shorthand flags
		// -4 -0 -0 -0 -1, and pflag has no way to say "numbers are not flags".
		// So errcode parses its own flags, in PersistentPreRunE, before the
		// root's check of the global flags runs.
		DisableFlagParsing: true,
		ValidArgsFunction:  cobra.NoFileCompletions,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := parseFlags(cmd, opts, args); err != nil {
				return err
			}
			if err := runParentHook(cmd, opts.Inputs); err != nil {
				return err
			}
			return opts.Exporter.Validate()
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.List, "list", false, "print every known code (TSV when piped)")
	fl.StringVar(&opts.Search, "search", "", "list codes whose meaning (zh or en) has all `WORDS`")
	shared.AddJSONFlags(cmd, &opts.Exporter, "an array of {errcode, errmsg, known, zh, en, fix, ...}")
	return cmd
}

// negMark prefixes negative numbers while pflag parses; argv strings can
// never contain NUL, so the mark cannot clash with real input.
const negMark = "\x00"

// parseFlags does what cobra would, except that negative numbers stay
// arguments. It parses this command's flags and the inherited global ones
// (--timeout, --no-color, ...) into the same variables cobra binds.
func parseFlags(cmd *cobra.Command, opts *Options, args []string) error {
	marked := make([]string, len(args))
	for i, a := range args {
		if strings.HasPrefix(a, "-") && errcode.IsNumber(a) {
			a = negMark + a
		}
		marked[i] = a
	}
	fs := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.AddFlagSet(cmd.LocalFlags())
	fs.AddFlagSet(cmd.InheritedFlags())
	if err := fs.Parse(marked); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err // cobra prints the help and exits 0
		}
		return cmdutil.FlagErrorf("%s", strings.ReplaceAll(err.Error(), negMark, ""))
	}
	if help, _ := fs.GetBool("help"); help {
		return pflag.ErrHelp
	}
	opts.Inputs = opts.Inputs[:0]
	for _, a := range fs.Args() {
		opts.Inputs = append(opts.Inputs, strings.TrimPrefix(a, negMark))
	}
	opts.Search = strings.TrimPrefix(opts.Search, negMark)
	if fs.Changed("search") && strings.TrimSpace(opts.Search) == "" {
		return cmdutil.FlagErrorf("--search needs words, e.g. --search ip whitelist or --search 可信域名")
	}
	return nil
}

// runParentHook runs the nearest ancestor's PersistentPreRunE (the root's
// check of the global flags), which cobra skips because errcode has its
// own: with the flags parsed now, --timeout -1s fails here as everywhere.
func runParentHook(cmd *cobra.Command, args []string) error {
	for p := cmd.Parent(); p != nil; p = p.Parent() {
		if p.PersistentPreRunE != nil {
			return p.PersistentPreRunE(cmd, args)
		}
	}
	return nil
}

func run(ctx context.Context, opts *Options) error {
	if opts.List || opts.Search != "" {
		return runList(ctx, opts)
	}
	queries, err := collect(opts)
	if err != nil {
		return err
	}
	exps := make([]errcode.Explanation, len(queries))
	for i, q := range queries {
		exps[i] = errcode.Explain(q.Code, q.Errmsg)
	}
	ios := opts.IO
	if opts.Exporter.Enabled() {
		if err := opts.Exporter.Write(ctx, ios, exps); err != nil {
			return err
		}
	} else {
		th := ui.New(ios.Out, ios.ColorOut())
		width := 0
		if ios.IsStdoutTTY() {
			width = ios.TerminalWidth()
		}
		for i, e := range exps {
			if i > 0 {
				fmt.Fprintln(ios.Out)
			}
			th.WriteDetail(ios.Out, detail(e), width)
		}
	}
	unknown := false
	for _, e := range exps {
		if !e.Known {
			unknown = true
			opts.Warnf("errcode %d is not in wwcli's table (WeCom may have added it since); look it up at %s", e.Code, e.MoreInfoURL)
		}
	}
	if unknown {
		return cmdutil.Silent(cmdutil.ExitFailure)
	}
	return nil
}

// detail maps an explanation onto the terminal layout.
func detail(e errcode.Explanation) ui.Detail {
	d := ui.Detail{Title: e.Title()}
	if !e.Known {
		d.TitleTone = ui.Warning
	}
	for _, f := range e.Fields() {
		tone := ui.Plain
		switch f.Label {
		case "more":
			tone = ui.Accent
		case "note":
			tone = ui.Warning
		}
		d.Fields = append(d.Fields, ui.DetailField{Label: f.Label, Value: f.Value, Tone: tone})
	}
	return d
}

// collect turns arguments and stdin into queries, or fails with exit 2
// before anything is printed.
func collect(opts *Options) ([]errcode.Query, error) {
	ios := opts.IO
	inputs := opts.Inputs
	if len(inputs) == 0 {
		if ios.IsStdinTTY() {
			return nil, cmdutil.FlagErrorf("give an errcode, a JSON response or an errmsg, e.g. `wwcli errcode 60020`, or pipe them on stdin\n%s", errcode.AcceptedForms)
		}
		inputs = []string{"-"}
	}
	var out []errcode.Query
	readStdin := false
	for _, in := range inputs {
		if in != "-" {
			qs, err := errcode.ParseInput(in)
			if err != nil {
				if joined, ok := joinedArgs(inputs); ok {
					return joined, nil
				}
				return nil, cmdutil.FlagErrorf("%v\n%s", err, errcode.AcceptedForms)
			}
			out = append(out, qs...)
			continue
		}
		if readStdin {
			continue
		}
		readStdin = true
		items, err := stdinItems(ios.In)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			qs, err := errcode.ParseInput(it)
			if err != nil {
				return nil, cmdutil.FlagErrorf("stdin: %v\n%s", err, errcode.AcceptedForms)
			}
			out = append(out, qs...)
		}
	}
	return out, nil
}

// joinedArgs rescues an errmsg pasted without quotes, which the shell split
// into words: the words together name the code.
func joinedArgs(inputs []string) ([]errcode.Query, bool) {
	if len(inputs) < 2 {
		return nil, false
	}
	for _, in := range inputs {
		if in == "-" {
			return nil, false
		}
	}
	qs, err := errcode.ParseInput(strings.Join(inputs, " "))
	return qs, err == nil
}

func stdinItems(r io.Reader) ([]string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxStdin+1))
	if err != nil {
		return nil, cmdutil.Errorf(cmdutil.ExitFailure, "reading stdin: %v", err)
	}
	if len(b) > maxStdin {
		return nil, cmdutil.FlagErrorf("stdin is larger than 1 MiB: pass only the failing responses or errmsgs")
	}
	items := errcode.SplitInput(string(b))
	if len(items) == 0 {
		return nil, cmdutil.FlagErrorf("stdin is empty: pipe an errcode, a JSON response or an errmsg\n%s", errcode.AcceptedForms)
	}
	return items, nil
}
