package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// Hosts is the Host allow-list of a server. A DNS-rebinding page reaches a
// loopback port under a name the attacker controls, so the Host header it
// sends is that name: answering only to names we know gets it nothing.
//
// Always allowed: IP literals (a page can only be served from an IP by
// whoever holds that IP, so no rebinding), "localhost", the listen
// address's own host name, and what the user configured (--allow-host: an
// exact name, "*.example.com" for its subdomains, or "*" to turn the check
// off, which Check allows only for a server that authenticates every
// request). Names under .localhost are not: not every resolver keeps them
// off DNS.
type Hosts struct {
	names    map[string]bool
	suffixes []string // ".example.com"
	any      bool
}

// NewHosts builds the allow-list for a server listening on listenHost
// with the user's extra names. An extra name must be a bare host name.
func NewHosts(listenHost string, extra []string) (*Hosts, error) {
	h := &Hosts{names: map[string]bool{}}
	if listenHost != "" {
		h.names[normalHost(listenHost)] = true
	}
	for _, e := range extra {
		name := normalHost(e)
		switch {
		case strings.TrimSpace(e) == "*":
			h.any = true
		case strings.HasPrefix(name, "*.") && validHostName(name[2:]):
			h.suffixes = append(h.suffixes, name[1:])
		case validHostName(name):
			h.names[name] = true
		default:
			return nil, &badHostError{fmt.Sprintf("--allow-host %q is not a host name: write it as it appears in the address bar, without scheme or port, e.g. relay.example.com or *.example.com", e)}
		}
	}
	return h, nil
}

// Allowed reports whether a request's Host header (host[:port]) names
// this server.
func (h *Hosts) Allowed(hostHeader string) bool {
	if h.any || hostHeader == "" { // HTTP/1.0 without Host: no browser sends that
		return true
	}
	host := hostHeader
	if hh, _, err := net.SplitHostPort(hostHeader); err == nil {
		host = hh
	} else if strings.Contains(hostHeader, "]:") || strings.Count(hostHeader, ":") == 1 {
		return false // a port that does not parse
	}
	host = normalHost(host)
	if host == "" {
		return false
	}
	if isIP(host) || IsLoopback(host) || h.names[host] {
		return true
	}
	for _, s := range h.suffixes {
		if strings.HasSuffix(host, s) {
			return true
		}
	}
	return false
}

// Check wraps next: a request for another Host gets 403 and a message
// that names the fix; it never reaches next. refused, when set, is told
// first (the server's log line).
func (h *Hosts) Check(next http.Handler, refused func(r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.Allowed(r.Host) {
			if refused != nil {
				refused(r)
			}
			// JSON like every server's own refusals, without an errcode so
			// that no client takes it for WeCom's answer.
			body, _ := json.Marshal(map[string]string{"error": "host_not_allowed",
				"message": fmt.Sprintf("Host %q is not a name of this server (a guard against DNS rebinding): use its address, e.g. http://127.0.0.1:PORT, or start it with --allow-host NAME", clip(r.Host, 100))})
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write(append(body, '\n'))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ErrBadHost is an --allow-host value that is refused.
var ErrBadHost = errors.New("bad --allow-host")

type badHostError struct{ msg string }

func (e *badHostError) Error() string { return e.msg }
func (e *badHostError) Unwrap() error { return ErrBadHost }

// normalHost lowercases, strips IPv6 brackets and a trailing dot.
func normalHost(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimSuffix(h, ".")
}

// validHostName: letters, digits, '-', '.', '_' (seen in container
// names), at most 253 bytes, no empty label.
func validHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// clip shortens s for a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func isIP(s string) bool { return net.ParseIP(s) != nil }
