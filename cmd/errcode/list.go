package errcode

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/errcode"
	"github.com/wwcli/wwcli/pkg/ui"
)

// runList prints --list or --search results: a table on a terminal, TSV
// when piped, an array with --json.
func runList(ctx context.Context, opts *Options) error {
	ios := opts.IO
	var entries []errcode.Entry
	if opts.Search != "" {
		if opts.List && len(opts.Inputs) > 0 {
			return cmdutil.FlagErrorf("--list takes no INPUT; to explain codes drop --list")
		}
		entries = errcode.Search(append([]string{opts.Search}, opts.Inputs...)...)
	} else {
		if len(opts.Inputs) > 0 {
			return cmdutil.FlagErrorf("--list takes no INPUT: use `wwcli errcode %s` to explain a code, or --search WORDS to filter", opts.Inputs[0])
		}
		entries = errcode.List()
	}
	var err error
	switch {
	case len(entries) == 0 && !opts.Exporter.Enabled():
	case opts.Exporter.Enabled():
		exps := make([]errcode.Explanation, len(entries))
		for i, e := range entries {
			exps[i] = errcode.Explain(e.Code, "")
		}
		err = opts.Exporter.Write(ctx, ios, exps)
	case ios.IsStdoutTTY():
		ui.New(ios.Out, ios.ColorOut()).WriteGrid(ios.Out, grid(entries), ios.TerminalWidth())
	default:
		for _, e := range entries {
			fmt.Fprintf(ios.Out, "%d\t%s\t%s\n", e.Code, tsvField(e.ZH), tsvField(e.EN))
		}
	}
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		words := strings.Join(append([]string{opts.Search}, opts.Inputs...), " ")
		fmt.Fprintf(ios.ErrOut, "no errcode meaning matches all of: %s (try fewer words, or Chinese: --search 可信域名)\n", words)
		return cmdutil.Silent(cmdutil.ExitFailure)
	}
	return nil
}

func tsvField(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ").Replace(s)
}

// grid lays the codes out as code, Chinese and English meaning, with the
// callback library codes under their own heading.
func grid(entries []errcode.Entry) *ui.Grid {
	g := &ui.Grid{Header: []string{"CODE", "中文", "English"}, Max: []int{0, 34}}
	heading := false
	for _, ent := range entries {
		en := ent.EN
		if _, isCallback := errcode.Callback(ent.Code); isCallback {
			if !heading {
				g.Section("Callback crypto library codes (WXBizMsgCrypt, on your server; not API errcodes)")
				heading = true
			}
			en = strings.TrimPrefix(en, errcode.CallbackLabel)
		}
		g.Row(strconv.Itoa(ent.Code), ent.ZH, en)
	}
	return g
}
