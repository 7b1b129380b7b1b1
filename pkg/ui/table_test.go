package ui

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
)

func TestTableAlignsByTerminalCells(t *testing.T) {
	var b bytes.Buffer
	tb := New(&b, false).NewTable("NAME", "CORP", "NOTE")
	tb.AddRow("default", "ww1", "x")
	tb.AddRow("生产", "ww22") // two CJK characters are four cells wide
	if err := tb.Render(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	want := []string{
		"NAME     CORP  NOTE",
		"default  ww1   x",
		"生产     ww22",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), strings.Join(want, "\n"))
	}
	// The second column starts at the same cell on every line.
	for _, l := range lines {
		if i := strings.Index(l, "CORP"); i < 0 {
			if i = strings.Index(l, "ww"); runewidth.StringWidth(l[:i]) != 9 {
				t.Errorf("misaligned: %q", l)
			}
		}
	}
}

func TestTableHeaderIsBoldWithColour(t *testing.T) {
	var b bytes.Buffer
	tb := New(&b, true).NewTable("NAME")
	tb.AddRow("a")
	tb.Render(&b)
	if !strings.HasPrefix(b.String(), "\x1b[") || !strings.HasSuffix(b.String(), "\na\n") {
		t.Fatalf("got %q", b.String())
	}
}
