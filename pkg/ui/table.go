package ui

import (
	"io"
	"strings"
)

// Table lays rows out in aligned columns for a terminal, with a header
// row. Widths are terminal cells counted by Width, as everywhere in ui, so
// CJK text (two cells a character) and emoji sequences stay aligned.
// Piped output should not use a Table: print one record per line (or
// --json) instead.
type Table struct {
	theme  *Theme
	header []string
	rows   [][]string
}

// NewTable starts a table with these column headers.
func (t *Theme) NewTable(header ...string) *Table {
	return &Table{theme: t, header: header}
}

// AddRow adds one row; missing cells are empty, extra cells are dropped.
func (tb *Table) AddRow(cells ...string) {
	row := make([]string, len(tb.header))
	copy(row, cells)
	tb.rows = append(tb.rows, row)
}

// Render writes the header (bold) and the rows, two spaces between
// columns and no trailing spaces.
func (tb *Table) Render(w io.Writer) error {
	widths := make([]int, len(tb.header))
	for _, row := range append([][]string{tb.header}, tb.rows...) {
		for i, c := range row {
			if n := Width(c); n > widths[i] {
				widths[i] = n
			}
		}
	}
	var b strings.Builder
	line := func(row []string, style func(string) string) {
		var l strings.Builder
		for i, c := range row {
			if i > 0 {
				l.WriteString("  ")
			}
			cell := c
			if i < len(row)-1 {
				cell += strings.Repeat(" ", widths[i]-Width(c))
			}
			l.WriteString(style(cell))
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteByte('\n')
	}
	line(tb.header, tb.theme.Bold)
	for _, row := range tb.rows {
		line(row, func(s string) string { return s })
	}
	_, err := io.WriteString(w, b.String())
	return err
}
