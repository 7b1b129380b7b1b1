package signserve

import (
	"fmt"
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

// DefaultOrigins are the pages of a local dev server.
func DefaultOrigins() []Origin {
	return []Origin{
		{Scheme: "http", Host: "localhost", AnyPort: true},
		{Scheme: "http", Host: "127.0.0.1", AnyPort: true},
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
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if strings.Contains(host, "*") {
		return bad("has a wildcard host")
	}
	return Origin{Scheme: scheme, Host: host, Port: port, AnyPort: anyPort}, nil
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// matches reports whether the Origin header value h is o.
func (o Origin) matches(h string) bool {
	u, err := url.Parse(h)
	if err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
		return false
	}
	if u.Scheme != o.Scheme {
		return false // browsers send the origin in lowercase
	}
	host := u.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if host != o.Host {
		return false
	}
	if o.AnyPort {
		return true
	}
	port := u.Port()
	if port == defaultPort(u.Scheme) {
		port = ""
	}
	return port == o.Port
}

func (s *Server) allowed(origin string) bool {
	for _, o := range s.origins {
		if o.matches(origin) {
			return true
		}
	}
	return false
}
