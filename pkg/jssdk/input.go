package jssdk

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// WarnImplausibleTimestamp: see TimestampWarning.
const WarnImplausibleTimestamp = "implausible_timestamp"

// InputError is invalid user input; Field names what was wrong ("url",
// "ticket", "nonce", "timestamp", "verify") and the message names the fix.
type InputError struct {
	Field string
	Msg   string
}

func (e *InputError) Error() string { return e.Msg }

func inputErrorf(field, format string, a ...any) error {
	return &InputError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// MaxNonceLen bounds the nonce. WeCom's docs only say "a random string";
// 32 is the limit WeChat uses for its noncestr fields and leaves room for a
// hex UUID without dashes.
const MaxNonceLen = 32

// ValidateTicket rejects an empty ticket or one with whitespace or control
// characters, which only appear when a ticket was copied badly.
func ValidateTicket(t string) error {
	if t == "" {
		return inputErrorf("ticket", "the jsapi_ticket is empty: pass the ticket from `wwcli ticket` (or `wwcli ticket --agent`)")
	}
	if !utf8.ValidString(t) {
		return inputErrorf("ticket", "the jsapi_ticket is not valid UTF-8: copy the ticket exactly (WeCom's tickets are letters, digits, '-' and '_')")
	}
	for _, r := range t {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return inputErrorf("ticket", "the jsapi_ticket contains whitespace or a control character: copy the ticket exactly, without spaces or newlines")
		}
	}
	return nil
}

// ValidateNonce accepts 1 to MaxNonceLen ASCII letters and digits. The docs
// allow "a random string", but the nonce is pasted into string1 unescaped:
// '&' or '=' would make it ambiguous, and the official SDKs generate
// alphanumerics only, so we allow exactly that.
func ValidateNonce(n string) error {
	if n == "" {
		return inputErrorf("nonce", "the nonce is empty: omit --nonce for a random one, or pass the nonceStr the page was given")
	}
	if len(n) > MaxNonceLen {
		return inputErrorf("nonce", "the nonce is %d characters long: use at most %d letters and digits", len(n), MaxNonceLen)
	}
	for i := 0; i < len(n); i++ {
		if !isAlnum(n[i]) {
			return inputErrorf("nonce", "the nonce %q has characters other than A-Z, a-z, 0-9: use letters and digits only (omit --nonce for a random one)", n)
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// ParseTimestamp reads Unix seconds: decimal digits, no sign, no leading
// zero, at most 10 digits. A 13-digit value is Date.now() in milliseconds,
// the most common mistake, and gets its own message.
func ParseTimestamp(s string) (int64, error) {
	if s == "" {
		return 0, inputErrorf("timestamp", "the timestamp is empty: omit --timestamp for now, or pass Unix seconds such as 1414587457")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, inputErrorf("timestamp", "the timestamp %q is not Unix seconds: use decimal digits only, such as 1414587457", s)
		}
	}
	switch {
	case len(s) == 13:
		return 0, inputErrorf("timestamp", "the timestamp %s looks like milliseconds: WeCom wants seconds, not milliseconds (use %s, i.e. Math.floor(Date.now()/1000))", s, s[:10])
	case len(s) > 10:
		return 0, inputErrorf("timestamp", "the timestamp %s has %d digits: WeCom wants Unix seconds, 10 digits today (e.g. 1414587457)", s, len(s))
	case s[0] == '0':
		// The page sends the number back; "0123" would be signed as text the page never sends.
		return 0, inputErrorf("timestamp", "the timestamp %q is zero or has a leading zero: pass Unix seconds such as 1414587457", s)
	}
	var v int64
	for i := 0; i < len(s); i++ {
		v = v*10 + int64(s[i]-'0')
	}
	return v, nil
}

// minPlausibleTimestamp is 2001-09-09, the first 10-digit Unix time:
// WeCom and its JS-SDK came much later, so anything before it is a typo
// or a unit mistake, not the time a page was signed.
const minPlausibleTimestamp = 1_000_000_000

// TimestampWarning reports a timestamp that cannot be the time a page
// was signed (before 2001). It is not an error: --verify may have to
// check what a broken signer really sent.
func TimestampWarning(ts int64) (Warning, bool) {
	if ts >= minPlausibleTimestamp {
		return Warning{}, false
	}
	return Warning{Code: WarnImplausibleTimestamp, Message: fmt.Sprintf(
		"the timestamp %d is %s, long before WeCom existed: pass the Unix seconds the page was given "+
			"(10 digits, e.g. 1414587457), or omit --timestamp for now",
		ts, time.Unix(ts, 0).UTC().Format("2006-01-02 15:04:05 UTC"))}, true
}

// StripFragment removes '#' and everything after it, as the page does with
// location.href.split('#')[0]. It returns the fragment (without '#') and
// whether there was one, so callers can tell the user.
func StripFragment(u string) (stripped, fragment string, had bool) {
	i := strings.IndexByte(u, '#')
	if i < 0 {
		return u, "", false
	}
	return u[:i], u[i+1:], true
}

// ValidateURL checks that u (already without fragment) can be a page's
// location.href: absolute, http or https, with a host, and free of
// whitespace and control characters, which browsers always percent-encode.
func ValidateURL(u string) error {
	if u == "" {
		return inputErrorf("url", "the URL is empty: pass the full page URL, e.g. --url 'https://example.com/page?x=1'")
	}
	if !utf8.ValidString(u) {
		// The page signs location.href, which is always valid UTF-8: a
		// stray byte would be signed as is and printed as U+FFFD, so the
		// "url" shown would not be the URL signed.
		return inputErrorf("url", "the URL %q is not valid UTF-8: pass location.href as the browser shows it (non-ASCII as UTF-8, or percent-encoded)", u)
	}
	for _, r := range u {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return inputErrorf("url", "the URL %q contains whitespace or a control character: browsers percent-encode them (a space is %%20); quote the URL and copy location.href exactly", u)
		}
	}
	p, err := url.Parse(u)
	if err != nil {
		return inputErrorf("url", "the URL %q does not parse (%v): pass the page's full location.href", u, unwrapURLError(err))
	}
	if p.Scheme == "" {
		return inputErrorf("url", "the URL %q is relative: pass the full URL with scheme and host, e.g. https://example.com%s", u, ensureSlash(u))
	}
	if s := strings.ToLower(p.Scheme); s != "http" && s != "https" {
		return inputErrorf("url", "the URL scheme %q is not http or https: the JS-SDK only runs on web pages served over http(s)", p.Scheme)
	}
	if p.Opaque != "" || p.Host == "" {
		return inputErrorf("url", "the URL %q has no host: write it as %s://host/path", u, strings.ToLower(p.Scheme))
	}
	return nil
}

func ensureSlash(u string) string {
	if strings.HasPrefix(u, "/") {
		return u
	}
	return "/" + u
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
