package jssdk

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Warning is something the user should know about a signature that was
// still computed. Code is stable (for tests and --json); Message is prose.
type Warning struct {
	Code    string
	Message string
}

// Warning codes.
const (
	WarnFragmentStripped = "fragment_stripped"
	WarnNonASCII         = "non_ascii_url"
	WarnNotBrowserForm   = "not_browser_form"
)

// URLWarnings reports why the page's own location.href may not equal u
// (u is already without fragment): raw non-ASCII characters (signed as
// UTF-8, which @wecom/jssdk.getSignature does not do) or a form a browser
// would normalize (case, default port, missing "/" path).
func URLWarnings(u string) []Warning {
	form := BrowserForm(u)
	if chars := NonASCII(u); len(chars) > 0 {
		msg := fmt.Sprintf("the URL contains non-ASCII characters (%s): signed as UTF-8 bytes, "+
			"but @wecom/jssdk getSignature would give a different signature for it. "+
			"Browsers percent-encode location.href; sign that form instead: %s", strings.Join(chars, " "), form)
		return []Warning{{Code: WarnNonASCII, Message: msg}}
	}
	if form != u {
		return []Warning{{Code: WarnNotBrowserForm, Message: fmt.Sprintf(
			"a browser reports this page's location.href as %s, and the signature must be over exactly that; "+
				"signed the URL as given", form)}}
	}
	return nil
}

// NonASCII returns the distinct non-ASCII characters of s in order of
// first appearance (invalid UTF-8 bytes are shown as \xNN).
func NonASCII(s string) []string {
	var out []string
	seen := map[string]bool{}
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		c := string(r)
		if r == utf8.RuneError && size == 1 {
			c = fmt.Sprintf(`\x%02x`, s[i])
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
		i += size
	}
	return out
}

// HasNonASCII reports whether s has any byte outside ASCII.
func HasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// BrowserForm approximates what a browser's location.href shows for u
// (without fragment): lowercase scheme and host, IDN host labels in
// punycode, no default port, "/" for an empty path, and non-ASCII bytes of
// userinfo, path and query percent-encoded as UTF-8. It does not resolve
// dot segments or encode ASCII punctuation. Input that is not
// scheme://authority is returned unchanged.
func BrowserForm(u string) string {
	i := strings.Index(u, "://")
	if i <= 0 {
		return u
	}
	scheme := strings.ToLower(u[:i])
	rest := u[i+3:]
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	userinfo, hostport := "", authority
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		userinfo, hostport = percentEncodeNonASCII(authority[:at+1]), authority[at+1:]
	}
	host, port := splitHostPort(hostport)
	host = asciiHost(host)
	if port == defaultPort(scheme) {
		port = ""
	}
	path, query := tail, ""
	if q := strings.IndexByte(tail, '?'); q >= 0 {
		path, query = tail[:q], tail[q:]
	}
	if path == "" {
		path = "/"
	}
	out := scheme + "://" + userinfo + host
	if port != "" {
		out += ":" + port
	}
	return out + percentEncodeNonASCII(path) + percentEncodeNonASCII(query)
}

func splitHostPort(hp string) (host, port string) {
	if strings.HasPrefix(hp, "[") { // IPv6 literal
		if j := strings.IndexByte(hp, ']'); j >= 0 {
			host, rest := hp[:j+1], hp[j+1:]
			if strings.HasPrefix(rest, ":") {
				return host, rest[1:]
			}
			return host, ""
		}
		return hp, ""
	}
	if j := strings.LastIndexByte(hp, ':'); j >= 0 {
		return hp[:j], hp[j+1:]
	}
	return hp, ""
}

func defaultPort(scheme string) string {
	switch scheme {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// browserIDNA is UTS #46 processing as the WHATWG URL standard's "domain
// to ASCII" does it (what location.href shows): case, width and
// compatibility mapping with NFC ("ＡＢＣ" -> "abc", ideographic full stops
// -> "."), nontransitional (ß stays ß and is punycoded), no STD3 or hyphen
// rules and no DNS length limit; joiners and the bidi rule are checked.
var browserIDNA = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false),
	idna.CheckHyphens(false), idna.BidiRule(), idna.VerifyDNSLength(false))

// asciiHost writes host as a browser does: lowercase, IDN labels in
// punycode ("xn--..."). A host a browser would reject is still made ASCII
// (lowercase, plain punycode), so the advice can show it.
func asciiHost(host string) string {
	if strings.HasPrefix(host, "[") { // IPv6 literal
		return strings.ToLower(host)
	}
	if a, err := browserIDNA.ToASCII(host); err == nil {
		return a
	}
	a, _ := idna.Punycode.ToASCII(strings.ToLower(host))
	return a
}

func percentEncodeNonASCII(s string) string {
	if !HasNonASCII(s) {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < utf8.RuneSelf {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
