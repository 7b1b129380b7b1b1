package errcode

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mattn/go-runewidth"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/errcode"
	"github.com/wwcli/wwcli/pkg/ui"
)

const labelWidth = 9 // "  from ip " and friends

// writeExplanation prints one explanation: the title, then aligned fields.
// width > 0 (a terminal) wraps long values; piped output keeps one line per
// field so grep and cut work.
func writeExplanation(w io.Writer, th *ui.Theme, e errcode.Explanation, width int) {
	title := th.Bold(e.Title())
	if !e.Known {
		title = th.Warn(e.Title())
	}
	fmt.Fprintln(w, title)
	indent := strings.Repeat(" ", 2+labelWidth)
	for _, f := range e.Fields() {
		lines := []string{f.Value}
		if width > 0 {
			lines = wrap(f.Value, width-len(indent))
		}
		for i, l := range lines {
			switch f.Label {
			case "more":
				l = th.Accent(l)
			case "note":
				l = th.Warn(l)
			}
			if i == 0 {
				fmt.Fprintf(w, "  %s%s\n", th.Muted(pad(f.Label, labelWidth)), l)
			} else {
				fmt.Fprintf(w, "%s%s\n", indent, l)
			}
		}
	}
}

// wrap breaks s at spaces so no line is wider than width terminal cells
// (CJK characters count double). A single long word (a URL) stays whole.
func wrap(s string, width int) []string {
	if width < 20 || runewidth.StringWidth(s) <= width {
		return []string{s}
	}
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case runewidth.StringWidth(line)+1+runewidth.StringWidth(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	return append(lines, line)
}

// pad fills s with spaces to width terminal cells.
func pad(s string, width int) string {
	if n := runewidth.StringWidth(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s + " "
}

// runList prints --list or --search results.
func runList(opts *Options) error {
	ios := opts.f.IO
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
	if len(entries) == 0 {
		if opts.JSON {
			fmt.Fprintln(ios.Out, "[]")
		}
		words := strings.Join(append([]string{opts.Search}, opts.Inputs...), " ")
		fmt.Fprintf(ios.ErrOut, "%s no errcode meaning contains all of: %s (try fewer words, or Chinese: --search 可信域名)\n",
			ui.New(ios.ErrOut, ios.ColorErr()).WarnIcon(), words)
		return cmdutil.Silent(cmdutil.ExitFailure)
	}
	switch {
	case opts.JSON:
		exps := make([]errcode.Explanation, len(entries))
		for i, e := range entries {
			exps[i] = errcode.Explain(e.Code, "")
		}
		return writeJSON(ios.Out, exps)
	case ios.IsStdoutTTY():
		writeTable(ios.Out, ui.New(ios.Out, ios.ColorOut()), entries, ios.TerminalWidth())
		return nil
	default:
		for _, e := range entries {
			fmt.Fprintf(ios.Out, "%d\t%s\t%s\n", e.Code, tsvField(e.ZH), tsvField(e.EN))
		}
		return nil
	}
}

func tsvField(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ").Replace(s)
}

// writeTable aligns code, Chinese and English meaning for a terminal, and
// puts the callback library codes under their own heading.
func writeTable(w io.Writer, th *ui.Theme, entries []errcode.Entry, width int) {
	const zhMax = 34
	codeW, zhW := len("CODE"), 0
	for _, e := range entries {
		codeW = max(codeW, len(strconv.Itoa(e.Code)))
		zhW = max(zhW, runewidth.StringWidth(e.ZH))
	}
	zhW = min(zhW, zhMax)
	enW := max(width-codeW-zhW-4, 20)
	cells := func(code, zh, en string) (string, string, string) {
		return fmt.Sprintf("%*s", codeW, code), padTo(runewidth.Truncate(zh, zhW, "…"), zhW), runewidth.Truncate(en, enW, "…")
	}
	c, z, e := cells("CODE", "中文", "English")
	fmt.Fprintln(w, th.Bold(c+"  "+z+"  "+e))
	heading := false
	for _, ent := range entries {
		en := ent.EN
		if _, isCallback := errcode.Callback(ent.Code); isCallback {
			if !heading {
				fmt.Fprintln(w)
				fmt.Fprintln(w, th.Bold("Callback crypto library codes (WXBizMsgCrypt, on your server; not API errcodes)"))
				heading = true
			}
			en = strings.TrimPrefix(en, errcode.CallbackLabel)
		}
		c, z, e := cells(strconv.Itoa(ent.Code), ent.ZH, en)
		fmt.Fprintln(w, th.Accent(c)+"  "+z+"  "+e)
	}
}

// padTo pads s to exactly width cells (s is already truncated to fit).
func padTo(s string, width int) string {
	if n := runewidth.StringWidth(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}
