package relay

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// ErrPlainHTTPNotLoopback: plain HTTP on an address other machines reach
// would carry client tokens (and WeCom's answers) in clear.
var ErrPlainHTTPNotLoopback = errors.New("plain HTTP on an address other machines can reach would send client tokens in clear")

// CheckListen checks addr (host:port with a host) and the rule that plain
// HTTP listens only on loopback unless insecure says otherwise.
func CheckListen(addr string, withTLS, insecure bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: use host:port, e.g. 127.0.0.1:8400", addr)
	}
	if host == "" {
		return fmt.Errorf("--addr %q: name the host, e.g. 127.0.0.1:%s (say 0.0.0.0 if you mean every interface)", addr, port)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("--addr %q: the port must be a number from 0 to 65535 (0 picks a free port)", addr)
	}
	if !withTLS && !insecure && !IsLoopback(host) {
		return ErrPlainHTTPNotLoopback
	}
	return nil
}

// IsLoopback: localhost, 127.0.0.0/8 and ::1.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// LoadTLS loads a certificate and key (PEM) for serving; TLS 1.2 at least.
func LoadTLS(certFile, keyFile string) (*tls.Config, error) {
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("--tls-cert and --tls-key go together: give both, or neither")
	}
	if certFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("loading --tls-cert %s / --tls-key %s: %v", certFile, keyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
