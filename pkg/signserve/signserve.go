// Package signserve is the HTTP signer behind `wwcli sign serve`: a local
// page's ww.register callbacks (getConfigSignature,
// getAgentConfigSignature, getSuiteConfigSignature) fetch
// /signature?url=URL and get {timestamp, nonceStr, signature} back, signed
// with a ticket that never reaches the browser. Tickets come from a
// TicketSource per kind and are kept in memory until shortly before they
// expire, so one fetch serves any number of signatures.
package signserve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wwcli/wwcli/pkg/jssdk"
	"github.com/wwcli/wwcli/pkg/safetext"
)

// Kind is the ticket a callback signs with (ww.register, DOC 98706).
type Kind string

const (
	KindCorp  Kind = "corp"  // getConfigSignature: get_jsapi_ticket
	KindAgent Kind = "agent" // getAgentConfigSignature: ticket/get?type=agent_config
	KindSuite Kind = "suite" // getSuiteConfigSignature: the login-authorization suite's ticket (DOC 100328)
)

// Kinds in the order the docs name them.
var Kinds = []Kind{KindCorp, KindAgent, KindSuite}

// Ticket is a jsapi_ticket and when it expires.
type Ticket struct {
	Value     string
	ExpiresAt time.Time
}

// TicketSource hands out the current ticket of one kind. It may hit a
// cache or WeCom; the server calls it only when its copy is about to
// expire, one call at a time per kind.
type TicketSource interface {
	Ticket(ctx context.Context) (Ticket, error)
}

// TicketFunc adapts a function to TicketSource.
type TicketFunc func(ctx context.Context) (Ticket, error)

// Ticket calls f.
func (f TicketFunc) Ticket(ctx context.Context) (Ticket, error) { return f(ctx) }

// Options configure a Server.
type Options struct {
	// Sources by kind; a kind without a source answers "not configured".
	Sources map[Kind]TicketSource
	// Unconfigured explains, per kind, how to configure a missing source
	// (shown in the "not configured" error).
	Unconfigured map[Kind]string
	// AllowOrigins are extra page origins allowed by CORS (see
	// ParseOrigin); DefaultOrigins always are. A request with another
	// Origin is refused before anything is signed.
	AllowOrigins []Origin
	// TrustedDomains are the app's trusted domains when known (agent/get
	// redirect_domain): URLs of other hosts get a warning.
	TrustedDomains []string
	Now            func() time.Time            // nil = time.Now
	NewNonce       func() (string, error)      // nil = jssdk.NewNonce
	Log            func(line string)           // one line per request; must not block (nil = none)
	RequestTimeout time.Duration               // bounds one ticket fetch (0 = 15s)
	OnSigned       func(kind Kind, url string) // tests: called after each signature
	// Icons start log lines: signed, failed, warning (default ✓ ✗ !;
	// the command passes its theme's, words when colour is off).
	Icons Icons
}

// Icons of the log lines.
type Icons struct{ OK, Fail, Warn string }

// Server answers /signature. Safe for concurrent use.
type Server struct {
	opts    Options
	origins []Origin

	mu      sync.Mutex
	tickets map[Kind]*heldTicket
	landing map[string]string // page origin + User-Agent -> the first URL signed (the landing URL)
}

type heldTicket struct {
	mu      sync.Mutex // held across a fetch: one fetch per kind at a time
	ticket  Ticket
	fetched time.Time
	fetches int
}

// New builds a server.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewNonce == nil {
		opts.NewNonce = jssdk.NewNonce
	}
	if opts.Log == nil {
		opts.Log = func(string) {}
	}
	if opts.Icons == (Icons{}) {
		opts.Icons = Icons{OK: "✓", Fail: "✗", Warn: "!"}
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 15 * time.Second
	}
	s := &Server{opts: opts, tickets: map[Kind]*heldTicket{}, landing: map[string]string{}}
	s.origins = append(DefaultOrigins(), opts.AllowOrigins...)
	for _, k := range Kinds {
		s.tickets[k] = &heldTicket{}
	}
	return s
}

// Signature is exactly what the ww.register callbacks return.
type Signature struct {
	Timestamp int64  `json:"timestamp"`
	NonceStr  string `json:"nonceStr"`
	Signature string `json:"signature"`
}

// Caps: a page URL is at most a few KB in every browser WeCom embeds;
// anything bigger is not a location.href.
const (
	MaxURLLen      = 8 << 10
	MaxHeaderBytes = 32 << 10
)

// Fetches is how many times the source of kind was asked for a ticket.
func (s *Server) Fetches(kind Kind) int {
	h := s.tickets[kind]
	if h == nil {
		return 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.fetches
}

// ticket returns the held ticket of kind, asking the source again when it
// is close to expiry (the same margin as the token cache: 5 minutes, or a
// quarter of a short lifetime).
func (s *Server) ticket(ctx context.Context, kind Kind) (string, error) {
	src := s.opts.Sources[kind]
	if src == nil {
		how := s.opts.Unconfigured[kind]
		if how == "" {
			how = "this server has no " + string(kind) + " ticket source"
		}
		return "", &notConfiguredError{kind: kind, how: how}
	}
	h := s.tickets[kind]
	h.mu.Lock()
	defer h.mu.Unlock()
	now := s.opts.Now()
	if h.ticket.Value != "" && now.Add(refreshMargin(h.ticket.ExpiresAt.Sub(h.fetched))).Before(h.ticket.ExpiresAt) {
		return h.ticket.Value, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.RequestTimeout)
	defer cancel()
	h.fetches++
	t, err := src.Ticket(ctx)
	if err != nil {
		return "", err
	}
	if err := jssdk.ValidateTicket(t.Value); err != nil {
		return "", fmt.Errorf("unusable %s ticket: %w", kind, err)
	}
	h.ticket, h.fetched = t, now
	return t.Value, nil
}

func refreshMargin(lifetime time.Duration) time.Duration {
	if m := lifetime / 4; m < 5*time.Minute {
		return m
	}
	return 5 * time.Minute
}

type notConfiguredError struct {
	kind Kind
	how  string
}

func (e *notConfiguredError) Error() string {
	return fmt.Sprintf("not configured: type=%s needs a %s ticket; %s", e.kind, e.kind, e.how)
}

// Handler serves GET /signature (and its CORS preflight) and a short help
// at /. A request that a page of a site not allowed by CORS sent gets 403
// before anything else: hiding the answer by CORS alone would still sign
// for it and fetch a ticket.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if _, sent := r.Header["Origin"]; sent {
			w.Header().Add("Vary", "Origin")
		}
		if why := s.refusal(r); why != "" {
			s.fail(w, r, http.StatusForbidden, why)
			return
		}
		if origin != "" {
			w.Header().Set("Access-Control-Allow-Origin", origin)
		}
		switch r.URL.Path {
		case "/signature":
		case "/":
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				s.fail(w, r, http.StatusMethodNotAllowed, "use GET /signature?url=URL")
				return
			}
			writeJSON(w, http.StatusOK, map[string]string{
				"signature": "GET /signature?url=URL[&type=corp|agent|suite] -> {timestamp, nonceStr, signature}",
			})
			return
		default:
			s.fail(w, r, http.StatusNotFound, "not found: use GET /signature?url=URL[&type=corp|agent|suite]")
			return
		}
		if r.Method == http.MethodOptions {
			s.preflight(w, r)
			return
		}
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET, OPTIONS")
			s.fail(w, r, http.StatusMethodNotAllowed, r.Method+" /signature: use GET")
			return
		}
		s.sign(w, r, origin)
	})
}

// refusal says why a request from a web page gets nothing ("" = none):
//   - an Origin header (one, as browsers send) that CORS does not allow;
//   - no Origin but Sec-Fetch-Site cross-site or same-site: an <img> or
//     <script> of another page, which could never read the answer.
//
// Scripts, curl and a dev server's proxy send neither and are answered.
func (s *Server) refusal(r *http.Request) string {
	if origins, sent := r.Header["Origin"]; sent {
		if len(origins) == 1 && s.allowed(origins[0]) {
			return ""
		}
		origin := strings.Join(origins, ", ")
		why := "origin " + clip(origin, 100) + " is not allowed: no signature for pages of other sites"
		if _, err := ParseOrigin(origin); err == nil && len(origins) == 1 {
			why += "; if the page is yours, restart with --allow-origin " + origin
		}
		return why
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return "a " + site + " request without Origin (an <img>, a <script>): call it with fetch from an allowed origin"
	}
	return ""
}

func (s *Server) preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, OPTIONS")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" && len(req) <= 256 && tokenList(req) {
		h.Set("Access-Control-Allow-Headers", req)
	}
	// Chrome's Private Network Access: a page on a public origin asks
	// before it may call a loopback server.
	if r.Header.Get("Access-Control-Request-Private-Network") == "true" {
		h.Set("Access-Control-Allow-Private-Network", "true")
	}
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) sign(w http.ResponseWriter, r *http.Request, origin string) {
	q := r.URL.Query()
	kind := Kind(q.Get("type"))
	if kind == "" {
		kind = KindCorp
	}
	if kind != KindCorp && kind != KindAgent && kind != KindSuite {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("type %q: use corp (getConfigSignature), agent (getAgentConfigSignature) or suite (getSuiteConfigSignature)", kind))
		return
	}
	raw := q.Get("url")
	if len(raw) > MaxURLLen {
		s.fail(w, r, http.StatusRequestURITooLong, fmt.Sprintf("url is %d bytes: a page URL is at most %d", len(raw), MaxURLLen))
		return
	}
	if raw == "" {
		s.fail(w, r, http.StatusBadRequest, "url is missing: call /signature?url='+encodeURIComponent(url) with the url the callback receives")
		return
	}
	nonce, err := s.opts.NewNonce()
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "no random nonce: "+err.Error())
		return
	}
	req := jssdk.Request{Ticket: "x", NonceStr: nonce, Timestamp: strconv.FormatInt(s.opts.Now().Unix(), 10), URL: raw}
	if _, err := req.Sign(); err != nil { // check the URL before any ticket fetch
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	ticket, err := s.ticket(r.Context(), kind)
	if err != nil {
		var nc *notConfiguredError
		if errors.As(err, &nc) {
			s.fail(w, r, http.StatusNotImplemented, err.Error())
			return
		}
		s.fail(w, r, http.StatusBadGateway, fmt.Sprintf("cannot get the %s ticket: %v", kind, err))
		return
	}
	req.Ticket = ticket
	res, err := req.Sign()
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	warnings := s.warnings(kind, res, origin, r.UserAgent())
	writeJSON(w, http.StatusOK, Signature{Timestamp: res.Timestamp, NonceStr: res.NonceStr, Signature: res.Signature})
	line := fmt.Sprintf("%s %s %s", s.opts.Icons.OK, kind, safetext.Escape(res.URL))
	for _, wn := range warnings {
		line += "\n  " + s.opts.Icons.Warn + " " + safetext.Escape(wn)
	}
	s.opts.Log(line)
	if s.opts.OnSigned != nil {
		s.opts.OnSigned(kind, res.URL)
	}
}

// fail answers {"error": msg} and logs it.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
	s.opts.Log(fmt.Sprintf("%s %s %s → %d: %s", s.opts.Icons.Fail, r.Method, safetext.Escape(clip(r.URL.RequestURI(), 300)), status, safetext.Escape(msg)))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store") // every signature has its own nonce
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// tokenList: header names separated by commas (what a browser sends in
// Access-Control-Request-Headers), nothing else echoed back.
func tokenList(s string) bool {
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return false
		}
		for i := 0; i < len(part); i++ {
			c := part[i]
			if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return false
			}
		}
	}
	return true
}
