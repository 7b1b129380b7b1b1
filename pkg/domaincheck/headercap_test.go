package domaincheck

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/check"
)

// endlessHeaderServer answers every connection with a status line and then
// header lines without end, until the client hangs up or the test ends. It
// is the hostile server of issue 16, defect 2.
func endlessHeaderServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
				buf := make([]byte, 4096)
				_, _ = conn.Read(buf) // the request
				line := []byte("X-Filler: " + strings.Repeat("a", 1000) + "\r\n")
				if _, err := conn.Write([]byte("HTTP/1.1 200 OK\r\n")); err != nil {
					return
				}
				// Bounded: 1 GiB at most, far past any cap.
				for i := 0; i < 1<<20; i++ {
					if _, err := conn.Write(line); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).AddrPort().String()[len("127.0.0.1:"):]
}

func TestEndlessHeaderIsCutOffAtTheCap(t *testing.T) {
	port := endlessHeaderServer(t)
	r := runOne(t, Config{Host: "127.0.0.1", Port: port, Schemes: []string{"http"}, Timeout: 10 * time.Second})
	c := checkOf(t, r, CheckStatus)
	if r.OK || c.Level != check.Fail || !strings.Contains(c.Detail, "the server sent more than 64 KiB of headers") {
		t.Errorf("OK %v, status %+v", r.OK, c)
	}
}

func TestHeadersUnderTheCapAreRead(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 4096)
		_, _ = conn.Read(buf)
		// 60 KiB of headers: under the cap, so the file is still judged.
		filler := "X-Filler: " + strings.Repeat("a", 1000) + "\r\n"
		resp := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 16\r\n" +
			strings.Repeat(filler, 60) + "\r\n" + testToken
		_, _ = conn.Write([]byte(resp))
	}()
	port := ln.Addr().(*net.TCPAddr).AddrPort().String()[len("127.0.0.1:"):]
	r := runOne(t, Config{Host: "127.0.0.1", Port: port, Schemes: []string{"http"}})
	if !r.OK {
		t.Errorf("not OK: %+v", r.Checks)
	}
}
