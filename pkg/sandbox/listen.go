package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/pkg/safetext"
)

// PublicRisk is why the sandbox listens on loopback unless told otherwise:
// its control API has no login, by design.
const PublicRisk = "anyone who reaches it can read the request log, inject faults and move the clock, and the demo secrets are public"

// InsecureListenFlag is the opt-out that allows an address other machines reach.
const InsecureListenFlag = "--insecure-listen"

// ListenOptions say where a sandbox listens (the flags of `wwcli sandbox`).
type ListenOptions struct {
	Addr string // host:port; port 0 picks a free one
	// Public allows an address other machines reach (--insecure-listen).
	Public bool
	// AllowHosts are Host names to answer besides loopback names and IP
	// literals (--allow-host), e.g. a docker service name.
	AllowHosts []string
}

func (o ListenOptions) config() serve.Config {
	return serve.Config{Addr: o.Addr, Public: o.Public, Why: PublicRisk, OptOut: InsecureListenFlag, AllowHosts: o.AllowHosts}
}

// Check applies the listen policy without listening, so that a bad --addr
// stops a command before it opens any state: *serve.AddrError,
// a *serve.NotLoopbackError (errors.Is serve.ErrNotLoopback), or an
// --allow-host that is no host name (serve.ErrBadHost).
func (o ListenOptions) Check() error {
	_, err := serve.Check(o.config())
	return err
}

// shutdownTimeout bounds the wait for requests in flight at Close, as before
// the foundation.
const shutdownTimeout = 2 * time.Second

// Listen listens through the server foundation (internal/serve): loopback
// only unless o.Public, and only requests whose Host names this server are
// answered (a DNS-rebinding page gets 403). The returned server serves once
// started (its Start, or Wait until a signal); Close stops it. A sandbox
// listens once.
func (s *Server) Listen(o ListenOptions) (*serve.Server, error) {
	select {
	case <-s.done:
		return nil, errors.New("sandbox: server is closed")
	default:
	}
	cfg := o.config()
	cfg.Handler = s.Handler()
	cfg.ShutdownTimeout = shutdownTimeout
	if s.logq != nil {
		cfg.ErrorLog = s.logq // net/http's own complaints, never blocking either
		cfg.HostRefused = s.logHostRefused
	}
	srv, err := serve.Listen(cfg)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.listener != nil {
		s.mu.Unlock()
		_ = srv.Shutdown()
		return nil, errors.New("sandbox: already started")
	}
	s.listener = srv
	s.hosts.Store(srv.Hosts())
	s.mu.Unlock()
	return srv, nil
}

// Start listens on addr, a loopback address such as "127.0.0.1:0", and
// serves in the background (see Listen). It returns the base URL, e.g.
// "http://127.0.0.1:41234".
func (s *Server) Start(addr string) (string, error) {
	srv, err := s.Listen(ListenOptions{Addr: addr})
	if err != nil {
		return "", fmt.Errorf("sandbox: %w", err)
	}
	srv.Start()
	return srv.URL(), nil
}

// LogLine writes line to Options.Log through the same queue as the request
// lines, so a command's own messages keep their place among them and never
// block on a stream nobody reads. Nothing without a Log.
func (s *Server) LogLine(line string) {
	if s.logq != nil {
		s.logq.Push(line)
	}
}

// logf is LogLine with a format.
func (s *Server) logf(format string, a ...any) {
	if s.logq != nil {
		s.logq.Push(fmt.Sprintf(format, a...))
	}
}

// logHostRefused tells whoever runs the sandbox why a request got 403:
// a rebinding page, or a name of theirs that needs --allow-host. The path
// only: a query may hold a secret.
func (s *Server) logHostRefused(r *http.Request) {
	s.logf("%s %s %s -> 403 refused: Host %q is not a name of this sandbox (a guard against DNS rebinding; --allow-host NAME if it is yours) from %s",
		s.Now().Format("15:04:05"), clipLogged(safetext.Escape(r.Method)), clipLogged(safetext.Escape(r.URL.Path)), clipLogged(r.Host), callerIP(r))
}
