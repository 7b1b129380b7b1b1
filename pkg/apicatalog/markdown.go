package apicatalog

import (
	"fmt"
	"strings"
)

// The generated table sits between these lines in docs/sandbox.md.
const (
	BeginMarker = "<!-- BEGIN endpoint table: generated from pkg/apicatalog by scripts/gen-docs; do not edit -->"
	EndMarker   = "<!-- END endpoint table -->"
)

// MarkdownTable renders the catalog for docs/sandbox.md: every endpoint
// with its method, secret kind, whether the sandbox simulates it, and its
// doc page, sorted by path.
func (c *Catalog) MarkdownTable() string {
	var b strings.Builder
	total, sim := c.Counts()
	fmt.Fprintf(&b, "%d endpoints, %d simulated by the sandbox.\n\n", total, sim)
	b.WriteString("| endpoint | method | secret | sandbox | doc | what |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, e := range c.Search("") {
		sandbox := "no"
		if e.Simulated {
			sandbox = "**yes**"
		}
		doc := "—"
		if e.DocID != "" {
			doc = fmt.Sprintf("[%s](%s)", e.DocID, e.DocURL())
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", e.ShortPath(), e.Method, e.Secret, sandbox, doc,
			strings.ReplaceAll(e.Summary, "|", `\|`))
	}
	return b.String()
}

// ReplaceTable puts table between the markers of doc.
func ReplaceTable(doc, table string) (string, error) {
	begin := strings.Index(doc, BeginMarker)
	end := strings.Index(doc, EndMarker)
	if begin < 0 || end < begin {
		return "", fmt.Errorf("the markers %q ... %q are missing or out of order", BeginMarker, EndMarker)
	}
	return doc[:begin+len(BeginMarker)] + "\n" + table + doc[end:], nil
}
