package errcode

import (
	"net/netip"
	"strconv"
	"strings"
)

// WeCom errmsg anatomy (observed, both old and new hint formats):
//
//	not allow to access from your ip, hint: [1706848717432011565347844], from ip: 139.227.20.128, more info at https://open.work.weixin.qq.com/devtool/query?e=60020
//
// The parser below is deliberately forgiving: parts may be missing, empty
// (`from ip: ,`) or in another order, and every value it returns is a
// substring of the input.

const (
	hintMarker = "hint:"
	ipMarker   = "from ip:"
	moreMarker = "more info at"
)

// ParseErrmsg extracts the request hint, the caller's egress IP and the
// more-info URL from an errmsg. Missing parts come back empty.
func ParseErrmsg(errmsg string) (hint, fromIP, moreInfoURL string) {
	return parseHint(errmsg), parseFromIP(errmsg), parseMoreInfo(errmsg)
}

// TrimErrmsg returns the human part of an errmsg, without the hint, from ip
// and more-info suffixes ("not allow to access from your ip").
func TrimErrmsg(errmsg string) string {
	end := len(errmsg)
	for _, m := range []string{hintMarker, ipMarker, moreMarker} {
		if i := indexFold(errmsg, m); i >= 0 && i < end {
			end = i
		}
	}
	return strings.TrimRight(strings.TrimSpace(errmsg[:end]), ",; ")
}

func parseHint(s string) string {
	i := indexFold(s, hintMarker)
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(s[i+len(hintMarker):], " ")
	if strings.HasPrefix(rest, "[") {
		if end := strings.IndexByte(rest, ']'); end >= 0 {
			return strings.TrimSpace(rest[1:end])
		}
		rest = rest[1:]
	}
	// No brackets (or an unclosed one): the hint runs to the next separator.
	if end := strings.IndexAny(rest, ", \t\r\n]"); end >= 0 {
		rest = rest[:end]
	}
	return rest
}

func parseFromIP(s string) string {
	i := indexFold(s, ipMarker)
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(s[i+len(ipMarker):], " ")
	end := 0
	for end < len(rest) && isIPChar(rest[end]) {
		end++
	}
	ip := rest[:end]
	// Whatever follows must end the value, or it was not an address.
	if end < len(rest) && !strings.ContainsRune(", \t\r\n;)]\"", rune(rest[end])) {
		return ""
	}
	ip = strings.TrimRight(ip, ".")
	if _, err := netip.ParseAddr(ip); err != nil {
		return ""
	}
	return ip
}

// isIPChar accepts IPv4 and IPv6 text (hex digits, dots, colons).
func isIPChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.' || c == ':'
}

func parseMoreInfo(s string) string {
	start := -1
	if i := indexFold(s, moreMarker); i >= 0 {
		rest := s[i+len(moreMarker):]
		start = i + len(moreMarker) + (len(rest) - len(strings.TrimLeft(rest, " ")))
	} else if i := strings.Index(s, "https://open.work.weixin.qq.com/devtool/"); i >= 0 {
		start = i
	}
	if start < 0 || start >= len(s) {
		return ""
	}
	u := s[start:]
	if end := strings.IndexAny(u, " \t\r\n\"'<>"); end >= 0 {
		u = u[:end]
	}
	u = strings.TrimRight(u, ".,;)]")
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return ""
	}
	return u
}

// CodeFromErrmsg reads the errcode WeCom puts in the more-info link
// (`...devtool/query?e=60020`), so a pasted errmsg alone is enough. The
// link may be shortened, as docs and chats do: "more info at ...?e=60020".
func CodeFromErrmsg(errmsg string) (int, bool) {
	u := parseMoreInfo(errmsg)
	if u == "" {
		u = shortMoreInfo(errmsg)
	}
	if u == "" {
		return 0, false
	}
	q := strings.IndexByte(u, '?')
	if q < 0 {
		return 0, false
	}
	for _, kv := range strings.Split(u[q+1:], "&") {
		if v, ok := strings.CutPrefix(kv, "e="); ok {
			if end := strings.IndexByte(v, '#'); end >= 0 {
				v = v[:end]
			}
			code, err := strconv.ParseInt(v, 10, 32)
			if err != nil {
				return 0, false
			}
			return int(code), true
		}
	}
	return 0, false
}

// shortMoreInfo is the word after "more info at" when it is not a whole
// URL but still carries a query ("...?e=40001").
func shortMoreInfo(s string) string {
	i := indexFold(s, moreMarker)
	if i < 0 {
		return ""
	}
	word := strings.TrimLeft(s[i+len(moreMarker):], " ")
	if end := strings.IndexAny(word, " \t\r\n\"'<>"); end >= 0 {
		word = word[:end]
	}
	word = strings.TrimRight(word, ".,;)]")
	if !strings.Contains(word, "?") {
		return ""
	}
	return word
}

// indexFold is strings.Index ignoring ASCII case; sub must be lower-case
// ASCII (our markers), so byte offsets stay valid in the original string.
func indexFold(s, sub string) int {
	n := len(sub)
outer:
	for i := 0; i+n <= len(s); i++ {
		for j := 0; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				continue outer
			}
		}
		return i
	}
	return -1
}
