package sandbox

import (
	"net"
	"testing"
)

// A server listening on every interface prints a base URL a client can
// use: http://[::]:8399 connects nowhere.
func TestClientAddr(t *testing.T) {
	for _, c := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 8399}, "127.0.0.1:8399"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 8399}, "127.0.0.1:8399"},
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 41234}, "127.0.0.1:41234"},
		{&net.TCPAddr{IP: net.ParseIP("192.168.1.4"), Port: 80}, "192.168.1.4:80"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 80}, "[::1]:80"},
	} {
		if got := clientAddr(c.addr); got != c.want {
			t.Errorf("clientAddr(%v) = %q, want %q", c.addr, got, c.want)
		}
	}
}
