package main

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// ManPages returns one section-1 page per visible command (wwcli.1,
// wwcli-version.1, ...), keyed by file name. The root page also carries the
// exit-codes and environment help topics as EXIT STATUS and ENVIRONMENT.
// The .TH line has no date so regeneration is byte-for-byte stable.
func ManPages(root *cobra.Command) (map[string][]byte, error) {
	out := map[string][]byte{}
	var visit func(c *cobra.Command)
	visit = func(c *cobra.Command) {
		if c.IsAdditionalHelpTopicCommand() {
			return // folded into the root page
		}
		out[manName(c)+".1"] = manPage(c)
		for _, sub := range documented(c) {
			visit(sub)
		}
	}
	visit(root)
	return out, nil
}

func manName(c *cobra.Command) string {
	return strings.ReplaceAll(c.CommandPath(), " ", "-")
}

func manPage(c *cobra.Command) []byte {
	var b bytes.Buffer
	root := c.Root()
	fmt.Fprintf(&b, ".TH %q \"1\" \"\" %q %q\n", strings.ToUpper(manName(c)), root.Name(), root.Name()+" manual")
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", manName(c), roffText(c.Short))

	b.WriteString(".SH SYNOPSIS\n")
	if c.Runnable() {
		fmt.Fprintf(&b, ".nf\n%s\n.fi\n", roffText(c.UseLine()))
	} else {
		fmt.Fprintf(&b, ".nf\n%s <command> [flags]\n.fi\n", roffText(c.CommandPath()))
	}

	b.WriteString(".SH DESCRIPTION\n")
	if c.Long != "" {
		b.WriteString(roffParagraphs(c.Long) + "\n")
	} else {
		b.WriteString(roffText(c.Short) + "\n")
	}

	if subs := documented(c); len(subs) > 0 {
		b.WriteString(".SH COMMANDS\n")
		for _, sub := range subs {
			if sub.IsAdditionalHelpTopicCommand() {
				continue
			}
			fmt.Fprintf(&b, ".TP\n\\fB%s\\fR\n%s\n", roffText(sub.Name()), roffText(sub.Short))
		}
	}
	writeFlags(&b, "OPTIONS", c.NonInheritedFlags())
	writeFlags(&b, "OPTIONS INHERITED FROM PARENT COMMANDS", c.InheritedFlags())

	if c.Example != "" {
		fmt.Fprintf(&b, ".SH EXAMPLES\n.nf\n%s\n.fi\n", roffText(strings.TrimRight(c.Example, "\n")))
	}
	if c == root {
		for _, topic := range []struct{ cmd, section string }{
			{"exit-codes", "EXIT STATUS"},
			{"environment", "ENVIRONMENT"},
		} {
			if t, _, err := root.Find([]string{topic.cmd}); err == nil && t != root && t.Long != "" {
				fmt.Fprintf(&b, ".SH %s\n.nf\n%s\n.fi\n", topic.section, roffText(t.Long))
			}
		}
	}

	var seeAlso []string
	if p := c.Parent(); p != nil {
		seeAlso = append(seeAlso, manName(p))
	}
	for _, sub := range documented(c) {
		if !sub.IsAdditionalHelpTopicCommand() {
			seeAlso = append(seeAlso, manName(sub))
		}
	}
	if len(seeAlso) > 0 {
		refs := make([]string, len(seeAlso))
		for i, s := range seeAlso {
			refs[i] = `\fB` + roffText(s) + `\fR(1)`
		}
		fmt.Fprintf(&b, ".SH SEE ALSO\n%s\n", strings.Join(refs, ", "))
	}
	return b.Bytes()
}

func writeFlags(b *bytes.Buffer, title string, fs *pflag.FlagSet) {
	if !fs.HasAvailableFlags() {
		return
	}
	fmt.Fprintf(b, ".SH %s\n", title)
	fs.VisitAll(func(fl *pflag.Flag) {
		if fl.Hidden {
			return
		}
		varname, usage := pflag.UnquoteUsage(fl)
		head := `\-\-` + roffText(fl.Name)
		if fl.Shorthand != "" {
			head = `\-` + roffText(fl.Shorthand) + ", " + head
		}
		if varname != "" {
			head += " " + roffText(varname)
		}
		if showDefault(fl.DefValue) {
			usage += fmt.Sprintf(" (default %s)", fl.DefValue)
		}
		fmt.Fprintf(b, ".TP\n\\fB%s\\fR\n%s\n", head, roffText(usage))
	})
}

// showDefault hides the zero values pflag would not print either.
func showDefault(v string) bool {
	switch v {
	case "", "false", "0", "0s", "[]":
		return false
	}
	return true
}

// roffParagraphs keeps the author's blank-line paragraphs; lines inside a
// paragraph are refilled by man. Indented lines (tables, commands) are kept
// as they are.
func roffParagraphs(text string) string {
	paras := strings.Split(strings.TrimRight(text, "\n"), "\n\n")
	out := make([]string, 0, len(paras))
	for _, p := range paras {
		if preformatted(p) {
			out = append(out, ".nf\n"+roffText(p)+"\n.fi")
			continue
		}
		out = append(out, roffText(p))
	}
	return strings.Join(out, "\n.PP\n")
}

// preformatted reports whether a paragraph has indented lines (a table or a
// command to copy), which must not be refilled.
func preformatted(p string) bool {
	for _, l := range strings.Split(p, "\n") {
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			return true
		}
	}
	return false
}

// roffText escapes text so roff prints it literally: backslashes, control
// characters (a dot or an apostrophe) at the start of a line, and every
// "-" as "\-", which groff renders as the ASCII hyphen-minus on terminals
// (a plain "-" may become U+2010, and a pasted "‐‐json" is no flag).
func roffText(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = `\&` + l
		}
	}
	return strings.Join(lines, "\n")
}
