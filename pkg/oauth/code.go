package oauth

import (
	"errors"
	"net/url"
	"strings"
)

// ErrNoCodeInURL: the input is a URL (or its query) without a code.
var ErrNoCodeInURL = errors.New("that is a URL without a code= parameter")

// CodeFromInput takes what a user pasted as a login code: the code itself,
// or the whole redirect URL (or just its query) that carries it, as WeCom
// sends the browser to redirect_uri?code=CODE&state=STATE. It returns the
// code and whether it was taken out of a URL. A URL without a code gives
// ErrNoCodeInURL. Codes never contain "://", "?" or "&", so a real code is
// always returned unchanged.
func CodeFromInput(s string) (code string, fromURL bool, err error) {
	query, ok := redirectQuery(s)
	if !ok {
		return s, false, nil
	}
	values, _ := url.ParseQuery(query) // a malformed pair elsewhere must not hide the code
	code = values.Get("code")
	if code == "" {
		return "", true, ErrNoCodeInURL
	}
	return code, true, nil
}

// redirectQuery finds the query part of a pasted URL, "?code=...", or
// "code=...&state=...".
func redirectQuery(s string) (string, bool) {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		q, _, _ := strings.Cut(s[i+1:], "#")
		return q, true
	}
	if strings.Contains(s, "://") {
		return "", true
	}
	if strings.HasPrefix(s, "code=") || strings.Contains(s, "&") {
		return s, true
	}
	return "", false
}
