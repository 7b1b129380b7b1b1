// Package callbackserve is the server behind `wwcli callback serve`: a
// WeCom callback URL (接收消息服务器) that answers URL verification,
// verifies and decrypts each POST, prints one JSON line per message and,
// with a forward URL, hands the plaintext to the user's app and returns its
// answer as the passive reply. With a Suite it serves a third-party app's
// instruction callback (指令回调) instead: suite_tickets are stored,
// replays cannot roll them back (audit N7), and pushed auth codes may be
// exchanged for permanent codes.
//
// It listens through the server foundation (internal/serve) and writes
// only to serve.LineQueues, so a stdout or stderr nobody reads never holds
// up an answer to WeCom (audit D4). It knows nothing about cobra or
// terminals: the command passes icons, a renderer for its --json/--jq
// output, a clock and the suite's session as data and functions.
//
// It is wwcli's own, not a library for other modules: its API takes
// internal/serve types. cmd/callback imports it (and any other front end
// of the same command, such as `wwcli mcp`).
package callbackserve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wwcli/wwcli/internal/serve"
	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/safetext"
	"github.com/wwcli/wwcli/pkg/suite"
	"github.com/wwcli/wwcli/pkg/suiteticket"
)

// PublicRisk is why callback serve listens on loopback unless told
// otherwise (the refusal of a non-loopback --addr says it).
const PublicRisk = "anyone who reaches it can send it requests: forged ones are refused, but a replayed captured message is accepted and, with --forward-to, reaches your app"

// Options configure a Server.
type Options struct {
	// Crypter checks and opens POSTs; a non-empty receive id is compared.
	Crypter *cb.Crypter
	// Path is the callback path ("" = "/"); other paths get 404.
	Path string
	// MaxBody caps one POST body (0 = callback.DefaultMaxBody).
	MaxBody int64
	// Budget bounds the bodies of all requests in flight (nil = a budget
	// of serve.DefaultBudget); beyond it a POST gets 503 with Retry-After.
	Budget *serve.Budget
	Now    func() time.Time // nil = time.Now

	// Out gets one line per message (stdout: data only); Log one line
	// per request and event (stderr). Both are required; NewOutputs
	// builds them.
	Out, Log *serve.LineQueue
	// Render turns a line of Out (a MessageLine or SuiteEventLine) into
	// the bytes written, newline included: the command's --json/--jq.
	// nil = compact JSON.
	Render func(v any) ([]byte, error)
	// Icons start the log lines (default ✓ and ✗).
	Icons Icons

	// ForwardTo, when set, gets each plaintext POSTed; a non-empty answer
	// is encrypted and returned to WeCom as the passive reply.
	ForwardTo *url.URL
	// Client sends the forwards (nil = a client with a 10 s timeout).
	Client *http.Client

	// Suite, when set, serves this suite's instruction callback.
	Suite *Suite
}

// Icons of the log lines: answered, refused.
type Icons struct{ OK, Fail string }

// Suite configures an instruction callback (指令回调, DOC 90628).
type Suite struct {
	ID      string
	Tickets *suiteticket.Store
	// VerifyCrypter answers GET URL verification. WeCom verifies a
	// provider's callback URL with the provider's corp id, not the suite
	// id, so it checks the Token signature and no receive id (nil =
	// Options.Crypter).
	VerifyCrypter *cb.Crypter
	// Exchange, when set, turns pushed create_auth / reset_permanent_code
	// auth codes into stored permanent codes after the answer.
	Exchange *Exchange
}

// Exchange is what turning an auth code into a stored permanent code needs.
type Exchange struct {
	// Suite calls WeCom with the suite token: its WithToken is the
	// command's suite session. Suite.ID must be the served suite's.
	Suite *suite.Suite
	// Store keeps the permanent code corpID gave suiteID (the secret store).
	Store func(ctx context.Context, suiteID, corpID, code string) error
	// Timeout bounds one exchange and store (0 = 30 s).
	Timeout time.Duration
}

// MessageLine is one stdout line of an app callback.
type MessageLine struct {
	ReceivedAt string            `json:"received_at"`
	Format     cb.Format         `json:"format"`
	ToUserName string            `json:"to_user_name"`
	AgentID    string            `json:"agent_id"`
	ReceiveID  string            `json:"receive_id"`
	MsgType    string            `json:"msg_type,omitempty"`
	Event      string            `json:"event,omitempty"`
	Fields     map[string]string `json:"fields,omitempty"`
	Message    string            `json:"message"`
	Forwarded  *ForwardResult    `json:"forwarded,omitempty"`
}

// ForwardResult tells how the app answered a forwarded message.
type ForwardResult struct {
	Status     int  `json:"status"`
	ReplyBytes int  `json:"reply_bytes"`
	Replied    bool `json:"replied"`
}

// Server is a callback URL. Make one with New; Close it after serving.
type Server struct {
	opts    Options
	client  *http.Client
	budget  *serve.Budget
	handler http.Handler

	seen suiteticket.Seen // msg_signatures of the suite pushes handled lately
	ex   *exchanger
}

// New checks o and builds the server. With a Suite.Exchange it starts the
// goroutine that exchanges auth codes: Close stops it.
func New(o Options) (*Server, error) {
	switch {
	case o.Crypter == nil:
		return nil, errors.New("callbackserve: no Crypter")
	case o.Path != "" && (!strings.HasPrefix(o.Path, "/") || !PlainPath(o.Path)):
		return nil, fmt.Errorf("callbackserve: Path %q is no plain path", o.Path)
	case o.Out == nil || o.Log == nil:
		return nil, errors.New("callbackserve: Out and Log are required (NewOutputs)")
	case o.Suite != nil && o.Suite.Tickets == nil:
		return nil, errors.New("callbackserve: a Suite needs its Tickets store")
	case o.Suite != nil && o.ForwardTo != nil:
		return nil, errors.New("callbackserve: an instruction callback answers \"success\", not a forwarded reply")
	case o.Suite != nil && o.Suite.Exchange != nil && (o.Suite.Exchange.Suite == nil || o.Suite.Exchange.Suite.ID != o.Suite.ID || o.Suite.Exchange.Store == nil):
		return nil, errors.New("callbackserve: Exchange needs the served suite and a Store")
	}
	if o.Path == "" {
		o.Path = "/"
	}
	if o.MaxBody <= 0 {
		o.MaxBody = cb.DefaultMaxBody
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Render == nil {
		o.Render = compactJSON
	}
	if o.Icons == (Icons{}) {
		o.Icons = Icons{OK: "✓", Fail: "✗"}
	}
	s := &Server{opts: o, client: o.Client, budget: o.Budget}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second}
	}
	if s.budget == nil {
		s.budget = serve.NewBudget(serve.DefaultBudget)
	}
	if o.Suite != nil && o.Suite.Exchange != nil {
		s.ex = newExchanger(*o.Suite.Exchange, s.logf)
	}
	s.handler = s.build()
	return s, nil
}

// PlainPath reports whether p can be the callback path as it is: the path
// is a ServeMux pattern, where a space would name a method and braces a
// wildcard (and a bad pattern panics).
func PlainPath(p string) bool { return !strings.ContainsAny(p, " \t\r\n{}") }

// Handler is the callback URL without the Host check (Listen adds it).
func (s *Server) Handler() http.Handler { return s.handler }

// Close lets the auth-code exchanges already queued finish, waiting at
// most 10 seconds.
func (s *Server) Close() {
	if s.ex != nil {
		s.ex.close()
	}
}

// build wires the crypto handler, the body budget, the suite's rules and
// the path.
func (s *Server) build() http.Handler {
	h := &cb.Handler{
		Crypter:   s.opts.Crypter,
		MaxBody:   s.opts.MaxBody,
		Now:       s.opts.Now,
		OnVerify:  s.onVerify,
		OnFailure: s.onFailure,
		OnMessage: s.onMessage,
		ReadBody:  s.readBody,
	}
	var handler http.Handler = h
	if s.opts.Suite != nil {
		h.OnMessage = s.onSuiteMessage
		handler = s.suiteHTTP(h)
	}
	mux := http.NewServeMux()
	mux.Handle(s.opts.Path, handler)
	if s.opts.Path != "/" {
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			s.logf("%s %s %s → 404: not the callback path %s", s.opts.Icons.Fail, r.Method, safetext.Escape(r.URL.Path), s.opts.Path)
			http.NotFound(w, r)
		})
	}
	return mux
}

func (s *Server) logf(format string, a ...any) { s.opts.Log.Push(fmt.Sprintf(format, a...)) }

func (s *Server) onVerify(r *http.Request, echo []byte) {
	s.logf("%s GET %s verification answered (%d bytes)", s.opts.Icons.OK, safetext.Escape(r.URL.Path), len(echo))
}

func (s *Server) onFailure(r *http.Request, status int, err error) {
	s.logf("%s %s %s → %d: %v", s.opts.Icons.Fail, r.Method, safetext.Escape(r.URL.Path), status, safetext.Escape(err.Error()))
}

// onMessage prints each app message and, with ForwardTo, returns the
// app's answer as the passive reply.
func (s *Server) onMessage(ctx context.Context, m *cb.Message) ([]byte, error) {
	line := MessageLine{
		ReceivedAt: m.Received.UTC().Format(time.RFC3339), Format: m.Format,
		ToUserName: m.ToUserName, AgentID: m.AgentID, ReceiveID: m.ReceiveID,
		Fields: cb.Fields(m.Plaintext), Message: string(m.Plaintext),
	}
	line.MsgType, line.Event = line.Fields["MsgType"], line.Fields["Event"]
	var reply []byte
	if s.opts.ForwardTo != nil {
		status, body, err := forward(ctx, s.client, s.opts.ForwardTo, m)
		if err != nil {
			return nil, err
		}
		reply = bytes.TrimSpace(body)
		line.Forwarded = &ForwardResult{Status: status, ReplyBytes: len(reply), Replied: len(reply) > 0}
	}
	s.emit(line)
	return reply, nil
}

// emit queues v's line on Out, never waiting: the answer to WeCom must not
// depend on someone reading stdout (a paused pager, a stuck `| jq`).
func (s *Server) emit(v any) {
	b, err := s.opts.Render(v)
	if err != nil {
		s.logf("warning: cannot print a message line: %s", safetext.Escape(err.Error()))
		return
	}
	if len(b) > 0 { // a --jq that selects nothing prints nothing
		_, _ = s.opts.Out.Write(b)
	}
}

// busyRetryAfter is the Retry-After of a 503 for a full body budget, in
// seconds: a body is held only while its message is handled.
const busyRetryAfter = 1

// readBody reads a POST body within its cap and the server's body budget,
// or answers the request: 400 with -40008 over the cap (as ever), 503 when
// the budget stays full.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, func(), bool) {
	// MaxBytesReader: past the cap net/http closes the connection instead
	// of reading the rest of a body nobody wants.
	body, release, err := s.budget.ReadBody(r.Context(), http.MaxBytesReader(w, r.Body, limit), r.ContentLength, limit)
	if err == nil {
		return body, release, true
	}
	release()
	var tooLarge *serve.TooLargeError
	var maxBytes *http.MaxBytesError
	status := http.StatusBadRequest
	switch {
	case errors.As(err, &tooLarge), errors.As(err, &maxBytes):
		err = cb.TooLarge(limit)
	case errors.Is(err, serve.ErrBusy):
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", strconv.Itoa(busyRetryAfter))
	default:
		err = &cb.Error{Code: cb.CodeParse, Detail: "cannot read the body: " + err.Error(), Err: err}
	}
	s.onFailure(r, status, err)
	http.Error(w, http.StatusText(status), status)
	return nil, release, false
}
