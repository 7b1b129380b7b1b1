package main

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Markdown returns one page per visible command (cobra/doc layout: the file
// of `wwcli token get` is wwcli_token_get.md), keyed by file name. Help
// topics such as `wwcli help exit-codes` get a page too.
func Markdown(root *cobra.Command) (map[string][]byte, error) {
	out := map[string][]byte{}
	var visit func(c *cobra.Command)
	visit = func(c *cobra.Command) {
		out[pageName(c)] = markdownPage(c)
		for _, sub := range documented(c) {
			visit(sub)
		}
	}
	visit(root)
	return out, nil
}

// documented lists the children that get a page, in cobra's (sorted) order.
func documented(c *cobra.Command) []*cobra.Command {
	var subs []*cobra.Command
	for _, sub := range c.Commands() {
		if sub.Hidden || !(sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand()) {
			continue
		}
		subs = append(subs, sub)
	}
	return subs
}

func pageName(c *cobra.Command) string {
	return strings.ReplaceAll(c.CommandPath(), " ", "_") + ".md"
}

func markdownPage(c *cobra.Command) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "## %s\n\n%s\n\n", c.CommandPath(), c.Short)
	if c.Long != "" {
		fmt.Fprintf(&b, "### Synopsis\n\n%s\n\n", markdownParagraphs(c.Long))
	}
	if c.Runnable() {
		fmt.Fprintf(&b, "```\n%s\n```\n\n", c.UseLine())
	}
	if c.Example != "" {
		fmt.Fprintf(&b, "### Examples\n\n```\n%s\n```\n\n", strings.TrimRight(c.Example, "\n"))
	}
	if fs := c.NonInheritedFlags(); fs.HasAvailableFlags() {
		fmt.Fprintf(&b, "### Options\n\n```\n%s```\n\n", fs.FlagUsages())
	}
	if fs := c.InheritedFlags(); fs.HasAvailableFlags() {
		fmt.Fprintf(&b, "### Options inherited from parent commands\n\n```\n%s```\n\n", fs.FlagUsages())
	}
	var seeAlso []string
	if p := c.Parent(); p != nil {
		seeAlso = append(seeAlso, link(p))
	}
	for _, sub := range documented(c) {
		seeAlso = append(seeAlso, link(sub))
	}
	if len(seeAlso) > 0 {
		b.WriteString("### See also\n\n")
		for _, l := range seeAlso {
			b.WriteString("* " + l + "\n")
		}
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
}

// markdownParagraphs keeps prose as it is and puts paragraphs with indented
// lines (tables of codes, variables, commands) in code blocks, where
// Markdown keeps their alignment instead of joining the lines.
func markdownParagraphs(text string) string {
	paras := strings.Split(strings.TrimRight(text, "\n"), "\n\n")
	for i, p := range paras {
		if preformatted(p) {
			paras[i] = "```\n" + p + "\n```"
		}
	}
	return strings.Join(paras, "\n\n")
}

func link(c *cobra.Command) string {
	return fmt.Sprintf("[%s](%s) - %s", c.CommandPath(), pageName(c), c.Short)
}
