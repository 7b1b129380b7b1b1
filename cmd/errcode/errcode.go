// Package errcode is `wwcli errcode`: explain WeCom error codes offline.
package errcode

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/errcode"
	"github.com/wwcli/wwcli/pkg/ui"
)

// Options of `wwcli errcode`.
type Options struct {
	f      *cmdutil.Factory
	Inputs []string
	JSON   bool
	List   bool
	Search string
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
stdin explicitly.

The codes -40001…-40012 are not API errcodes: the callback crypto library
(WXBizMsgCrypt) returns them on your own server, and they are explained
from a separate table (-40001 is a signature mismatch, 40001 a bad secret).

Debug mode (debug=1): appending debug=1 to a WeCom API URL turns on debug
mode for that call (wwcli does it only with --debug). Debug calls are
capped at 5 per minute, so the 6th call within a minute fails with 45009
(api freq out of limit). Use it for a single failing call, read the
errmsg, then drop it: never leave debug=1 in code that ships.

--json prints {errcode, known, zh, en, fix, hint, from_ip, more_info_url}.
Exit status: 0 when every code is known, 1 when one is not in the table
(the online lookup link is printed anyway), 2 when an input cannot be read.`

// NewCmd builds `wwcli errcode`. runF replaces the run function in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "errcode [INPUT...] [--json] [--list] [--search WORDS]",
		Short: "Explain a WeCom errcode, errmsg or JSON response offline",
		Long:  long,
		Example: `  wwcli errcode 60020
  wwcli errcode -40001
  wwcli errcode '{"errcode":40029,"errmsg":"invalid code"}'
  wwcli errcode 'invalid credential, hint: [...], more info at ...?e=40001'
  pbpaste | wwcli errcode             # a copied errmsg or response
  curl -s "$URL" | wwcli errcode --json
  wwcli errcode --search ip whitelist
  wwcli errcode --list | grep 可信`,
		// Flag parsing is ours: pflag would read `-40001` (a callback code)
		// as the shorthand flags -4 -0 -0 -0 -1.
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := parseFlags(cmd, opts, args); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.JSON, "json", false, "print JSON objects (an array for several inputs)")
	fl.BoolVar(&opts.List, "list", false, "print every known code (TSV when piped)")
	fl.StringVar(&opts.Search, "search", "", "list codes whose meaning (zh or en) has all `WORDS`")
	return cmd
}

// negMark prefixes negative numbers while pflag parses; argv strings can
// never contain NUL, so the mark cannot clash with real input.
const negMark = "\x00"

// parseFlags does what cobra would, except that negative numbers stay
// arguments. Global flags (--no-color, --debug, ...) still work here.
func parseFlags(cmd *cobra.Command, opts *Options, args []string) error {
	marked := make([]string, len(args))
	for i, a := range args {
		if strings.HasPrefix(a, "-") && isNumber(a) {
			a = negMark + a
		}
		marked[i] = a
	}
	cmd.InheritedFlags() // merges the root's persistent flags into cmd.Flags()
	fs := cmd.Flags()
	if err := fs.Parse(marked); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err // cobra prints the help and exits 0
		}
		return cmdutil.FlagErrorf("%v", err)
	}
	if help, _ := fs.GetBool("help"); help {
		return pflag.ErrHelp
	}
	if noColor, _ := fs.GetBool("no-color"); noColor {
		opts.f.IO.SetColorDisabled(true)
	}
	opts.Inputs = opts.Inputs[:0]
	for _, a := range fs.Args() {
		opts.Inputs = append(opts.Inputs, strings.TrimPrefix(a, negMark))
	}
	opts.Search = strings.TrimPrefix(opts.Search, negMark)
	return nil
}

func run(opts *Options) error {
	if opts.List || opts.Search != "" {
		return runList(opts)
	}
	queries, err := collect(opts)
	if err != nil {
		return err
	}
	exps := make([]errcode.Explanation, len(queries))
	for i, q := range queries {
		exps[i] = errcode.Explain(q.Code, q.Errmsg)
	}
	ios := opts.f.IO
	if opts.JSON {
		var v any = exps
		if len(exps) == 1 {
			v = exps[0]
		}
		if err := writeJSON(ios.Out, v); err != nil {
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
			writeExplanation(ios.Out, th, e, width)
		}
	}
	unknown := 0
	errTheme := ui.New(ios.ErrOut, ios.ColorErr())
	for _, e := range exps {
		if !e.Known {
			unknown++
			fmt.Fprintf(ios.ErrOut, "%s errcode %d is not in wwcli's table (WeCom may have added it since); look it up at %s\n",
				errTheme.WarnIcon(), e.Code, e.MoreInfoURL)
		}
	}
	if unknown > 0 {
		return cmdutil.Silent(cmdutil.ExitFailure)
	}
	return nil
}

// collect turns arguments and stdin into queries, or fails with exit 2
// before anything is printed.
func collect(opts *Options) ([]query, error) {
	ios := opts.f.IO
	inputs := opts.Inputs
	if len(inputs) == 0 {
		if ios.IsStdinTTY() {
			return nil, cmdutil.FlagErrorf("give an errcode, a JSON response or an errmsg, e.g. `wwcli errcode 60020`, or pipe them on stdin\n%s", acceptedForms)
		}
		inputs = []string{"-"}
	}
	var out []query
	readStdin := false
	for _, in := range inputs {
		if in != "-" {
			qs, err := parseInput(in)
			if err != nil {
				if joined, ok := joinedArgs(inputs); ok {
					return joined, nil
				}
				return nil, cmdutil.FlagErrorf("%v\n%s", err, acceptedForms)
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
			qs, err := parseInput(it)
			if err != nil {
				return nil, cmdutil.FlagErrorf("stdin: %v\n%s", err, acceptedForms)
			}
			out = append(out, qs...)
		}
	}
	return out, nil
}

// joinedArgs rescues an errmsg pasted without quotes, which the shell split
// into words: the words together name the code.
func joinedArgs(inputs []string) ([]query, bool) {
	if len(inputs) < 2 {
		return nil, false
	}
	for _, in := range inputs {
		if in == "-" {
			return nil, false
		}
	}
	qs, err := parseInput(strings.Join(inputs, " "))
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
	items := splitStdin(string(b))
	if len(items) == 0 {
		return nil, cmdutil.FlagErrorf("stdin is empty: pipe an errcode, a JSON response or an errmsg\n%s", acceptedForms)
	}
	return items, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
