package domaincheck

import (
	"bytes"
	"strings"
	"testing"
)

func TestDiagnoseBody(t *testing.T) {
	const tok = "AbCdEfGh12345678"
	cases := []struct {
		got, want string
		ok        bool
		detail    string
	}{
		{tok, tok, true, "exactly the expected content (16 bytes)"},
		{"", tok, false, "the body is empty"},
		{tok + "\n", tok, false, `a trailing newline (\n)`},
		{tok + "\r\n", tok, false, `a trailing CRLF (\r\n, Windows line ending)`},
		{"\ufeff" + tok, tok, false, "byte-order mark"},
		{" " + tok, tok, false, `leading whitespace " "`},
		{tok + "\n\n", tok, false, `trailing whitespace "\n\n"`},
		{"<html><body>404</body></html>", tok, false, "an HTML page"},
		{"\n  <!doctype html>", tok, false, "an HTML page"},
		{"ZZZZeeeeFFFF0000\n", tok, false, "wrong token"},
		{"token=" + tok, tok, false, "contains the expected content among other bytes"},
		{strings.Repeat("é", 100), tok, false, "... (200 bytes)"},
		// --file may carry any bytes; a trailing newline in the file is then expected.
		{"line\n", "line\n", true, "exactly"},
		{"line", "line\n", false, "unexpected content"},
	}
	for _, c := range cases {
		ok, detail := DiagnoseBody([]byte(c.got), []byte(c.want))
		if ok != c.ok || !strings.Contains(detail, c.detail) {
			t.Errorf("DiagnoseBody(%q, %q) = %v %q; want %v containing %q", c.got, c.want, ok, detail, c.ok, c.detail)
		}
	}
}

func FuzzDiagnoseBody(f *testing.F) {
	f.Add([]byte("AbCdEfGh12345678\n"), []byte("AbCdEfGh12345678"))
	f.Add([]byte("\xEF\xBB\xBF"), []byte(""))
	f.Add([]byte("<html>"), []byte("<html>"))
	f.Fuzz(func(t *testing.T, got, want []byte) {
		ok, detail := DiagnoseBody(got, want)
		if ok != bytes.Equal(got, want) {
			t.Fatalf("ok = %v for %q vs %q", ok, got, want)
		}
		if detail == "" {
			t.Fatal("no detail")
		}
	})
}
