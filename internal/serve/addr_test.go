package serve

import (
	"errors"
	"net"
	"strings"
	"testing"
)

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "LocalHost.": true, "app.localhost": false,
		"127.0.0.1": true, "127.3.4.5": true, "::1": true, "[::1]": true,
		"0.0.0.0": false, "::": false, "10.0.0.1": false, "localhost.evil.com": false,
		"evil-localhost": false, "": false, "127.0.0.1.nip.io": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestSplitAddr(t *testing.T) {
	if h, p, err := SplitAddr("127.0.0.1:0"); err != nil || h != "127.0.0.1" || p != "0" {
		t.Fatalf("127.0.0.1:0: %q %q %v", h, p, err)
	}
	for addr, fix := range map[string]string{
		"8080":            "use host:port",
		":8080":           "name the host",
		"127.0.0.1:70000": "0 to 65535",
		"127.0.0.1:http":  "0 to 65535",
	} {
		_, _, err := SplitAddr(addr)
		var ae *AddrError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), fix) {
			t.Errorf("%q: %v, want an AddrError naming %q", addr, err, fix)
		}
	}
}

func TestCheckRefusesPublicAddressWithoutOptOut(t *testing.T) {
	cfg := Config{Addr: "0.0.0.0:8400", Why: "others get signatures", OptOut: "--insecure-listen"}
	_, err := Check(cfg)
	if !errors.Is(err, ErrNotLoopback) {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{"0.0.0.0:8400", "others get signatures", "--addr 127.0.0.1:8400", "--insecure-listen"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	cfg.Public = true
	if _, err := Check(cfg); err != nil {
		t.Fatalf("with the opt-out: %v", err)
	}
	if _, err := Check(Config{Addr: "LOCALHOST:0"}); err != nil {
		t.Fatalf("LOCALHOST is loopback: %v", err)
	}
	if _, err := Check(Config{Addr: "127.0.0.1:0", AllowHosts: []string{"https://x.example"}}); !errors.Is(err, ErrBadHost) {
		t.Fatalf("a URL as --allow-host: %v", err)
	}
	// "*" turns the rebinding guard off: only where every request is authenticated.
	if _, err := Check(Config{Addr: "127.0.0.1:0", AllowHosts: []string{"*"}}); !errors.Is(err, ErrBadHost) || !strings.Contains(err.Error(), "DNS-rebinding") {
		t.Fatalf("--allow-host * on a server without authentication: %v", err)
	}
	if h, err := Check(Config{Addr: "127.0.0.1:0", AllowHosts: []string{"*"}, Authenticated: true}); err != nil || !h.Allowed("any.example") {
		t.Fatalf("--allow-host * on an authenticated server: %v", err)
	}
}

func TestListenErrorNamesTheFix(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, err = Listen(Config{Addr: busy.Addr().String()})
	var le *ListenError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "already in use") || !strings.Contains(err.Error(), "--addr 127.0.0.1:0") {
		t.Fatalf("got %v", err)
	}
}
