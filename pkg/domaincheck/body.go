package domaincheck

import (
	"bytes"
	"fmt"
	"strings"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// DiagnoseBody compares a served body with the expected content and, when
// they differ, names the difference the way a person would fix it.
func DiagnoseBody(got, want []byte) (bool, string) {
	if bytes.Equal(got, want) {
		return true, fmt.Sprintf("exactly the expected content (%d bytes)", len(want))
	}
	if len(got) == 0 {
		return false, fmt.Sprintf("the body is empty; expected %s", quote(want))
	}
	var issues []string
	rest := got
	if bytes.HasPrefix(rest, utf8BOM) && !bytes.HasPrefix(want, utf8BOM) {
		issues = append(issues, "starts with a UTF-8 byte-order mark (EF BB BF): save the file as UTF-8 without BOM")
		rest = rest[len(utf8BOM):]
	}
	if bytes.Equal(rest, want) {
		return false, strings.Join(issues, "; ")
	}
	if trimmed := bytes.TrimSpace(rest); len(trimmed) > 0 && bytes.Equal(trimmed, bytes.TrimSpace(want)) && bytes.Equal(want, bytes.TrimSpace(want)) {
		start := bytes.Index(rest, trimmed)
		lead, trail := rest[:start], rest[start+len(trimmed):]
		if len(lead) > 0 {
			issues = append(issues, fmt.Sprintf("leading whitespace %s", quote(lead)))
		}
		switch {
		case len(trail) == 0:
		case string(trail) == "\n":
			issues = append(issues, `a trailing newline (\n)`)
		case string(trail) == "\r\n":
			issues = append(issues, `a trailing CRLF (\r\n, Windows line ending)`)
		default:
			issues = append(issues, fmt.Sprintf("trailing whitespace %s", quote(trail)))
		}
		return false, strings.Join(issues, "; ") + ": the file must hold the token only, with no newline"
	}
	trimmed := bytes.TrimSpace(rest)
	switch {
	case looksLikeHTML(trimmed):
		issues = append(issues, fmt.Sprintf("an HTML page (%d bytes), not the verification file: a single-page-app fallback, error or login page answers this URL", len(got)))
	case isToken(trimmed) && isToken(want) && len(trimmed) == len(want):
		issues = append(issues, fmt.Sprintf("wrong token: got %s, expected %s (a file from another app or an old download?)", quote(trimmed), quote(want)))
	case bytes.Contains(rest, want):
		issues = append(issues, fmt.Sprintf("contains the expected content among other bytes: %s", quote(got)))
	default:
		issues = append(issues, fmt.Sprintf("unexpected content %s; expected %s", quote(got), quote(want)))
	}
	return false, strings.Join(issues, "; ")
}

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !isTokenRune(rune(c)) {
			return false
		}
	}
	return true
}

func looksLikeHTML(b []byte) bool {
	head := bytes.ToLower(b[:min(len(b), 512)])
	if !bytes.HasPrefix(head, []byte("<")) {
		return false
	}
	for _, tag := range []string{"<!doctype html", "<html", "<head", "<body", "<title", "<script", "<meta"} {
		if bytes.Contains(head, []byte(tag)) {
			return true
		}
	}
	return false
}

// quote shows at most 60 bytes of b, escaped, so a whole page never floods
// the terminal.
func quote(b []byte) string {
	const max = 60
	if len(b) > max {
		return fmt.Sprintf("%q... (%d bytes)", b[:max], len(b))
	}
	return fmt.Sprintf("%q", b)
}
