package sandbox

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/pkg/recording"
)

// Options configure a Server. The zero value serves the demo corp.
type Options struct {
	// SuiteCallbacks maps a suite or 代开发 template id to its instruction
	// callback URL: suite_ticket and auth events are pushed there (suite.go).
	SuiteCallbacks map[string]string
	PushClient     *http.Client // posts those pushes; nil = a client with a 5 s timeout

	Fixtures   *Fixtures        // nil = DemoFixtures()
	TokenTTL   time.Duration    // 0 = 7200s
	TrustedIPs []string         // empty = trust every caller (per-app trusted_ips still apply); else others get 60020
	Now        func() time.Time // nil = time.Now; the control API moves the sandbox clock forward from it
	// Log gets one line per request (nil = none); secrets and tokens are
	// never logged in clear. Lines go through a bounded queue: a Log nobody
	// reads (a full stderr pipe) never holds up an answer; lines that do not
	// fit are dropped and counted in a warning line once there is room.
	Log   io.Writer
	Codes CodeStore // nil = codes live in memory; else issued codes go there and unknown codes come from there

	// Replay answers endpoints the sandbox does not simulate (replay.go, --replay).
	Replay []recording.Exchange

	// StatePath, when set, is a JSON file the state (tokens, tickets, codes,
	// messages, contacts, clock offset, ...) is loaded from by Open and saved
	// to on change (debounced) and at Close. See state.go.
	StatePath string
}

const (
	defaultTokenTTL = 7200 * time.Second
	ticketTTL       = 7200 * time.Second
	codeTTL         = 5 * time.Minute
	userTicketTTL   = 1800 * time.Second
	debugWindow     = time.Minute
	debugLimit      = 5
	maxLogEntries   = 1000
	maxMessages     = 1000
	// expired tokens are remembered this long (answering 42001), then forgotten (40014)
	tokenMemory = 24 * time.Hour
)

// Server is a sandbox instance. All methods are safe for concurrent use.
type Server struct {
	opts    Options
	fx      *Fixtures
	corps   map[string]*corpIndex
	routes  map[string]route        // the API (api.go)
	control map[string]controlRoute // the control API (control_routes.go)

	mu       sync.Mutex
	offset   time.Duration
	tokens   map[string]*token
	codes    map[string]*authCode
	tickets  map[string]*userTicket
	debug    map[string][]time.Time
	faults   []*faultRule
	counts   map[string]int
	oddPaths int // distinct unknown paths in counts (countRequest)
	log      []LogEntry
	messages []Message
	msgSeq   int
	suiteState
	robotState
	mediaState
	expiryState
	liveState
	persistState
	jobs map[string]*batchJob // batch/syncuser jobs by jobid

	logq     *serve.LineQueue            // Options.Log behind its queue; nil without a Log
	hosts    atomic.Pointer[serve.Hosts] // the Host allow-list: Listen's, else loopback names and IPs
	bodies   *serve.Budget               // what request bodies in flight may hold (20 MB uploads)
	listener *serve.Server               // set by Listen (under mu)

	done      chan struct{}
	closeOnce sync.Once
}

// corpIndex is a corp with lookup tables built at New and rebuilt by
// reindex after every change to its members, departments or tags.
type corpIndex struct {
	*Corp
	apps    map[int64]*App
	secrets map[string]secretRef
	users   map[string]*User // keyed by lowercased userid (see user)
	depts   map[int64]*Department
	tags    map[int64]*Tag
}

// Secret kinds: an app's own secret, the 通讯录同步 (contact-sync) secret,
// the 客户联系 (customer contact) secret. Tokens are per secret (DOC 91039).
const (
	kindApp = iota
	kindContact
	kindExternal
)

type secretRef struct {
	app  *App // nil for the contact and customer-contact secrets
	kind int
}

type token struct {
	corp    *corpIndex
	app     *App // nil: contact-sync or customer-contact token
	kind    int
	expires time.Time
}

// isContact: the 通讯录同步 token, the only one that may write contacts.
func (t *token) isContact() bool { return t.kind == kindContact }

type authCode struct {
	corp    *corpIndex
	agentID int64 // 0 = any app of the corp
	userID  string
	openID  string
	scope   string
	kind    string
	expires time.Time
}

type userTicket struct {
	corp    *corpIndex
	agentID int64
	userID  string
	expires time.Time
}

// New builds a server. Invalid fixtures are a programming error here
// (LoadFixtures validates user input), so New panics on them.
func New(opts Options) *Server {
	if opts.StatePath != "" {
		panic("sandbox.New: Options.StatePath needs Open")
	}
	if opts.Fixtures == nil {
		opts.Fixtures = DemoFixtures()
	}
	if err := opts.Fixtures.Validate(); err != nil {
		panic("sandbox.New: " + err.Error())
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = defaultTokenTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, fx: opts.Fixtures, corps: map[string]*corpIndex{}, done: make(chan struct{}),
		bodies: serve.NewBudget(serve.DefaultBudget)}
	defaultHosts, _ := serve.NewHosts("", nil) // no extra names: cannot fail
	s.hosts.Store(defaultHosts)
	if opts.Log != nil {
		s.logq = serve.NewLineQueue(opts.Log, serve.QueueOptions{Name: "the request log"})
	}
	s.robotKeys = map[string]*robotRef{}
	for i := range s.fx.Corps {
		c := &s.fx.Corps[i]
		ci := &corpIndex{Corp: c, apps: map[int64]*App{}, secrets: map[string]secretRef{}}
		for j := range c.Apps {
			ci.apps[c.Apps[j].AgentID] = &c.Apps[j]
			ci.secrets[c.Apps[j].Secret] = secretRef{app: &c.Apps[j], kind: kindApp}
		}
		if c.ContactSecret != "" {
			ci.secrets[c.ContactSecret] = secretRef{kind: kindContact}
		}
		if c.ExternalContactSecret != "" {
			ci.secrets[c.ExternalContactSecret] = secretRef{kind: kindExternal}
		}
		ci.reindex()
		s.corps[c.CorpID] = ci
		for j := range c.Robots {
			s.robotKeys[c.Robots[j].Key] = &robotRef{Robot: &c.Robots[j], corp: ci}
		}
	}
	s.initSuites()
	s.routes = s.apiRoutes()
	s.control = s.controlRoutes()
	s.keepPristine()
	s.resetState()
	return s
}

func (s *Server) resetState() {
	s.offset = 0
	s.resetSuites()
	s.tokens = map[string]*token{}
	s.codes = map[string]*authCode{}
	s.tickets = map[string]*userTicket{}
	s.expiryState = expiryState{}
	s.debug = map[string][]time.Time{}
	s.faults = nil
	s.counts = map[string]int{}
	s.oddPaths = 0
	s.log = nil
	s.messages = nil
	s.msgSeq = 0
	s.resetRobots()
	s.resetMedia()
	s.liveState = newLiveState()
	s.jobs = map[string]*batchJob{}
	s.changed()
}

// Handler serves /cgi-bin/... (the WeCom API) and /_sandbox/... (control).
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/cgi-bin/"):
			s.serveAPI(w, r)
		case r.URL.Path == "/_sandbox" || strings.HasPrefix(r.URL.Path, "/_sandbox/"):
			s.serveControl(w, r)
		default:
			writeJSON(w, http.StatusNotFound, object{{"error", "not found: the sandbox serves /cgi-bin/... and /_sandbox/..."}})
		}
	})
}

// Close stops the listener of Listen or Start, waiting a little for
// requests in flight (injected delays are cut short), saves the state a
// last time (Options.StatePath) and lets the queued log lines out, waiting
// at most a second for a Log nobody reads.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	s.mu.Lock()
	srv := s.listener
	s.mu.Unlock()
	var err error
	if srv != nil {
		err = srv.Shutdown() // bounded; a second call after serve's Wait returns at once
	}
	err = errors.Join(err, s.SaveState())
	if s.logq != nil {
		s.logq.Close(time.Second)
	}
	return err
}

// Now is the sandbox clock: Options.Now plus every Advance.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Server) nowLocked() time.Time { return s.opts.Now().Add(s.offset) }

func callerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// readBody reads a POST body, at most limit bytes (more is cut off, as it
// always was: the handlers then find a short multipart or JSON body),
// within the server's memory budget. ok is false when the answer was
// already written: 503 when the budget stayed full, 400 when the body could
// not be read. Call release after the answer.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, limit int64, finish func(status, code int)) (body []byte, release func(), ok bool) {
	length := r.ContentLength
	if length > limit {
		length = -1 // read the first limit bytes, as io.LimitReader does
	}
	body, release, err := s.bodies.ReadBody(r.Context(), io.LimitReader(r.Body, limit), length, limit)
	switch {
	case errors.Is(err, serve.ErrBusy):
		finish(http.StatusServiceUnavailable, 0)
		w.Header().Set("Retry-After", "1")
		http.Error(w, "the sandbox holds as many request bodies as it may: retry in a moment", http.StatusServiceUnavailable)
		return nil, release, false
	case err != nil:
		finish(http.StatusBadRequest, 0)
		http.Error(w, "cannot read request body", http.StatusBadRequest)
		return nil, release, false
	}
	return body, release, true
}
