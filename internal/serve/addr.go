package serve

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// IsLoopback reports whether host (no port; IPv6 with or without brackets)
// is this machine only: "localhost" in any case, 127.0.0.0/8 or ::1. A
// trailing dot is ignored. Names under .localhost are not: Go's resolver
// may ask DNS for them, so listening on or calling one could leave the
// machine (browsers resolve them locally; Hosts allows them as Host).
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(host, "]"), "["), ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// AddrError is an --addr value that is not host:port; Error names the fix.
type AddrError struct {
	Addr string
	Why  string
}

func (e *AddrError) Error() string { return fmt.Sprintf("--addr %q: %s", e.Addr, e.Why) }

// SplitAddr checks an --addr value: host:port with a named host and a
// port from 0 to 65535 (0 picks a free port).
func SplitAddr(addr string) (host, port string, err error) {
	host, port, err = net.SplitHostPort(addr)
	if err != nil {
		return "", "", &AddrError{addr, "use host:port, e.g. 127.0.0.1:0 or 127.0.0.1:8400"}
	}
	if host == "" {
		return "", "", &AddrError{addr, fmt.Sprintf("name the host, e.g. 127.0.0.1:%s (an empty host listens on every interface; say 0.0.0.0 if you mean it)", port)}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", "", &AddrError{addr, "the port must be a number from 0 to 65535 (0 picks a free port)"}
	}
	return host, port, nil
}

// ErrNotLoopback: the address is reachable from other machines and the
// user did not opt out of the loopback-only default.
var ErrNotLoopback = errors.New("not a loopback address")

// NotLoopbackError says why a server stays on loopback and how to opt out.
type NotLoopbackError struct {
	Addr   string
	Why    string // what others could do, e.g. "anyone who reaches it gets signatures"
	OptOut string // the flag that allows it, e.g. "--insecure-listen"
}

func (e *NotLoopbackError) Error() string {
	_, port, _ := net.SplitHostPort(e.Addr)
	return fmt.Sprintf("--addr %s is not a loopback address: %s.\n  use --addr 127.0.0.1:%s, or add %s if you mean it", e.Addr, e.Why, port, e.OptOut)
}

func (e *NotLoopbackError) Unwrap() error { return ErrNotLoopback }
