package cmdutil

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/session"
	"github.com/wwcli/wwcli/pkg/tokencache"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// Session is an authenticated conversation with WeCom for one app: it
// hands out cached tokens and tickets and retries a call once when WeCom
// says the token went stale.
type Session struct {
	Creds   credentials.Credentials
	BaseURL string
	Client  *wecom.Client
	// cache is nil with --no-cache and in sandbox mode (the in-process
	// sandbox is new every run, so its tokens must never reach the disk).
	cache tokencache.Store
	// memory keeps the tokens of this process when there is no cache, so
	// one run fetches each token once (WeCom limits gettoken).
	memory *memoryTokens
	// suite is set for an authorized corp (Creds.Suite): the access token
	// is then the corp token from get_corp_token.
	suite *SuiteSession
	now   func() time.Time
	// tokenFromCache remembers whether the token in use came from the
	// cache: then 40001 may mean "secret rotated", worth one refetch.
	tokenFromCache bool
	// relay: WWCLI_RELAY mode, the relay adds (and refreshes) the token.
	relay bool
}

// Session resolves credentials and builds a client for them.
func (f *Factory) Session(ctx context.Context, command string, in CredInput, noCache bool) (*Session, error) {
	creds, err := f.ResolveCredentials(ctx, command, in)
	if err != nil {
		return nil, err
	}
	if creds.Suite != nil {
		ss, err := f.SuiteSessionFor(*creds.Suite, noCache)
		if err != nil {
			return nil, err
		}
		return ss.corpSessionFor(creds, noCache)
	}
	return f.SessionFor(creds, noCache)
}

// SessionFor builds a session for already resolved credentials.
func (f *Factory) SessionFor(creds credentials.Credentials, noCache bool) (*Session, error) {
	base, err := f.APIBaseURL(creds)
	if err != nil {
		return nil, err
	}
	if f.RelayMode() {
		return f.relaySession(creds, base)
	}
	client := wecom.New(base, f.HTTPClient())
	client.Now = f.Now
	if f.Global.Debug || f.Global.Verbose {
		client.Log = f.IO.ErrOut // URLs only, secrets redacted
	}
	if f.Global.Debug {
		client.Debug = true
		f.warnDebug()
	}
	s := &Session{Creds: creds, BaseURL: base, Client: client, now: f.Now, memory: f.memoryTokens()}
	if !noCache && !f.Global.Sandbox {
		c, err := f.TokenCache() // the file cache, or Redis (WWCLI_CACHE_URL)
		if err != nil {
			return nil, err
		}
		s.cache = c
	}
	return s, nil
}

// APIBaseURL picks the API host: the sandbox, --base-url/WWCLI_BASE_URL,
// the profile's base URL, or WeCom itself.
func (f *Factory) APIBaseURL(creds credentials.Credentials) (string, error) {
	if f.RelayMode() {
		return f.relayBaseURL()
	}
	if f.Global.Sandbox {
		return f.SandboxURL()
	}
	base := firstNonEmpty(f.Global.BaseURL, creds.BaseURL, wecom.DefaultBaseURL)
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return "", FlagErrorf("base URL %q must start with https:// (or http:// for a local sandbox)", base)
	}
	if err := f.checkPlainHTTP(base); err != nil {
		return "", err
	}
	base = strings.TrimRight(base, "/")
	// Endpoints are /cgi-bin/..., so a base URL copied with it would
	// call /cgi-bin/cgi-bin/... and meet only 404s.
	if trimmed, ok := strings.CutSuffix(base, "/cgi-bin"); ok {
		f.Warnf("the base URL %s ends in /cgi-bin, which wwcli adds itself: using %s", base, trimmed)
		base = trimmed
	}
	return base, nil
}

// checkPlainHTTP refuses an http:// base URL to a host other than
// loopback (where the sandbox runs) unless --insecure-http says so: the
// secret and every token would travel in clear.
func (f *Factory) checkPlainHTTP(base string) error {
	if !strings.HasPrefix(base, "http://") {
		return nil
	}
	u, err := url.Parse(base)
	if err != nil || u.Hostname() == "" {
		return FlagErrorf("base URL %q is not a URL: use https://qyapi.weixin.qq.com or a sandbox's http://127.0.0.1:PORT", base)
	}
	if serve.IsLoopback(u.Hostname()) {
		return nil
	}
	if !f.Global.InsecureHTTP {
		return FlagErrorf("base URL %s is plain http to a host other than this machine: the secret would travel in clear.\n"+
			"  use https://, or pass --insecure-http if this host is meant to be reached without TLS", strings.TrimRight(base, "/"))
	}
	f.Warnf("--insecure-http: calling %s over plain http; the secret and tokens travel in clear", u.Host)
	return nil
}

// PlannedBaseURL is the API base URL a session for in will use, found
// without reading any secret, so that a usage error that depends on the
// host is reported before the keyring is asked.
func (f *Factory) PlannedBaseURL(in CredInput) (string, error) {
	var creds credentials.Credentials
	explicit := len(in.Args) > 0 || in.SecretStdin || in.SecretFile != "" || f.Getenv("WWCLI_SECRET") != ""
	if !explicit && !f.Global.Sandbox && f.Global.BaseURL == "" {
		if p, err := f.profile(); err == nil && p != nil {
			creds.BaseURL = p.BaseURL // the profile's host goes with the profile's secret
		}
	}
	return f.APIBaseURL(creds)
}

func (f *Factory) warnDebug() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.debugWarned {
		f.debugWarned = true
		fmt.Fprintln(f.IO.ErrOut, "warning: --debug adds debug=1 to WeCom calls; WeCom then allows only 5 calls per minute (45009). Never leave it on in production.")
	}
}

func (s *Session) key(kind string) tokencache.Key {
	k := tokencache.Key{BaseURL: s.BaseURL, CorpID: s.Creds.CorpID, Secret: s.Creds.Secret, Kind: kind}
	if s.Creds.Suite != nil {
		// One corp's permanent codes differ per suite; fold the suite in anyway.
		k.Secret = s.Creds.Suite.SuiteID + "\x00" + s.Creds.Secret
	}
	if kind == "ticket:agent" {
		k.AgentID = s.Creds.AgentID
	}
	return k
}

// get returns a cached value or fetches it (once across processes).
func (s *Session) get(ctx context.Context, kind string, refresh bool, fetch tokencache.Fetcher) (session.Result, error) {
	if kind == "token" && s.suite != nil {
		// An authorized corp's access token is its corp token (get_corp_token).
		kind, fetch = KindCorpToken, s.corpToken
	}
	k := s.key(kind)
	if s.cache == nil {
		e, err := s.memory.getOrFetch(ctx, k, refresh, s.now, fetch)
		if err != nil {
			return session.Result{}, err
		}
		// Rounded: a token fetched a moment ago says its full lifetime.
		return session.Result{Value: e.Value, ExpiresIn: int(e.ExpiresIn(s.now()).Round(time.Second).Seconds()), ExpiresAt: e.ExpiresAt}, nil
	}
	var e tokencache.Entry
	var cached bool
	var err error
	if refresh {
		e, err = s.cache.Refetch(ctx, k, fetch)
	} else {
		e, cached, err = s.cache.GetOrFetch(ctx, k, fetch)
	}
	if err != nil {
		return session.Result{}, err
	}
	return session.Result{Value: e.Value, ExpiresIn: int(e.ExpiresIn(s.now()).Seconds()), ExpiresAt: e.ExpiresAt, Cached: cached}, nil
}

// Token returns an access_token, from the cache when fresh.
func (s *Session) Token(ctx context.Context, refresh bool) (session.Result, error) {
	if s.relay {
		return session.Result{}, errTokenOnRelay(s.BaseURL)
	}
	r, err := s.get(ctx, "token", refresh, func(ctx context.Context) (string, time.Duration, error) {
		t, err := s.Client.GetToken(ctx, s.Creds.CorpID, s.Creds.Secret)
		if err != nil {
			return "", 0, err
		}
		if t.AccessToken == "" {
			return "", 0, fmt.Errorf("gettoken answered without an access_token")
		}
		return t.AccessToken, time.Duration(t.ExpiresIn) * time.Second, nil
	})
	if err == nil {
		s.tokenFromCache = r.Cached
	}
	return r, err
}

// Ticket returns the corp or app jsapi_ticket, from the cache when fresh.
// WeCom hands out the app ticket of the app whose secret made the token,
// whatever agent id the caller has in mind, so before fetching one for a
// known agent id it checks with agent/get that the secret is that app's.
func (s *Session) Ticket(ctx context.Context, kind wecom.TicketKind, refresh bool) (session.Result, error) {
	cacheKind := "ticket:" + string(kind)
	var result session.Result
	err := s.withToken(ctx, func(token string) error {
		r, err := s.get(ctx, cacheKind, refresh, func(ctx context.Context) (string, time.Duration, error) {
			if kind == wecom.AgentTicket && s.Creds.AgentID != "" && !s.relay { // the relay checks its own
				if _, err := s.Client.GetAgent(ctx, token, s.Creds.AgentID); err != nil {
					return "", 0, agentCheckError(s.Creds.AgentID, err)
				}
			}
			t, err := s.Client.GetTicket(ctx, token, kind)
			if err != nil {
				return "", 0, err
			}
			if t.Ticket == "" {
				return "", 0, fmt.Errorf("WeCom answered without a ticket")
			}
			return t.Ticket, time.Duration(t.ExpiresIn) * time.Second, nil
		})
		result = r
		return err
	})
	return result, err
}

// Call sends req with the access_token added as a query parameter (WeCom
// never takes it in the body).
func (s *Session) Call(ctx context.Context, req wecom.Request, out any) (json.RawMessage, error) {
	var raw json.RawMessage
	err := s.withToken(ctx, func(token string) error {
		r := req
		r.Query = cloneQuery(req.Query)
		r.Query.Set("access_token", token)
		var err error
		raw, err = s.Client.Do(ctx, r, out)
		return err
	})
	return raw, err
}

// withToken runs fn with a token; when WeCom says the token is invalid or
// expired (40014, 42001 — or 40001 for a cached token, as after a secret
// reset) it drops the cached token, fetches a new one and retries once.
func (s *Session) withToken(ctx context.Context, fn func(token string) error) error {
	if s.relay {
		return relayError(s.BaseURL, fn(""))
	}
	t, err := s.Token(ctx, false)
	if err != nil {
		return err
	}
	err = fn(t.Value)
	if err == nil || !s.staleToken(err) {
		return err
	}
	t, err = s.Token(ctx, true)
	if err != nil {
		return err
	}
	return fn(t.Value)
}

func (s *Session) staleToken(err error) bool {
	if wecom.IsCode(err, 40014, 42001) {
		return true
	}
	return s.tokenFromCache && wecom.IsCode(err, 40001)
}

// memoryTokens are the tokens and tickets one process fetched without the
// disk cache, keyed like the cache.
type memoryTokens struct {
	mu      sync.Mutex
	entries map[string]tokencache.Entry
	// keyLocks serialise fetches per key; a corp token's fetch needs the
	// suite token, so one lock for all keys would deadlock.
	keyLocks map[string]*sync.Mutex
}

func (f *Factory) memoryTokens() *memoryTokens {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.memory == nil {
		f.memory = &memoryTokens{entries: map[string]tokencache.Entry{}}
	}
	return f.memory
}

// getOrFetch returns the fresh entry for k or fetches one; the lock is
// held across the fetch so concurrent checks of one run fetch once. With
// refresh it fetches anyway, and a failed fetch keeps the old entry.
func (m *memoryTokens) getOrFetch(ctx context.Context, k tokencache.Key, refresh bool, now func() time.Time, fetch tokencache.Fetcher) (tokencache.Entry, error) {
	id := k.ID()
	m.mu.Lock()
	if m.keyLocks == nil {
		m.keyLocks = map[string]*sync.Mutex{}
	}
	kl := m.keyLocks[id]
	if kl == nil {
		kl = &sync.Mutex{}
		m.keyLocks[id] = kl
	}
	m.mu.Unlock()
	kl.Lock()
	defer kl.Unlock()
	m.mu.Lock()
	e, ok := m.entries[id]
	m.mu.Unlock()
	if ok && !refresh && e.FreshAt(now()) {
		return e, nil
	}
	e, err := tokencache.NewEntry(ctx, k, now(), fetch)
	if err != nil {
		return tokencache.Entry{}, err
	}
	m.mu.Lock()
	m.entries[id] = e
	m.mu.Unlock()
	return e, nil
}

func cloneQuery(q map[string][]string) map[string][]string {
	out := make(map[string][]string, len(q)+1)
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// AgentMismatchError is an agent id that is not the app of the secret:
// its app ticket would be another app's.
type AgentMismatchError struct {
	AgentID string
	Err     *wecom.APIError // agent/get's answer: 301002 or 40056
}

func (e *AgentMismatchError) Error() string {
	return fmt.Sprintf("agent id %s is not the app of this secret (agent/get answered errcode %d).\n"+
		"  WeCom gives the app ticket of the app whose secret made the token: pass that app's\n"+
		"  --agent-id (or WWCLI_AGENT_ID), or the secret of app %s.", e.AgentID, e.Err.Code, e.AgentID)
}

// Explain is the message itself: the generic errcode text would hide it.
func (e *AgentMismatchError) Explain() string { return e.Error() }

func (e *AgentMismatchError) Unwrap() error { return e.Err }

// ExitCode: WeCom answered an errcode.
func (e *AgentMismatchError) ExitCode() int { return ExitAPI }

// agentCheckError turns agent/get's "not your app" answers into an
// AgentMismatchError; other failures (network, stale token) stay as they are.
func agentCheckError(agentID string, err error) error {
	var apiErr *wecom.APIError
	if errors.As(err, &apiErr) && (apiErr.Code == 301002 || apiErr.Code == 40056) {
		return &AgentMismatchError{AgentID: agentID, Err: apiErr}
	}
	return err
}
