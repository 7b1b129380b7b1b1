package serve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Config describes one server. Zero timeouts take the defaults below.
type Config struct {
	Addr string // host:port; port 0 picks a free one
	// Public allows an address other machines can reach (the user's
	// opt-out flag, or TLS where plain HTTP is the worry).
	Public bool
	// Why and OptOut go into the refusal of a non-loopback address: what
	// others could do, and the flag that allows it.
	Why, OptOut string
	// AllowHosts are the user's extra Host names (--allow-host).
	AllowHosts []string
	// Authenticated: every request proves who sent it (a client token, a
	// callback signature), so "--allow-host *" may turn the Host check
	// off. Servers that answer anyone on loopback refuse it.
	Authenticated bool
	// HostRefused, when set, is told of each request refused for its Host
	// (for the server's log; give the Host seen and the --allow-host fix).
	HostRefused func(r *http.Request)
	TLS         *tls.Config
	Handler     http.Handler // served behind the Host check

	ReadHeaderTimeout time.Duration // default 10 s
	ReadTimeout       time.Duration // default 30 s
	WriteTimeout      time.Duration // default 0: none (long polls, downloads)
	IdleTimeout       time.Duration // default 60 s
	MaxHeaderBytes    int           // default 64 KiB
	// ErrorLog gets net/http's own complaints (TLS handshakes, panics):
	// give it the server's LineQueue. nil = discarded (beware a typed nil
	// *LineQueue: it is a non-nil io.Writer).
	ErrorLog io.Writer
	// ShutdownTimeout bounds the wait for requests in flight; default 3 s.
	ShutdownTimeout time.Duration
}

// Server is a listening server. Make one with Listen, then Start it.
type Server struct {
	cfg   Config
	ln    net.Listener
	hosts *Hosts
	http  *http.Server
	url   string

	startOnce sync.Once
	served    chan error // Serve's result
}

// ListenError is a failed listen, with the usual fix.
type ListenError struct {
	Addr string
	Err  error
}

func (e *ListenError) Error() string {
	host, port, _ := net.SplitHostPort(e.Addr)
	switch {
	case errors.Is(e.Err, syscall.EADDRINUSE), strings.Contains(e.Err.Error(), "Only one usage of each socket address"): // the latter: Windows
		return fmt.Sprintf("port %s on %s is already in use: stop what listens there, or use --addr %s:0 for a free port", port, host, host)
	case errors.Is(e.Err, fs.ErrPermission):
		return fmt.Sprintf("no permission to listen on %s (ports below 1024 need privileges): use --addr 127.0.0.1:0 for a free port", e.Addr)
	}
	return fmt.Sprintf("cannot listen on %s: %v", e.Addr, e.Err)
}

func (e *ListenError) Unwrap() error { return e.Err }

// Check applies the listen policy to cfg without listening: an --addr that
// does not parse (*AddrError), a non-loopback address without the opt-out
// (*NotLoopbackError), an --allow-host that is no host name.
func Check(cfg Config) (*Hosts, error) {
	host, _, err := SplitAddr(cfg.Addr)
	if err != nil {
		return nil, err
	}
	if !cfg.Public && !IsLoopback(host) {
		return nil, &NotLoopbackError{Addr: cfg.Addr, Why: cfg.Why, OptOut: cfg.OptOut}
	}
	if !cfg.Authenticated {
		for _, h := range cfg.AllowHosts {
			if strings.TrimSpace(h) == "*" {
				return nil, &badHostError{"--allow-host * would let every DNS-rebinding page use this server, which answers anyone who reaches it: name the hosts, e.g. --allow-host dev.example.com or '*.example.com'"}
			}
		}
	}
	return NewHosts(host, cfg.AllowHosts)
}

// Listen checks cfg (see Check) and listens. Nothing is served before Start.
func Listen(cfg Config) (*Server, error) {
	hosts, err := Check(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, &ListenError{cfg.Addr, err}
	}
	scheme := "http"
	if cfg.TLS != nil {
		ln = tls.NewListener(ln, cfg.TLS)
		scheme = "https"
	}
	errorLog := io.Discard
	if cfg.ErrorLog != nil {
		errorLog = cfg.ErrorLog
	}
	s := &Server{cfg: cfg, ln: ln, hosts: hosts, served: make(chan error, 1),
		url: scheme + "://" + clientAddr(ln.Addr())}
	s.http = &http.Server{
		Handler:           hosts.Check(cfg.Handler, cfg.HostRefused),
		ReadHeaderTimeout: orDefault(cfg.ReadHeaderTimeout, 10*time.Second),
		ReadTimeout:       orDefault(cfg.ReadTimeout, 30*time.Second),
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       orDefault(cfg.IdleTimeout, 60*time.Second),
		MaxHeaderBytes:    int(orDefault(time.Duration(cfg.MaxHeaderBytes), 64<<10)),
		ErrorLog:          log.New(errorLog, "", 0),
	}
	return s, nil
}

func orDefault(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

// URL is the base URL a client on this machine uses: one listening on
// every interface (0.0.0.0, ::) answers on 127.0.0.1.
func (s *Server) URL() string { return s.url }

// Addr is the address listened on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Hosts is the server's Host allow-list, for CheckWrite.
func (s *Server) Hosts() *Hosts { return s.hosts }

// Start serves in the background.
func (s *Server) Start() {
	s.startOnce.Do(func() {
		go func() { s.served <- s.http.Serve(s.ln) }()
	})
}

// Failed delivers the error that stopped serving before Shutdown.
func (s *Server) Failed() <-chan error { return s.served }

// Shutdown stops accepting, waits for the requests in flight up to
// ShutdownTimeout, then closes whatever is left: it always returns.
func (s *Server) Shutdown() error {
	s.startOnce.Do(func() { s.served <- http.ErrServerClosed; _ = s.ln.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), orDefault(s.cfg.ShutdownTimeout, 3*time.Second))
	defer cancel()
	if err := s.http.Shutdown(ctx); err != nil {
		_ = s.http.Close()
		if errors.Is(err, context.DeadlineExceeded) {
			return nil // requests still running were cut: that is the bound
		}
		return err
	}
	return nil
}

// clientAddr is where a client on this machine reaches a listener.
func clientAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
}
