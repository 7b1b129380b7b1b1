package ui

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Width is the number of terminal cells s takes: CJK characters count
// double, escape codes nothing, and a grapheme cluster (an emoji ZWJ
// sequence, a flag, a letter with combining marks) as the one character a
// terminal draws. Every width in ui (tables, wrapping, padding) is this one.
func Width(s string) int { return ansi.StringWidth(s) }

// Wrap breaks s at spaces into lines of at most width cells. A word wider
// than a line is cut only when it is not a link, so URLs stay whole (and
// clickable) while a long run of Chinese still fits. A width under 20 does
// not wrap: nothing readable fits there.
func Wrap(s string, width int) []string {
	if width < 20 || Width(s) <= width {
		return []string{s}
	}
	var lines []string
	for _, l := range strings.Split(ansi.Wordwrap(s, width, ""), "\n") {
		if Width(l) > width && !strings.Contains(l, "://") {
			l = ansi.Hardwrap(l, width, true)
		}
		lines = append(lines, strings.Split(l, "\n")...)
	}
	return lines
}

// PadRight fills s with spaces to width cells, and always leaves at least
// one space after it (a label followed by its value).
func PadRight(s string, width int) string {
	if n := Width(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s + " "
}

// Fit cuts s to width cells (ending in "…" when cut) and pads it to exactly
// width cells, for a table column.
func Fit(s string, width int) string {
	s = ansi.Truncate(s, width, "…")
	if n := Width(s); n < width {
		s += strings.Repeat(" ", width-n)
	}
	return s
}

// Tone colours one field value.
type Tone int

const (
	Plain Tone = iota
	Accent
	Warning
)

// Detail is a titled block of labelled fields:
//
//	errcode 60020 (不安全的访问IP / Untrusted source IP)
//	  hint     1706848717432011565347844
//	  fix      The server's egress IP is not trusted. ...
type Detail struct {
	Title     string
	TitleTone Tone // Warning for an unknown code; otherwise bold
	Fields    []DetailField
}

// DetailField is one "label value" line of a Detail.
type DetailField struct {
	Label, Value string
	Tone         Tone
}

const detailLabelWidth = 9 // "from ip" and a space

// WriteDetail prints d. width > 0 (a terminal) wraps long values under
// their first line; width 0 (piped) keeps one line per field so grep and
// cut work.
func (t *Theme) WriteDetail(w io.Writer, d Detail, width int) {
	title := t.Bold(d.Title)
	if d.TitleTone == Warning {
		title = t.Warn(d.Title)
	}
	fmt.Fprintln(w, title)
	indent := strings.Repeat(" ", 2+detailLabelWidth)
	for _, f := range d.Fields {
		lines := []string{f.Value}
		if width > 0 {
			lines = Wrap(f.Value, width-len(indent))
		}
		for i, l := range lines {
			l = t.tone(f.Tone, l)
			if i == 0 {
				fmt.Fprintf(w, "  %s%s\n", t.Muted(PadRight(f.Label, detailLabelWidth)), l)
			} else {
				fmt.Fprintf(w, "%s%s\n", indent, l)
			}
		}
	}
}

func (t *Theme) tone(tone Tone, s string) string {
	switch tone {
	case Accent:
		return t.Accent(s)
	case Warning:
		return t.Warn(s)
	}
	return s
}

// Grid is rows of cells in aligned columns for a terminal, with section
// headings between rows. Column 0 is right-aligned (codes, numbers) and
// coloured as a key; the last column takes the width that is left.
type Grid struct {
	Header []string
	Max    []int // per column, the most cells it may take (0 = as wide as its widest cell)
	rows   []gridRow
}

type gridRow struct {
	cells   []string
	heading string // a section heading instead of cells
}

// Row adds a row; it must have as many cells as the header.
func (g *Grid) Row(cells ...string) { g.rows = append(g.rows, gridRow{cells: cells}) }

// Section starts a new section under a bold heading, after a blank line.
func (g *Grid) Section(heading string) { g.rows = append(g.rows, gridRow{heading: heading}) }

// WriteGrid prints g within width cells (the last column is cut with "…"
// to fit, but never below 20 cells).
func (t *Theme) WriteGrid(w io.Writer, g *Grid, width int) {
	n := len(g.Header)
	widths := make([]int, n)
	for i, h := range g.Header {
		widths[i] = Width(h)
	}
	for _, r := range g.rows {
		for i, c := range r.cells {
			widths[i] = max(widths[i], Width(c))
		}
	}
	used := 0
	for i := range n - 1 {
		if i < len(g.Max) && g.Max[i] > 0 {
			widths[i] = min(widths[i], g.Max[i])
		}
		used += widths[i] + 2
	}
	widths[n-1] = max(width-used, 20)
	line := func(cells []string) []string {
		out := make([]string, n)
		for i, c := range cells {
			switch {
			case i == 0:
				out[i] = fmt.Sprintf("%*s", widths[0], ansi.Truncate(c, widths[0], "…"))
			case i == n-1:
				out[i] = ansi.Truncate(c, widths[i], "…")
			default:
				out[i] = Fit(c, widths[i])
			}
		}
		return out
	}
	fmt.Fprintln(w, t.Bold(strings.Join(line(g.Header), "  ")))
	for _, r := range g.rows {
		if r.heading != "" {
			fmt.Fprintln(w)
			fmt.Fprintln(w, t.Bold(r.heading))
			continue
		}
		cells := line(r.cells)
		fmt.Fprintln(w, t.Accent(cells[0])+"  "+strings.Join(cells[1:], "  "))
	}
}
