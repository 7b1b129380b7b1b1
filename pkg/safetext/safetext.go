// Package safetext makes text fit to show a person: control characters that
// came from the network are escaped so they cannot drive the terminal, and
// the query parameters that carry secrets are masked. It is pure: no I/O.
package safetext

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Escape renders the characters of s that a terminal would act on visibly,
// e.g. ESC as `\x1b`: C0 controls except newline and tab (so also \r, which
// could overwrite what was printed), DEL, C1 controls, bytes that are not
// UTF-8 (an 8-bit terminal reads 0x9b as CSI) and the bidi overrides that
// reorder what is shown. An errmsg such as "\x1b]52;c;..." (a clipboard
// write) is then shown as text instead of being obeyed.
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && unsafeRune(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeRune(r) {
			return true
		}
		i += size
	}
	return false
}

func unsafeRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r == 0x7f: // C0, DEL
		return true
	case r >= 0x80 && r <= 0x9f: // C1: CSI, OSC, ... in one character
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi embeddings, overrides, isolates
		return true
	}
	return false
}

// secretParams are the query parameters (and JSON fields) whose values are
// credentials or grant one: app and suite secrets, tokens, tickets, OAuth
// and mini-program codes, and a group robot's webhook key. Both the API
// client's --debug log and the sandbox's request log mask them.
var secretParams = []string{
	"access_token", "corpsecret", "secret",
	"suite_secret", "suite_ticket", "suite_access_token",
	"provider_secret", "provider_access_token",
	"permanent_code", "pre_auth_code", "auth_code",
	"code", "js_code", "user_ticket",
	"key",
}

// IsSecretParam reports whether the (decoded) parameter name carries a
// secret. Names are compared without regard to case, so "Access_Token" is
// masked too.
func IsSecretParam(name string) bool {
	for _, p := range secretParams {
		if strings.EqualFold(name, p) {
			return true
		}
	}
	return false
}

// RedactQuery renders a raw query string for a log with the values of
// secret parameters replaced by mask. Names are compared decoded, as a
// server reads them, so "corp%73ecret" is masked like "corpsecret". A pair
// that does not decode is masked whole: a server drops it, but its value
// may still be a mistyped secret (so is a pair holding ";", which Go's
// servers drop too). The order of the pairs is kept, and every
// name and value is encoded again, so no control character survives.
func RedactQuery(raw, mask string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, part := range parts {
		rawName, rawValue, hasValue := strings.Cut(part, "=")
		name, nameErr := url.QueryUnescape(rawName)
		value, valueErr := url.QueryUnescape(rawValue)
		unreadable := nameErr != nil || valueErr != nil || strings.Contains(part, ";")
		if nameErr != nil {
			name = rawName
		}
		switch {
		case unreadable || (hasValue && IsSecretParam(name)):
			parts[i] = url.QueryEscape(name) + "=" + mask
		case hasValue:
			parts[i] = url.QueryEscape(name) + "=" + url.QueryEscape(value)
		default:
			parts[i] = url.QueryEscape(name)
		}
	}
	return strings.Join(parts, "&")
}
