package signserve

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Origin is a page origin CORS allows: scheme, host and a port, where
// AnyPort ("host:*") matches every port, the default one included.
type Origin struct {
	Scheme  string
	Host    string // lowercase, IPv6 in brackets
	Port    string // "" = the scheme's default port
	AnyPort bool
}

func (o Origin) String() string {
	s := o.Scheme + "://" + o.Host
	switch {
	case o.AnyPort:
		s += ":*"
	case o.Port != "":
		s += ":" + o.Port
	}
	return s
}

// DefaultOrigins are the pages of a local dev server, on IPv4 or IPv6.
func DefaultOrigins() []Origin {
	return []Origin{
		{Scheme: "http", Host: "localhost", AnyPort: true},
		{Scheme: "http", Host: "127.0.0.1", AnyPort: true},
		{Scheme: "http", Host: "[::1]", AnyPort: true},
	}
}

// ParseOrigin reads an --allow-origin value: scheme://host[:port], with
// ":*" for any port, e.g. https://dev.example.com or http://192.168.1.5:*.
func ParseOrigin(s string) (Origin, error) {
	bad := func(why string) (Origin, error) {
		return Origin{}, fmt.Errorf("origin %q %s: write scheme://host[:port] as the page's address bar shows it, e.g. http://localhost:5173 or https://dev.example.com (\":*\" for any port)", s, why)
	}
	if s == "*" {
		return bad("would allow every web page to get signatures")
	}
	anyPort := false
	raw := s
	if strings.HasSuffix(raw, ":*") {
		anyPort = true
		raw = strings.TrimSuffix(raw, ":*")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return bad("is not an origin")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return bad("is not http or https")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return bad("has more than scheme, host and port")
	}
	port := u.Port()
	if port != "" {
		if anyPort {
			return bad("has a port and \":*\"")
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return bad("has an invalid port")
		}
		if port == defaultPort(scheme) {
			port = ""
		}
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, "*") {
		return bad("has a wildcard host")
	}
	if strings.Contains(host, ":") {
		// An IPv6 literal as browsers write it: no zone, compressed.
		ip := net.ParseIP(host)
		if ip == nil || ip.To4() != nil {
			return bad("has an invalid IPv6 address")
		}
		host = "[" + ip.String() + "]"
	} else if !hostName(host) {
		return bad("has an invalid host name (an IDN host goes in its xn-- form)")
	}
	return Origin{Scheme: scheme, Host: host, Port: port, AnyPort: anyPort}, nil
}

// hostName: what a browser puts in an origin for a name or an IPv4
// address, lowercase ASCII letters, digits, '-', '_' and dots.
func hostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// matches reports whether the Origin header value h is o.
func (o Origin) matches(h string) bool {
	scheme, host, port, ok := splitOrigin(h)
	if !ok || scheme != o.Scheme || host != o.Host {
		return false
	}
	if port == defaultPort(scheme) {
		port = ""
	}
	return o.AnyPort || port == o.Port
}

// splitOrigin reads an Origin header as browsers serialize it (RFC 6454):
// scheme://host[:port] in lowercase, nothing else. A lenient URL parser
// would read past a #fragment, a "?", an empty port or one of 99999: none
// of those is a page's origin, so none matches.
func splitOrigin(h string) (scheme, host, port string, ok bool) {
	scheme, rest, found := strings.Cut(h, "://")
	if !found || scheme != "http" && scheme != "https" {
		return "", "", "", false
	}
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return "", "", "", false
		}
		host, rest = rest[:end+1], rest[end+1:]
		ip := net.ParseIP(host[1 : len(host)-1])
		if ip == nil || ip.To4() != nil || "["+ip.String()+"]" != host {
			return "", "", "", false
		}
	} else {
		i := strings.IndexByte(rest, ':')
		if i < 0 {
			i = len(rest)
		}
		host, rest = rest[:i], rest[i:]
		if !hostName(host) {
			return "", "", "", false
		}
	}
	if rest != "" {
		if rest[0] != ':' || !validPort(rest[1:]) {
			return "", "", "", false
		}
		port = rest[1:]
	}
	return scheme, host, port, true
}

// validPort: 1 to 65535 in decimal, without leading zeros.
func validPort(p string) bool {
	if p == "" || len(p) > 5 || p[0] == '0' {
		return false
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == p
}

func (s *Server) allowed(origin string) bool {
	for _, o := range s.origins {
		if o.matches(origin) {
			return true
		}
	}
	return false
}
