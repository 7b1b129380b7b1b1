package ui

import (
	"fmt"
	"io"
	"strings"

	"github.com/wwcli/wwcli/pkg/check"
)

// WriteCheck prints one check: "✓ Title: detail" and, indented, the fix.
// The status vocabulary is pkg/check's; ui only decides how it looks.
func (t *Theme) WriteCheck(w io.Writer, c check.Line) {
	var icon string
	switch c.Status {
	case check.Pass:
		icon = t.SuccessIcon()
	case check.Warn:
		icon = t.WarnIcon()
	case check.Fail:
		icon = t.FailIcon()
	case check.Skip:
		icon = t.SkipIcon()
	default:
		icon = t.Muted("-")
	}
	line := icon + " " + t.Bold(c.Title)
	if c.Detail != "" {
		line += ": " + c.Detail
	}
	fmt.Fprintln(w, line)
	if c.Fix != "" {
		for _, l := range strings.Split(c.Fix, "\n") {
			fmt.Fprintln(w, "    "+t.Muted(l))
		}
	}
}
