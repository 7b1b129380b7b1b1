package domaincheck

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode/utf8"
)

// HasUsualName reports whether name has the shape of every observed
// verification file name, WW_verify_ + 16 letters or digits + .txt. The 16
// is observed, not documented, so a mismatch is only a warning.
func HasUsualName(name string) bool {
	tok, ok := TokenFromName(name)
	return ok && len(tok) == 16
}

const namePrefix, nameSuffix = "WW_verify_", ".txt"

// TokenFromName returns the part of WW_verify_TOKEN.txt that the file must
// contain, and false when name does not have that shape.
func TokenFromName(name string) (string, bool) {
	if !strings.HasPrefix(name, namePrefix) || !strings.HasSuffix(name, nameSuffix) {
		return "", false
	}
	tok := strings.TrimSuffix(strings.TrimPrefix(name, namePrefix), nameSuffix)
	if tok == "" || strings.TrimLeftFunc(tok, isTokenRune) != "" {
		return "", false
	}
	return tok, true
}

func isTokenRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// maxHostLen is the longest DNS name (RFC 1035: 253 characters written out).
const maxHostLen = 253

// Quote is %q of s, cut short when s is long, so that a mistaken paste
// (a whole file as the host) is not echoed back whole.
func Quote(s string) string {
	const keep = 60
	if len(s) <= keep+20 {
		return strconv.Quote(s)
	}
	cut := keep
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(s[:cut]), len(s))
}

// CheckName rejects names that cannot be a file at the web root: the file
// must sit directly under "/", and --write must not escape its directory.
func CheckName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("the file name is empty: pass --name WW_verify_XXXXXXXXXXXXXXXX.txt or --file PATH")
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("file name %s contains a path separator: WeCom only looks at the domain root, so give the bare name", Quote(name))
	case name == "." || name == "..":
		return fmt.Errorf("file name %q is not a file", name)
	case strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '?' || r == '#' || r == '%' }):
		return fmt.Errorf("file name %s contains spaces, control characters or URL syntax (?, #, %%): use the name exactly as downloaded", Quote(name))
	case len(name) > 255:
		return fmt.Errorf("file name %s is %d bytes long: no web server serves a name that long; use the name exactly as downloaded", Quote(name), len(name))
	}
	return nil
}

// ParseHost splits HOST[:PORT] (IPv6 literals in brackets when a port is
// given). port is "" when absent.
func ParseHost(arg string) (host, port string, err error) {
	if arg == "" {
		return "", "", fmt.Errorf("the host is empty: pass the domain, e.g. example.com")
	}
	if strings.Contains(arg, "://") || strings.Contains(arg, "/") {
		return "", "", fmt.Errorf("%s is a URL: pass the host only, e.g. example.com (choose the scheme with --scheme)", Quote(arg))
	}
	if strings.ContainsFunc(arg, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '?' || r == '#' || r == '@' }) {
		return "", "", fmt.Errorf("%s is not a host name", Quote(arg))
	}
	// HOST:PORT adds at most 8 characters ("[]:65535") to the name.
	if len(arg) > maxHostLen+8 {
		return "", "", fmt.Errorf("%s is %d characters long: a host name has at most %d", Quote(arg), len(arg), maxHostLen)
	}
	host, port, err = splitHost(arg)
	if err == nil && len(host) > maxHostLen {
		return "", "", fmt.Errorf("%s is %d characters long: a host name has at most %d", Quote(host), len(host), maxHostLen)
	}
	return host, port, err
}

func splitHost(arg string) (host, port string, err error) {
	if ip := net.ParseIP(strings.Trim(arg, "[]")); ip != nil && !strings.Contains(strings.TrimPrefix(arg, "["), "]:") {
		return strings.Trim(arg, "[]"), "", nil
	}
	if !strings.Contains(arg, ":") {
		return arg, "", nil
	}
	host, port, err = net.SplitHostPort(arg)
	if err != nil {
		return "", "", fmt.Errorf("%q is not HOST or HOST:PORT: %w", arg, err)
	}
	if host == "" {
		return "", "", fmt.Errorf("%q has no host", arg)
	}
	if n, perr := strconv.Atoi(port); perr != nil || n < 1 || n > 65535 {
		return "", "", fmt.Errorf("port %q in %q is not a number from 1 to 65535", port, arg)
	}
	return host, port, nil
}
