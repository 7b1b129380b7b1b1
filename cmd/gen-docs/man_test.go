package main

import (
	"strings"
	"testing"
)

// unroff undoes roffText: what man would print for an escaped text.
func unroff(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, `\&`)
	}
	s = strings.ReplaceAll(strings.Join(lines, "\n"), `\-`, "-")
	return strings.ReplaceAll(s, `\e`, `\`)
}

// FuzzRoffText: help text can hold anything (URLs, regexps, Windows paths);
// no line of it may turn into a roff request, and man must print it back
// unchanged.
func FuzzRoffText(f *testing.F) {
	for _, seed := range []string{
		"", ".TH fake", "'quoted", `C:\Users\me`, "--json", `\-`, "a\n.b\n'c", `\fBbold\fR`, "...", "line\\", "\\&.x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := roffText(s)
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
				t.Fatalf("roffText(%q) has a control line %q", s, l)
			}
		}
		if back := unroff(out); back != s {
			t.Fatalf("roffText(%q) prints back as %q", s, back)
		}
	})
}

func TestRoffParagraphsKeepsTablesAndRefillsProse(t *testing.T) {
	got := roffParagraphs("Prose that\nman may refill.\n\n  CODE  meaning\n  2     usage\n")
	want := "Prose that\nman may refill.\n.PP\n.nf\n  CODE  meaning\n  2     usage\n.fi"
	if got != want {
		t.Fatalf("roffParagraphs =\n%s\nwant\n%s", got, want)
	}
}
