package callback

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// What a client or handler sends — a request path, a status line — is
// logged with its control characters escaped (issue 16, D10).
func TestServeLogEscapesRequestPaths(t *testing.T) {
	base, _, errOut := startServe(t, vEnv, "--path", "/wecom")
	res, err := http.Get(base + "/%1b]0;PWNED%07%1b[2J")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	log := errOut.WaitFor("→ 404")
	if strings.ContainsAny(log, "\x1b\x07") || !strings.Contains(log, `/\x1b]0;PWNED\x07\x1b[2J → 404`) {
		t.Fatalf("serve log %q", log)
	}
}

func TestSendEscapesTheHandlersStatusLine(t *testing.T) {
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
		buf := make([]byte, 64<<10)
		_, _ = conn.Read(buf)
		_, _ = io.WriteString(conn, "HTTP/1.1 500 Oops\x1b]0;PWNED\x07\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	}()
	r := execute(t, nil, vEnv, "", "send", "--to", "http://"+ln.Addr().String()+"/")
	if strings.ContainsAny(r.stderr, "\x1b\x07") || !strings.Contains(r.stderr, `500 Oops\x1b]0;PWNED\x07`) {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}
