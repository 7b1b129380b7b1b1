package cmdutil

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/relay"
	"github.com/wwcli/wwcli/pkg/secretinput"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// Relay client mode: WWCLI_RELAY=URL (with WWCLI_RELAY_TOKEN or
// --relay-token-file) sends every call to a `wwcli relay`, which holds the
// secret and the access_token on a host with a trusted IP (企业可信IP,
// errcode 60020, DOC 90313). Calls carry "Authorization: Bearer <client token>"
// and no access_token; the corp id and agent id come from the relay.

// RelayMode reports whether WWCLI_RELAY is set.
func (f *Factory) RelayMode() bool { return f.Getenv("WWCLI_RELAY") != "" }

// relayBaseURL is WWCLI_RELAY, checked: the client token is a secret, so
// plain http only to loopback (or with --insecure-http).
func (f *Factory) relayBaseURL() (string, error) {
	base := strings.TrimRight(f.Getenv("WWCLI_RELAY"), "/")
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || (u.Path != "" && u.Path != "/") {
		return "", FlagErrorf("WWCLI_RELAY %q is not a relay URL: use the base URL `wwcli relay` printed, e.g. https://relay.example.com:8443", base)
	}
	if f.Global.Sandbox {
		return "", FlagErrorf("WWCLI_RELAY and --sandbox both name the API host: unset WWCLI_RELAY, or drop --sandbox")
	}
	if u.Scheme == "http" && !serve.IsLoopback(u.Hostname()) {
		if !f.Global.InsecureHTTP {
			return "", FlagErrorf("WWCLI_RELAY %s is plain http to another host: the client token would travel in clear.\n"+
				"  serve the relay with --tls-cert/--tls-key and use https://, or pass --insecure-http", base)
		}
		f.Warnf("--insecure-http: calling the relay %s over plain http; the client token travels in clear", u.Host)
	}
	if f.Global.BaseURL != "" {
		f.Warnf("WWCLI_RELAY is set: the base URL %s is ignored, calls go to the relay", f.Global.BaseURL)
	}
	return base, nil
}

// relayToken is --relay-token-file, else WWCLI_RELAY_TOKEN.
func (f *Factory) relayToken() (string, error) {
	if f.Global.RelayTokenFile != "" {
		t, err := secretinput.ReadFile(f.Global.RelayTokenFile, func(msg string) { f.Warnf("%s", msg) })
		if err != nil {
			return "", Errorf(ExitCredentials, "--relay-token-file: %v", err)
		}
		return t, nil
	}
	if t := strings.TrimSpace(f.Getenv("WWCLI_RELAY_TOKEN")); t != "" {
		return t, nil
	}
	return "", Errorf(ExitCredentials, "WWCLI_RELAY is set but there is no client token: set WWCLI_RELAY_TOKEN or pass --relay-token-file FILE")
}

// relaySession is a session whose calls go to the relay.
func (f *Factory) relaySession(creds credentials.Credentials, base string) (*Session, error) {
	token, err := f.relayToken()
	if err != nil {
		return nil, err
	}
	hc := f.HTTPClient()
	client := wecom.New(base, &http.Client{Timeout: hc.Timeout, Transport: &relayTransport{next: hc.Transport, token: token}})
	client.Now = f.Now
	if f.Global.Debug || f.Global.Verbose {
		client.Log = f.IO.ErrOut
	}
	// No disk cache: the relay caches tokens and tickets for every client.
	return &Session{Creds: creds, BaseURL: base, Client: client, now: f.Now, memory: f.memoryTokens(), relay: true}, nil
}

// relayCredentials asks the relay which corp and app it calls for. A
// secret given here would be unused, so it is refused rather than ignored.
func (f *Factory) relayCredentials(ctx context.Context, in CredInput) (credentials.Credentials, error) {
	if len(in.Args) > 0 || in.SecretStdin || in.SecretFile != "" {
		return credentials.Credentials{}, FlagErrorf("WWCLI_RELAY is set: the relay holds the secret; drop CORPID SECRET, --secret-stdin and --secret-file (or unset WWCLI_RELAY)")
	}
	if err := ValidateAgentID(in.AgentID); err != nil {
		return credentials.Credentials{}, err
	}
	if f.Getenv("WWCLI_SECRET") != "" {
		f.Warnf("WWCLI_RELAY is set: WWCLI_SECRET is not used, the relay holds the secret")
	}
	if f.Global.Profile != "" {
		f.Warnf("WWCLI_RELAY is set: profile %q is not used, the relay holds the credentials", f.Global.Profile)
	}
	base, err := f.relayBaseURL()
	if err != nil {
		return credentials.Credentials{}, err
	}
	s, err := f.relaySession(credentials.Credentials{}, base)
	if err != nil {
		return credentials.Credentials{}, err
	}
	var who struct {
		Client string `json:"client"`
		relay.Identity
	}
	if _, err := s.Client.Do(ctx, wecom.Request{Method: http.MethodGet, Path: relay.WhoamiPath}, &who); err != nil {
		return credentials.Credentials{}, relayError(base, err)
	}
	if in.CorpID != "" && in.CorpID != who.CorpID {
		return credentials.Credentials{}, FlagErrorf("--corp-id %s, but the relay %s calls for corp %s: drop --corp-id", in.CorpID, base, who.CorpID)
	}
	agent := firstNonEmpty(in.AgentID, f.Getenv("WWCLI_AGENT_ID"), who.AgentID)
	if who.AgentID != "" && agent != who.AgentID {
		// The relay's token is its app's: another agent id would get
		// that app's ticket and a mismatch from message/send.
		return credentials.Credentials{}, FlagErrorf("agent id %s, but the relay %s calls for app %s: drop --agent-id / WWCLI_AGENT_ID", agent, base, who.AgentID)
	}
	return credentials.Credentials{CorpID: who.CorpID, AgentID: agent, BaseURL: base,
		Source: fmt.Sprintf("relay %s (client %q)", base, who.Client)}, nil
}

// ErrTokenOnRelay: `wwcli token` (and anything else that wants the bare
// access_token) in relay mode.
func errTokenOnRelay(base string) error {
	return Errorf(ExitUsage, "WWCLI_RELAY is set: the access_token stays on the relay %s and is never handed out.\n"+
		"  call the API through the relay instead ('wwcli api PATH' adds it there),\n"+
		"  or unset WWCLI_RELAY to fetch a token with the app secret on a trusted host", base)
}

// relayTransport adds the client token and removes any access_token from
// the query: the relay adds its own, and the client has none to give.
type relayTransport struct {
	next  http.RoundTripper
	token string
}

func (t *relayTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	q := r.URL.Query()
	if _, ok := q["access_token"]; ok {
		q.Del("access_token")
		r.URL.RawQuery = q.Encode()
	}
	r.Header.Set("Authorization", "Bearer "+t.token)
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(r)
}

// RelayError is the relay's own refusal (not WeCom's answer), with the fix.
type RelayError struct {
	Base   string
	Path   string
	Status int
	Err    error
}

func (e *RelayError) Error() string {
	switch e.Status {
	case http.StatusUnauthorized:
		return fmt.Sprintf("the relay %s refused the client token (HTTP 401): check WWCLI_RELAY_TOKEN or --relay-token-file;\n"+
			"  its SHA-256 must be a token_sha256 in the relay's clients file", e.Base)
	case http.StatusForbidden:
		return fmt.Sprintf("the relay %s does not let this client call %s (HTTP 403): ask its operator to add the path\n"+
			"  to the client's paths (token endpoints such as gettoken are never relayed; a read-only client may only GET)", e.Base, e.Path)
	case http.StatusTooManyRequests:
		return fmt.Sprintf("the relay %s says this client is over its rate (HTTP 429): wait a minute, or ask for a higher rate_per_minute", e.Base)
	case http.StatusRequestEntityTooLarge:
		return fmt.Sprintf("the request to %s is larger than the relay %s accepts (HTTP 413)", e.Path, e.Base)
	}
	return fmt.Sprintf("the relay %s answered %s with HTTP %d", e.Base, e.Path, e.Status)
}

func (e *RelayError) Unwrap() error { return e.Err }

// ExitCode: a refused token or path is a credentials problem (4), like a
// wrong secret; an oversized request is bad input (2).
func (e *RelayError) ExitCode() int {
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return ExitCredentials
	case http.StatusRequestEntityTooLarge:
		return ExitUsage
	}
	return ExitFailure
}

// relayError turns the relay's refusals (HTTP 4xx without a WeCom errcode)
// into a RelayError; WeCom's own answers pass unchanged.
func relayError(base string, err error) error {
	var httpErr *wecom.HTTPError
	if errors.As(err, &httpErr) {
		switch httpErr.Status {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests, http.StatusRequestEntityTooLarge:
			return &RelayError{Base: base, Path: httpErr.Path, Status: httpErr.Status, Err: err}
		}
	}
	return err
}

// RelayUpstream is how `wwcli relay` reaches WeCom: Session.Call and
// Session.Ticket (token cache, single flight, refetch on 40014/42001, the
// POST rule) with a new Session per request, since a Session is not shared
// between goroutines; the token cache behind them is.
type RelayUpstream struct {
	f       *Factory
	creds   credentials.Credentials
	noCache bool
}

// RelayUpstream checks creds once (the base URL) and returns the upstream.
func (f *Factory) RelayUpstream(creds credentials.Credentials, noCache bool) (*RelayUpstream, error) {
	if f.RelayMode() {
		return nil, FlagErrorf("WWCLI_RELAY is set: a relay does not call through another relay; unset WWCLI_RELAY on the relay host")
	}
	if !noCache && !f.Global.Sandbox {
		// said once here, not on every request the relay serves
		if _, err := f.CacheDir(); err != nil {
			f.Warnf("%v; the relay keeps its tokens in memory", err)
			noCache = true
		}
	}
	if _, err := f.SessionFor(creds, noCache); err != nil {
		return nil, err
	}
	return &RelayUpstream{f: f, creds: creds, noCache: noCache}, nil
}

// Call sends req with the relay's access_token and returns WeCom's body.
func (u *RelayUpstream) Call(ctx context.Context, req wecom.Request) (json.RawMessage, error) {
	s, err := u.f.SessionFor(u.creds, u.noCache)
	if err != nil {
		return nil, err
	}
	return s.Call(ctx, req, nil)
}

// Ticket returns the relay's (cached) jsapi_ticket of kind.
func (u *RelayUpstream) Ticket(ctx context.Context, kind wecom.TicketKind) (string, int, error) {
	s, err := u.f.SessionFor(u.creds, u.noCache)
	if err != nil {
		return "", 0, err
	}
	r, err := s.Ticket(ctx, kind, false)
	return r.Value, r.ExpiresIn, err
}

// Download fetches a file (media/get) with the relay's access_token,
// refetching the token once on 40014/42001 as Call does.
func (u *RelayUpstream) Download(ctx context.Context, req wecom.Request, rangeHeader string, limit int64) (*wecom.FileAnswer, error) {
	s, err := u.f.SessionFor(u.creds, u.noCache)
	if err != nil {
		return nil, err
	}
	var ans *wecom.FileAnswer
	err = s.withToken(ctx, func(token string) error {
		r := req
		r.Query = cloneQuery(req.Query)
		r.Query.Set("access_token", token)
		var err error
		ans, err = s.Client.Download(ctx, r, rangeHeader, limit)
		return err
	})
	return ans, err
}
