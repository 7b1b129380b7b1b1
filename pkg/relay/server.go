package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// WhoamiPath answers an authenticated client with its name and the corp
// and agent id the relay calls for (no secret): wwcli in relay mode reads
// its corp id and agent id from it.
const WhoamiPath = "/_relay/whoami"

// Upstream is WeCom as the relay reaches it: Call adds the relay's
// access_token and refetches it once when WeCom says it is stale (40014,
// 42001), never resending a POST otherwise; Ticket serves jsapi_tickets
// from the relay's cache, so N clients make one fetch (WeCom caps ticket
// fetches at 400 an hour per corp, DOC 90454).
type Upstream interface {
	Call(ctx context.Context, req wecom.Request) (json.RawMessage, error)
	Ticket(ctx context.Context, kind wecom.TicketKind) (ticket string, expiresIn int, err error)
}

// Downloader is an Upstream that also fetches files: media/get answers
// the file itself, not JSON (DOC 96486), with Range support.
type Downloader interface {
	Download(ctx context.Context, req wecom.Request, rangeHeader string, limit int64) (*wecom.FileAnswer, error)
}

// MaxDownload bounds a relayed file: WeCom serves files over 20 MB only in
// Range parts of at most 20 MB (DOC 96486).
const MaxDownload = 20<<20 + 64<<10

// downloadPaths answer a file (DOC 96486; media/get/jssdk for JS-SDK voice).
var downloadPaths = map[string]bool{"/cgi-bin/media/get": true, "/cgi-bin/media/get/jssdk": true}

// DefaultMaxUpstream is how many calls to WeCom the relay makes at once:
// as many as the upstream connections it keeps open, so that 1,000
// clients at once reuse them instead of each costing a new connection
// (and its memory); at WeCom's usual 50-100 ms that is over 600 calls a
// second, more than WeCom allows a corp.
const DefaultMaxUpstream = 64

// Identity is what the relay tells clients about the app it calls for.
type Identity struct {
	CorpID  string `json:"corp_id"`
	AgentID string `json:"agent_id,omitempty"`
}

// Options configure a relay Server.
type Options struct {
	Clients  *Clients
	Upstream Upstream
	Identity Identity
	// MaxBody caps an upload's body (uploadPaths); 0 = DefaultMaxBody.
	MaxBody int64
	// MaxJSONBody caps every other body, never above MaxBody; 0 =
	// DefaultMaxJSONBody.
	MaxJSONBody int64
	// Budget bounds the bytes all bodies in flight hold together; beyond
	// it a request gets 503 with Retry-After. nil = serve.DefaultBudget.
	Budget *serve.Budget
	// MaxUpstream bounds the calls to WeCom at once; more wait their
	// turn. 0 = DefaultMaxUpstream.
	MaxUpstream int
	// Audit gets one JSON line per request (nil = none). It is written
	// through a serve.LineQueue, never from the request itself: a writer
	// that is not one already is put behind one (see CloseAudit).
	Audit io.Writer
	Now   func() time.Time // nil = time.Now
}

// Server is the relay: an http.Handler to serve with internal/serve.
// Create it with New.
type Server struct {
	opts       Options
	clients    atomic.Pointer[Clients] // swapped whole by Reload
	auditQ     *serve.LineQueue
	auditOwned bool
	upstream   chan struct{} // a slot per call to WeCom in flight

	bucketsMu sync.Mutex
	buckets   map[string]*bucket // by client name and rate
}

// New returns a relay for opts.
func New(opts Options) *Server {
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.MaxJSONBody <= 0 {
		opts.MaxJSONBody = DefaultMaxJSONBody
	}
	if opts.Budget == nil {
		opts.Budget = serve.NewBudget(serve.DefaultBudget)
	}
	if opts.MaxUpstream <= 0 {
		opts.MaxUpstream = DefaultMaxUpstream
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, buckets: map[string]*bucket{}, upstream: make(chan struct{}, opts.MaxUpstream)}
	s.auditQ, s.auditOwned = auditQueue(opts.Audit)
	s.clients.Store(opts.Clients)
	return s
}

// Reload replaces the clients (after the clients file changed, e.g. to
// revoke a token) without dropping a request. A client keeps its rate
// bucket while its name and rate stay the same.
func (s *Server) Reload(cs *Clients) {
	s.clients.Store(cs)
	s.bucketsMu.Lock()
	defer s.bucketsMu.Unlock()
	keep := map[string]*bucket{}
	for _, c := range cs.list {
		if b, ok := s.buckets[bucketKey(c)]; ok {
			keep[bucketKey(c)] = b
		}
	}
	s.buckets = keep
}

func bucketKey(c *Client) string { return fmt.Sprintf("%d/%s", c.RatePerMinute, c.Name) }

// bucket is c's rate bucket, made full on first use.
func (s *Server) bucket(c *Client) *bucket {
	s.bucketsMu.Lock()
	defer s.bucketsMu.Unlock()
	b, ok := s.buckets[bucketKey(c)]
	if !ok {
		b = newBucket(c.RatePerMinute, s.opts.Now())
		s.buckets[bucketKey(c)] = b
	}
	return b
}

// Handler serves the relay.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// exchange is one request on its way through the relay.
type exchange struct {
	w     http.ResponseWriter
	r     *http.Request
	entry AuditEntry
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	start := s.opts.Now()
	// Answers carry tickets and members' data: no shared cache keeps them.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// Until the path checks out it is logged as sent, escaped: the client
	// (maybe one without a token) chose every byte of it.
	x := &exchange{w: w, r: r, entry: AuditEntry{Method: logSafe(r.Method), Path: logSafe(sentPath(r))}}
	x.entry.Remote = remoteHost(r)
	s.handle(x)
	x.entry.Time = start.UTC().Format(time.RFC3339Nano)
	x.entry.LatencyMS = float64(s.opts.Now().Sub(start).Microseconds()) / 1000
	s.audit(x.entry)
}

func (s *Server) handle(x *exchange) {
	r := x.r
	p, err := CheckPath(r.URL.Path, r.URL.RawPath)
	if err != nil {
		x.refuse(http.StatusBadRequest, "bad_path", err.Error())
		return
	}
	x.entry.Path = logSafe(p)
	token, err := ParseBearer(r.Header.Get("Authorization"))
	if err != nil {
		x.w.Header().Set("WWW-Authenticate", `Bearer realm="wwcli relay"`)
		x.refuse(http.StatusUnauthorized, "unauthorized", err.Error())
		return
	}
	client, ok := s.clients.Load().Authenticate(token)
	if !ok {
		x.w.Header().Set("WWW-Authenticate", `Bearer realm="wwcli relay", error="invalid_token"`)
		x.refuse(http.StatusUnauthorized, "unauthorized", "unknown client token: check WWCLI_RELAY_TOKEN against the relay's clients file")
		return
	}
	x.entry.Client = client.Name
	if p == WhoamiPath {
		x.writeJSON(http.StatusOK, struct {
			Client string `json:"client"`
			Identity
			ReadOnly bool `json:"read_only"`
		}{client.Name, s.opts.Identity, client.ReadOnly})
		return
	}
	switch {
	case SecretPath(p):
		x.refuse(http.StatusForbidden, "secret_path", p+" hands out or takes a token or secret: tokens stay on the relay, which adds its own access_token to every call")
		return
	case !client.Allows(p):
		x.refuse(http.StatusForbidden, "path_not_allowed", fmt.Sprintf("client %q may not call %s: add it to the client's paths in the relay's clients file", client.Name, p))
		return
	case r.Method != http.MethodGet && r.Method != http.MethodPost:
		x.w.Header().Set("Allow", "GET, POST")
		x.refuse(http.StatusMethodNotAllowed, "method", "WeCom's API takes GET and POST only")
		return
	case client.ReadOnly && r.Method != http.MethodGet:
		x.refuse(http.StatusForbidden, "read_only", fmt.Sprintf("client %q is read-only (GET only)", client.Name))
		return
	}
	if ok, wait := s.bucket(client).take(s.opts.Now()); !ok {
		secs := max(1, int((wait+time.Second-1)/time.Second))
		x.w.Header().Set("Retry-After", strconv.Itoa(secs))
		x.refuse(http.StatusTooManyRequests, "rate_limited", fmt.Sprintf("client %q is over its rate of %d requests per minute: retry after %d s", client.Name, client.RatePerMinute, secs))
		return
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		x.refuse(http.StatusBadRequest, "bad_query", "the query string is not valid URL encoding")
		return
	}
	dropParams(query, client)
	body, release, ok := s.readBody(x, p)
	defer release() // the body's share of the budget, once answered
	if !ok {
		return
	}
	if kind, ok := ticketKind(r.Method, p, query); ok {
		s.serveTicket(x, kind)
		return
	}
	if !s.upstreamSlot(x) {
		return
	}
	defer func() { <-s.upstream }()
	if d, ok := s.opts.Upstream.(Downloader); ok && r.Method == http.MethodGet && downloadPaths[p] {
		ans, err := d.Download(r.Context(), wecom.Request{Method: r.Method, Path: p, Query: query}, r.Header.Get("Range"), MaxDownload)
		x.fileAnswer(ans, err)
		return
	}
	req := wecom.Request{Method: r.Method, Path: p, Query: query}
	if r.Method == http.MethodPost {
		req.Body = body
		req.ContentType = r.Header.Get("Content-Type")
	}
	raw, err := s.opts.Upstream.Call(r.Context(), req)
	x.upstreamAnswer(raw, err)
}

// upstreamSlot waits for one of the MaxUpstream slots for a call to
// WeCom; false when the client went away first (answered 499).
func (s *Server) upstreamSlot(x *exchange) bool {
	select {
	case s.upstream <- struct{}{}:
		return true
	case <-x.r.Context().Done():
		x.refuse(499, "client_gone", "the client went away")
		return false
	}
}

// dropParams removes what a client may not pass on, whatever its case
// (WeCom's parameter names are not known to be case-sensitive): any
// access_token, as the relay's own is the only one WeCom may see, and
// debug unless the client is allowed it, as WeCom allows an app 5 debug
// calls a minute in all.
func dropParams(q url.Values, c *Client) {
	for name := range q {
		if strings.EqualFold(name, "access_token") || (!c.Debug && strings.EqualFold(name, "debug")) {
			delete(q, name)
		}
	}
}

// remoteHost is the client's IP address.
func remoteHost(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return ""
}

// sentPath is the path of the request target as the client sent it.
func sentPath(r *http.Request) string {
	if r.URL.RawPath != "" {
		return r.URL.RawPath
	}
	return r.URL.Path
}

// ticketKind: the two jsapi_ticket calls (DOC 90506, DOC 90454), answered from
// the relay's ticket cache.
func ticketKind(method, p string, q url.Values) (wecom.TicketKind, bool) {
	if method != http.MethodGet {
		return "", false
	}
	switch {
	case p == "/cgi-bin/get_jsapi_ticket":
		return wecom.CorpTicket, true
	case p == "/cgi-bin/ticket/get" && q.Get("type") == "agent_config":
		return wecom.AgentTicket, true
	}
	return "", false
}

func (s *Server) serveTicket(x *exchange, kind wecom.TicketKind) {
	ticket, expiresIn, err := s.opts.Upstream.Ticket(x.r.Context(), kind)
	if err != nil {
		var apiErr *wecom.APIError
		if errors.As(err, &apiErr) {
			code := apiErr.Code
			x.entry.ErrCode = &code
			x.writeJSON(http.StatusOK, map[string]any{"errcode": apiErr.Code, "errmsg": apiErr.Msg})
			return
		}
		x.upstreamAnswer(nil, err)
		return
	}
	zero := 0
	x.entry.ErrCode = &zero
	x.writeJSON(http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": expiresIn})
}

// upstreamAnswer passes WeCom's answer through unchanged, errcode or not.
// Without one (no connection, HTTP 5xx, not JSON) it answers 502, or 404
// for an endpoint WeCom does not have.
func (x *exchange) upstreamAnswer(raw json.RawMessage, err error) {
	if len(raw) > 0 {
		var env struct {
			ErrCode *int `json:"errcode"`
		}
		if json.Unmarshal(raw, &env) == nil {
			code := 0
			if env.ErrCode != nil {
				code = *env.ErrCode
			}
			x.entry.ErrCode = &code
		}
		x.w.Header().Set("Content-Type", "application/json; charset=utf-8")
		x.w.WriteHeader(http.StatusOK)
		_, _ = x.w.Write(raw)
		x.entry.Status = http.StatusOK
		return
	}
	var httpErr *wecom.HTTPError
	var unknown *wecom.DeliveryUnknownError
	switch {
	case err == nil:
		x.refuse(http.StatusBadGateway, "upstream_empty", "WeCom answered with an empty body")
	case errors.As(err, &httpErr) && httpErr.Status == http.StatusNotFound:
		x.refuse(http.StatusNotFound, "upstream_not_found", "WeCom has no endpoint "+x.entry.Path)
	case errors.As(err, &unknown):
		x.refuse(http.StatusBadGateway, "upstream_delivery_unknown", "WeCom did not answer the POST: it may have acted; check before sending again")
	case errors.Is(err, context.Canceled):
		x.refuse(499, "client_gone", "the client went away")
	default:
		x.refuse(http.StatusBadGateway, "upstream", "WeCom could not be reached or did not answer with JSON")
	}
}

// fileAnswer passes a download through: WeCom's status, file headers and
// bytes, or its JSON error as upstreamAnswer does.
func (x *exchange) fileAnswer(ans *wecom.FileAnswer, err error) {
	if err != nil || ans == nil {
		var raw json.RawMessage
		if ans != nil {
			raw = ans.Body
		}
		x.upstreamAnswer(raw, err)
		return
	}
	for k, v := range ans.Header {
		x.w.Header()[k] = v
	}
	x.w.Header().Set("Content-Length", strconv.Itoa(len(ans.Body)))
	x.w.WriteHeader(ans.Status)
	_, _ = x.w.Write(ans.Body)
	x.entry.Status = ans.Status
}

// refuse answers the relay's own error: JSON without an errcode, so no
// client mistakes it for WeCom's answer.
func (x *exchange) refuse(status int, kind, msg string) {
	x.entry.Refused = kind
	x.writeJSON(status, map[string]string{"error": kind, "message": msg})
}

func (x *exchange) writeJSON(status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	x.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	x.w.WriteHeader(status)
	_, _ = x.w.Write(buf.Bytes())
	x.entry.Status = status
}
