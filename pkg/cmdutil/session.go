package cmdutil

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/wwcli/wwcli/pkg/tokencache"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// Session is an authenticated conversation with WeCom for one app: it
// hands out cached tokens and tickets and retries a call once when WeCom
// says the token went stale.
type Session struct {
	Creds   Credentials
	BaseURL string
	Client  *wecom.Client
	// cache is nil with --no-cache and in sandbox mode (the in-process
	// sandbox is new every run, so its tokens must never reach the disk).
	cache *tokencache.Cache
	now   func() time.Time
	// tokenFromCache remembers whether the token in use came from the
	// cache: then 40001 may mean "secret rotated", worth one refetch.
	tokenFromCache bool
}

// Result is a token or ticket with its lifetime.
type Result struct {
	Value     string
	ExpiresIn int // seconds left
	ExpiresAt time.Time
	Cached    bool
}

// Session resolves credentials and builds a client for them.
func (f *Factory) Session(ctx context.Context, command string, in CredInput, noCache bool) (*Session, error) {
	creds, err := f.ResolveCredentials(ctx, command, in)
	if err != nil {
		return nil, err
	}
	return f.SessionFor(creds, noCache)
}

// SessionFor builds a session for already resolved credentials.
func (f *Factory) SessionFor(creds Credentials, noCache bool) (*Session, error) {
	base, err := f.APIBaseURL(creds)
	if err != nil {
		return nil, err
	}
	client := wecom.New(base, f.HTTPClient())
	client.Now = f.Now
	if f.Global.Debug {
		client.Debug = true
		client.Log = f.IO.ErrOut
		f.warnDebug()
	}
	s := &Session{Creds: creds, BaseURL: base, Client: client, now: f.Now}
	if !noCache && !f.Global.Sandbox {
		dir, err := f.CacheDir()
		if err != nil {
			fmt.Fprintf(f.IO.ErrOut, "warning: %v; continuing without the token cache\n", err)
		} else {
			c := tokencache.New(filepath.Join(dir, "tokens"))
			c.Now = f.Now
			c.Warn = func(msg string) { fmt.Fprintln(f.IO.ErrOut, "warning: "+msg) }
			s.cache = c
		}
	}
	return s, nil
}

// APIBaseURL picks the API host: the sandbox, --base-url/WWCLI_BASE_URL,
// the profile's base URL, or WeCom itself.
func (f *Factory) APIBaseURL(creds Credentials) (string, error) {
	if f.Global.Sandbox {
		return f.SandboxURL()
	}
	base := firstNonEmpty(f.Global.BaseURL, creds.BaseURL, wecom.DefaultBaseURL)
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return "", FlagErrorf("base URL %q must start with https:// (or http:// for a local sandbox)", base)
	}
	return strings.TrimRight(base, "/"), nil
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
	if kind == "ticket:agent" {
		k.AgentID = s.Creds.AgentID
	}
	return k
}

// get returns a cached value or fetches it (once across processes).
func (s *Session) get(ctx context.Context, kind string, refresh bool, fetch tokencache.Fetcher) (Result, error) {
	if s.cache == nil {
		now := s.now()
		v, life, err := fetch(ctx)
		if err != nil {
			return Result{}, err
		}
		return Result{Value: v, ExpiresIn: int(life.Seconds()), ExpiresAt: now.Add(life)}, nil
	}
	k := s.key(kind)
	if refresh {
		_ = s.cache.Delete(k)
	}
	e, cached, err := s.cache.GetOrFetch(ctx, k, fetch)
	if err != nil {
		return Result{}, err
	}
	return Result{Value: e.Value, ExpiresIn: int(e.ExpiresIn(s.now()).Seconds()), ExpiresAt: e.ExpiresAt, Cached: cached}, nil
}

// Token returns an access_token, from the cache when fresh.
func (s *Session) Token(ctx context.Context, refresh bool) (Result, error) {
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
func (s *Session) Ticket(ctx context.Context, kind wecom.TicketKind, refresh bool) (Result, error) {
	cacheKind := "ticket:" + string(kind)
	var result Result
	err := s.withToken(ctx, func(token string) error {
		r, err := s.get(ctx, cacheKind, refresh, func(ctx context.Context) (string, time.Duration, error) {
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

func cloneQuery(q map[string][]string) map[string][]string {
	out := make(map[string][]string, len(q)+1)
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}
