// Package scripttest gives testscript scripts the web servers that
// `wwcli verify-domain` checks: real HTTP and HTTPS listeners on 127.0.0.1.
package scripttest

import (
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/wwcli/wwcli/pkg/domaincheck/domainchecktest"
)

// Commands returns the script commands:
//
//	vdserve VAR http|https file PATH [CONTENT-TYPE]  serve PATH's bytes at every /NAME
//	vdserve VAR http|https body TEXT [CONTENT-TYPE]  serve TEXT (a Go "quoted" string is unquoted,
//	                                                 so '"tok\n"' serves a trailing newline)
//	vdserve VAR http|https status CODE [LOCATION]    answer every request with CODE (and Location)
//	vdserve VAR tcp silent                           accept connections, never answer
//	vdserve VAR tcp refused                          a port nothing listens on
//
// Each sets $VAR to the port; https servers use a throwaway certificate
// that no system trusts (tests of a trusted one inject the roots through
// verifydomain.Options). Servers stop when the script ends.
func Commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){"vdserve": vdserve}
}

func vdserve(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("vdserve does not support !")
	}
	if len(args) < 3 {
		ts.Fatalf("usage: vdserve VAR http|https|tcp MODE [ARGS]")
	}
	name, scheme, mode, rest := args[0], args[1], args[2], args[3:]
	switch scheme + " " + mode {
	case "tcp silent":
		ts.Setenv(name, silent(ts))
		return
	case "tcp refused":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		ln.Close()
		ts.Setenv(name, port)
		return
	}

	var handler http.Handler
	switch mode {
	case "file", "body":
		if len(rest) < 1 {
			ts.Fatalf("vdserve %s needs an argument", mode)
		}
		body := []byte(rest[0])
		if mode == "file" {
			var err error
			body, err = os.ReadFile(ts.MkAbs(rest[0]))
			ts.Check(err)
		} else if text, err := strconv.Unquote(rest[0]); err == nil {
			body = []byte(text)
		}
		contentType := "text/plain; charset=utf-8"
		if len(rest) > 1 {
			contentType = rest[1]
		}
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if filepath.Dir(r.URL.Path) != "/" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", contentType)
			w.Write(body)
		})
	case "status":
		if len(rest) < 1 {
			ts.Fatalf("vdserve status needs a CODE")
		}
		code, err := strconv.Atoi(rest[0])
		ts.Check(err)
		handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if len(rest) > 1 {
				w.Header().Set("Location", rest[1])
			}
			w.WriteHeader(code)
		})
	default:
		ts.Fatalf("vdserve: unknown mode %q", mode)
	}

	srv := httptest.NewUnstartedServer(handler)
	// The checks provoke handshake errors on purpose; keep them out of the log.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	switch scheme {
	case "http":
		srv.Start()
	case "https":
		srv.StartTLS()
	default:
		ts.Fatalf("vdserve: unknown scheme %q", scheme)
	}
	ts.Defer(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	ts.Setenv(name, port)
}

// silent listens on 127.0.0.1 and holds every connection without a byte.
func silent(ts *testscript.TestScript) string {
	port, stop, err := domainchecktest.SilentListener()
	ts.Check(err)
	ts.Defer(stop)
	return port
}
