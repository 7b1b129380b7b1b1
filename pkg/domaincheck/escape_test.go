package domaincheck

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// A status line is not checked by Go's parser the way headers are: control
// characters in it are shown escaped, never sent to the terminal raw
// (issue 16, D10).
func TestDetailsEscapeControlCharacters(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 4096)
		_, _ = conn.Read(buf)
		_, _ = io.WriteString(conn, "HTTP/1.1 302 Found\x1b]0;PWNED\x07\x1b[2J\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n")
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	r := runOne(t, Config{Host: "127.0.0.1", Port: port, Schemes: []string{"http"}})
	c := checkOf(t, r, CheckStatus)
	if !strings.Contains(c.Detail, `302 Found\x1b]0;PWNED\x07\x1b[2J`) {
		t.Errorf("status detail %q", c.Detail)
	}
	for _, c := range r.Checks {
		if strings.ContainsAny(c.Detail, "\x1b\x07") {
			t.Errorf("%s detail holds raw control characters: %q", c.Check, c.Detail)
		}
	}
}
