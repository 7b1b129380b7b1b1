package callbackserve

import (
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/pkg/safetext"
)

// Listen listens through the server foundation with cfg (the address,
// the listen policy, --allow-host, timeouts): cfg.Handler becomes this
// server's, behind the Host allow-list, and each request refused for its
// Host is logged with the flag that lets it in. Every request callback
// serve acts on is signed with the Token, so cfg.Authenticated is set
// ("--allow-host *" may turn the check off). cfg.ErrorLog defaults to
// Log. Errors are the foundation's: *serve.AddrError,
// serve.ErrNotLoopback, serve.ErrBadHost, *serve.ListenError.
func (s *Server) Listen(cfg serve.Config) (*serve.Server, error) {
	cfg.Authenticated = true
	cfg.Handler = s.handler
	cfg.HostRefused = s.hostRefused
	if cfg.ErrorLog == nil {
		cfg.ErrorLog = s.opts.Log
	}
	return serve.Listen(cfg)
}

// hostRefused logs a request the Host allow-list refused. Tunnels (ngrok
// by default) and some reverse proxies pass the public name through: the
// user must see which name to allow, or WeCom's pushes fail in silence.
func (s *Server) hostRefused(r *http.Request) {
	s.logf("%s %s %s → 403: %s", s.opts.Icons.Fail, r.Method, safetext.Escape(r.URL.Path), refusedHost(r.Host))
}

// refusedHost says why a request for host (a Host header) was refused and
// the exact flag that lets it in, e.g. --allow-host abc.ngrok-free.app.
func refusedHost(host string) string {
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	flag := "--allow-host NAME" // the Host is no name the flag takes: show its form
	if _, err := serve.NewHosts("", []string{name}); err == nil && name != "" && !strings.Contains(name, "*") {
		flag = "--allow-host " + name
	}
	if len(host) > 100 {
		host = host[:100] + "…"
	}
	return fmt.Sprintf("Host %q is not a name of this server (a guard against DNS rebinding); if your tunnel or reverse proxy sends it, restart with %s", host, flag)
}
