package ui

import (
	"bytes"
	"strings"
	"testing"
)

// One width function: a table, padded labels and wrapped text next to it
// measure emoji sequences and CJK the same way, so they line up.
func TestTableAndWrappedTextShareOneWidth(t *testing.T) {
	const (
		zwj    = "👩🏽\u200d💻" // woman technologist, medium skin tone: one grapheme, two cells
		heart  = "❤\ufe0f"   // emoji presentation selector: two cells, not one
		family = "👨\u200d👩\u200d👧"
	)
	for s, want := range map[string]int{zwj: 2, heart: 2, family: 2, "生产": 4, "\x1b[1m生产\x1b[0m": 4} {
		if got := Width(s); got != want {
			t.Errorf("Width(%q) = %d, want %d", s, got, want)
		}
	}

	var b bytes.Buffer
	tb := New(&b, false).NewTable("PROFILE", "CORP ID", "NOTE")
	tb.AddRow(zwj+" dev", "ww1", "已部署 "+heart)
	tb.AddRow(heart+" 生产环境", "ww22")
	tb.AddRow(family, "ww333")
	if err := tb.Render(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	col := Width("PROFILE  ")
	if w := Width(heart + " 生产环境  "); w > col {
		col = w
	}
	for i, l := range lines {
		at := strings.Index(l, "ww")
		if i == 0 {
			at = strings.Index(l, "CORP ID")
		}
		if at < 0 || Width(l[:at]) != col {
			t.Errorf("line %d %q: second column at cell %d, want %d", i, l, Width(l[:max(at, 0)]), col)
		}
	}

	// A label padded to the table's first column starts its value where
	// the table's second column starts.
	label := PadRight(heart+" 生产环境", col)
	if Width(label) != col {
		t.Errorf("PadRight(%q) is %d cells, want %d", label, Width(label), col)
	}

	// Text wrapped to the table's width stays within it.
	width := 0
	for _, l := range lines {
		width = max(width, Width(l))
	}
	text := strings.Repeat(zwj+" 部署完成 "+heart+" "+family+" 生产环境已更新 ", 4)
	wrapped := Wrap(text, width)
	if len(wrapped) < 2 {
		t.Fatalf("Wrap(%d) did not wrap: %q", width, wrapped)
	}
	for _, l := range wrapped {
		if Width(l) > width {
			t.Errorf("wrapped line %q is %d cells, wider than the table's %d", l, Width(l), width)
		}
	}
}
