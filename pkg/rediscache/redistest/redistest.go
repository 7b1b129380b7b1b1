// Package redistest runs a throw-away redis-server on 127.0.0.1 for the
// tests built with -tags redis: no persistence, a free port, stopped when
// the test ends. Tests import it; the binary never does.
package redistest

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/internal/testutil"
)

// Server is one redis-server process.
type Server struct {
	t    testing.TB
	Port int
	args []string
	tls  *tls.Config // for PING when the server speaks only TLS
	cmd  *exec.Cmd
}

// Start runs redis-server on a free loopback port, with extra arguments
// (e.g. "--requirepass", "pw"), or fails the test saying how to install it.
func Start(t testing.TB, extra ...string) *Server {
	t.Helper()
	s := &Server{t: t, Port: freePort(t)}
	s.args = append([]string{"--port", strconv.Itoa(s.Port)}, extra...)
	s.start()
	return s
}

// StartTLS runs a redis-server that speaks only TLS, with a certificate
// for 127.0.0.1 and localhost made for this test; roots trusts it.
func StartTLS(t testing.TB) (s *Server, roots *x509.CertPool) {
	t.Helper()
	certFile, keyFile, roots := testutil.SelfSignedCert(t)
	s = &Server{t: t, Port: freePort(t), tls: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}}
	s.args = []string{"--port", "0", "--tls-port", strconv.Itoa(s.Port), "--tls-cert-file", certFile,
		"--tls-key-file", keyFile, "--tls-ca-cert-file", certFile, "--tls-auth-clients", "no"}
	s.start()
	return s, roots
}

func (s *Server) start() {
	s.t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		s.t.Fatalf("redis-server is not installed (apt-get install redis-server): %v", err)
	}
	s.run()
	s.t.Cleanup(s.Stop)
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Addr is host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// URL is the WWCLI_CACHE_URL of database db, with extra query parameters.
func (s *Server) URL(db int, query string) string {
	scheme := "redis"
	if s.tls != nil {
		scheme = "rediss"
	}
	u := fmt.Sprintf("%s://%s/%d", scheme, s.Addr(), db)
	if query != "" {
		u += "?" + query
	}
	return u
}

func (s *Server) run() {
	s.t.Helper()
	args := append([]string{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--protected-mode", "yes", "--loglevel", "warning"}, s.args...)
	cmd := exec.Command("redis-server", args...)
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("starting redis-server: %v", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if s.ping() == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Stop()
	s.t.Fatalf("redis-server on %s did not answer PING within 10s", s.Addr())
}

// ping speaks RESP by hand so this package needs no client library. A
// server with a password answers -NOAUTH: up all the same.
func (s *Server) ping() error {
	var c net.Conn
	var err error
	d := &net.Dialer{Timeout: 200 * time.Millisecond}
	if s.tls != nil {
		c, err = tls.DialWithDialer(d, "tcp", s.Addr(), s.tls)
	} else {
		c, err = d.Dial("tcp", s.Addr())
	}
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") && !strings.HasPrefix(line, "-NOAUTH") {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// Stop kills the server (as a crash would) and waits for it.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Restart stops the server and starts an empty one on the same port.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.run()
}

// Running says whether the server process is up.
func (s *Server) Running() bool { return s.cmd != nil }
