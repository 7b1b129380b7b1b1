package jssdk

import (
	"strconv"
	"strings"
	"unicode/utf16"
)

// LowByteSignature reproduces @wecom/jssdk getSignature: its bundled SHA-1
// keeps only the low byte of each UTF-16 code unit, so it equals Signature
// for ASCII input and differs for anything else. Used to explain
// mismatches, never to sign.
func LowByteSignature(ticket, nonceStr, timestamp, url string) string {
	units := utf16.Encode([]rune(String1(ticket, nonceStr, timestamp, url)))
	b := make([]byte, len(units))
	for i, u := range units {
		b[i] = byte(u)
	}
	return hashHex(string(b))
}

// DiagnoseMismatch looks for a common signing mistake that would produce
// given for r (which must be valid) and returns one sentence per mistake
// that matches. An empty result means no known variant explains it: the
// ticket, nonce or timestamp differ, or the ticket is of the other kind.
func DiagnoseMismatch(r Request, given string) []string {
	res, err := r.Sign()
	if err != nil {
		return nil
	}
	ts := strconv.FormatInt(res.Timestamp, 10)
	sig := func(u string) string { return Signature(r.Ticket, r.NonceStr, ts, u) }
	var out []string
	try := func(ok bool, msg string) {
		if ok {
			out = append(out, msg)
		}
	}
	if r.URL != res.URL {
		try(Equal(sig(r.URL), given), "it matches the URL with its #fragment: the signer must drop '#' and what follows")
	}
	if form := BrowserForm(res.URL); form != res.URL {
		try(Equal(sig(form), given), "it matches the browser form of the URL, "+form+": sign exactly the page's location.href")
	}
	if HasNonASCII(res.URL) {
		try(Equal(LowByteSignature(r.Ticket, r.NonceStr, ts, res.URL), given),
			"it matches @wecom/jssdk getSignature's byte-truncating hash of the non-ASCII URL: percent-encode the URL on both sides")
	}
	if q := strings.IndexByte(res.URL, '?'); q >= 0 {
		try(Equal(sig(res.URL[:q]), given), "it matches the URL without its query string: sign the full URL including ?query")
	}
	if alt := toggleTrailingSlash(res.URL); alt != "" {
		try(Equal(sig(alt), given), "it matches "+alt+" (trailing slash differs): sign exactly the page's URL")
	}
	try(Equal(Signature(r.Ticket, r.NonceStr, ts+"000", res.URL), given),
		"it matches the timestamp in milliseconds ("+ts+"000): sign with seconds")
	return out
}

// toggleTrailingSlash adds or removes a final "/" of the path ("" when the
// path is just "/" or there is none).
func toggleTrailingSlash(u string) string {
	path, query := u, ""
	if q := strings.IndexByte(u, '?'); q >= 0 {
		path, query = u[:q], u[q:]
	}
	schemeEnd := strings.Index(path, "://")
	if schemeEnd < 0 || !strings.Contains(path[schemeEnd+3:], "/") {
		return ""
	}
	if strings.HasSuffix(path, "/") {
		trimmed := strings.TrimSuffix(path, "/")
		if !strings.Contains(trimmed[schemeEnd+3:], "/") {
			return "" // the root "/" cannot go: the browser always shows it
		}
		return trimmed + query
	}
	return path + "/" + query
}
