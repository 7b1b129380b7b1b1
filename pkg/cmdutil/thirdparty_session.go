package cmdutil

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/session"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// Token kinds of the third-party world in the token cache. The suite
// token is keyed by suite id + secret, the provider token by provider corp
// + secret, and an authorized corp's token by corp + (suite id, permanent
// code): two suites, or two corps of one suite, never share an entry.
const (
	KindSuiteToken    = "suite_token"
	KindProviderToken = "provider_token"
	KindCorpToken     = "corp_token"
)

// SuiteSession hands out a suite's suite_access_token through the token
// cache (one fetch across processes, refreshed ahead of expiry) and calls
// suite-level endpoints with it.
type SuiteSession struct {
	Suite credentials.SuiteCredentials
	// base carries the client, the cache and the run's memory; its Creds
	// are the suite id and secret, which key the suite token.
	base *Session
	f    *Factory
}

// SuiteSession resolves the suite credentials and builds a session.
func (f *Factory) SuiteSession(ctx context.Context, command string, noCache bool) (*SuiteSession, error) {
	if f.RelayMode() {
		return nil, errRelayThirdParty
	}
	suite, err := f.ResolveSuite(ctx, command)
	if err != nil {
		return nil, err
	}
	return f.SuiteSessionFor(suite, noCache)
}

// SuiteSessionFor builds a session for resolved suite credentials.
func (f *Factory) SuiteSessionFor(suite credentials.SuiteCredentials, noCache bool) (*SuiteSession, error) {
	if f.RelayMode() {
		return nil, errRelayThirdParty
	}
	base, err := f.SessionFor(credentials.Credentials{CorpID: suite.SuiteID, Secret: suite.Secret, Source: suite.Source,
		Profile: suite.Profile, BaseURL: suite.BaseURL}, noCache)
	if err != nil {
		return nil, err
	}
	return &SuiteSession{Suite: suite, base: base, f: f}, nil
}

// Client is the API client (base URL, HTTP client, log) of the session.
func (s *SuiteSession) Client() *wecom.Client { return s.base.Client }

// BaseURL is the API host the session calls.
func (s *SuiteSession) BaseURL() string { return s.base.BaseURL }

// Token returns the suite_access_token, from the cache when fresh. A fetch
// needs the latest suite_ticket (CurrentSuiteTicket); a cached token does
// not, so a ticket that lapsed meanwhile does no harm until it is needed.
func (s *SuiteSession) Token(ctx context.Context, refresh bool) (session.Result, error) {
	r, err := s.base.get(ctx, KindSuiteToken, refresh, func(ctx context.Context) (string, time.Duration, error) {
		ticket, err := s.f.CurrentSuiteTicket(ctx, s.Suite.SuiteID)
		if err != nil {
			return "", 0, err
		}
		t, err := s.base.Client.GetSuiteToken(ctx, s.Suite.SuiteID, s.Suite.Secret, ticket.Value)
		if err != nil {
			return "", 0, explainSuiteTicket(err, ticket, s.f.Now())
		}
		return t.SuiteAccessToken, time.Duration(t.ExpiresIn) * time.Second, nil
	})
	if err == nil {
		s.base.tokenFromCache = r.Cached
	}
	return r, err
}

// WithToken runs fn with the suite token; when WeCom says it is invalid
// or expired (40082, 42009, 40014, 42001) it fetches a new one and runs fn
// once more. fn must be safe to repeat after such a refusal (WeCom did
// not act on it).
func (s *SuiteSession) WithToken(ctx context.Context, fn func(suiteToken string) error) error {
	t, err := s.Token(ctx, false)
	if err != nil {
		return err
	}
	err = fn(t.Value)
	if err == nil || !staleSuiteToken(err) {
		return err
	}
	t, err = s.Token(ctx, true)
	if err != nil {
		return err
	}
	return fn(t.Value)
}

// Call sends req with suite_access_token added to its query.
func (s *SuiteSession) Call(ctx context.Context, req wecom.Request, out any) (json.RawMessage, error) {
	var raw json.RawMessage
	err := s.WithToken(ctx, func(token string) error {
		r := req
		r.Query = cloneQuery(req.Query)
		r.Query.Set("suite_access_token", token)
		var err error
		raw, err = s.base.Client.Do(ctx, r, out)
		return err
	})
	return raw, err
}

// CorpSession is the session of a corp that authorized the suite: its
// access token comes from get_corp_token with this suite's token (or, for
// a 代开发 template, from gettoken with the permanent code as the secret),
// and every corp API works with it as with a self-built app's.
func (s *SuiteSession) CorpSession(authCorpID, permanentCode, agentID string, noCache bool) (*Session, error) {
	creds := credentials.Credentials{CorpID: authCorpID, Secret: permanentCode, AgentID: agentID, BaseURL: s.Suite.BaseURL,
		Source: fmt.Sprintf("corp %s authorized suite %s", authCorpID, s.Suite.SuiteID)}
	if !s.Suite.IsTemplate() {
		suite := s.Suite
		creds.Suite = &suite
	}
	return s.corpSessionFor(creds, noCache)
}

// corpSessionFor is CorpSession for resolved credentials (--auth-corp).
func (s *SuiteSession) corpSessionFor(creds credentials.Credentials, noCache bool) (*Session, error) {
	cs, err := s.f.SessionFor(creds, noCache)
	if err != nil {
		return nil, err
	}
	if creds.Suite != nil {
		cs.suite = s
	}
	return cs, nil
}

func staleSuiteToken(err error) bool { return wecom.IsCode(err, 40082, 42009, 40014, 42001) }

// explainSuiteTicket adds, to WeCom's 40085 (invalid suite_ticket), where
// the ticket came from and how old it was.
func explainSuiteTicket(err error, t SuiteTicketInfo, now time.Time) error {
	if !wecom.IsCode(err, 40085) {
		return err
	}
	age := "of unknown age"
	if !t.ReceivedAt.IsZero() {
		age = "received " + now.Sub(t.ReceivedAt).Round(time.Second).String() + " ago"
	}
	return &AdviceError{Err: err, Advice: fmt.Sprintf("the suite_ticket sent (from %s, %s) was refused; WeCom pushes a new one every 10 minutes and each lasts 30 (DOC 90628): "+
		"keep the app's 指令回调 URL served ('wwcli callback serve --suite %s'), or press 刷新Ticket in 服务商管理后台 and store the new one with '"+SuiteTicketSetLine+"'",
		t.Source, age, t.SuiteID)}
}

// AdviceError is an error with one more line saying what it means here
// (where the refused ticket came from, why a permanent code fails). The
// exit code comes from the wrapped error (3 for a WeCom errcode).
type AdviceError struct {
	Err    error
	Advice string
}

func (e *AdviceError) Error() string { return e.Err.Error() + "\n  " + e.Advice }
func (e *AdviceError) Unwrap() error { return e.Err }

// Explain is the wrapped error's explanation (errcode meaning, fix) plus
// the advice: printError shows Explain when there is one.
func (e *AdviceError) Explain() string {
	var ex interface{ Explain() string }
	if errors.As(e.Err, &ex) {
		return ex.Explain() + "\n  " + e.Advice
	}
	return e.Error()
}

// corpToken fetches an authorized corp's access_token with get_corp_token.
func (s *Session) corpToken(ctx context.Context) (string, time.Duration, error) {
	var t wecom.Token
	err := s.suite.WithToken(ctx, func(suiteToken string) error {
		var err error
		t, err = s.Client.GetCorpToken(ctx, suiteToken, s.Creds.CorpID, s.Creds.Secret)
		return err
	})
	if err != nil {
		if wecom.IsCode(err, 40084) {
			return "", 0, &AdviceError{Err: err, Advice: fmt.Sprintf("corp %s may have cancelled the authorization, or the permanent code is another suite's: install again and run 'wwcli suite permanent-code AUTH_CODE'", s.Creds.CorpID)}
		}
		return "", 0, err
	}
	return t.AccessToken, time.Duration(t.ExpiresIn) * time.Second, nil
}

// ProviderSession hands out the provider_access_token through the token
// cache and calls provider-level endpoints with it.
type ProviderSession struct {
	Provider credentials.ProviderCredentials
	base     *Session
}

// ProviderSession resolves the provider credentials and builds a session.
func (f *Factory) ProviderSession(ctx context.Context, command, corpID string, noCache bool) (*ProviderSession, error) {
	if f.RelayMode() {
		return nil, errRelayThirdParty
	}
	p, err := f.ResolveProvider(ctx, command, corpID)
	if err != nil {
		return nil, err
	}
	return f.ProviderSessionFor(p, noCache)
}

// ProviderSessionFor builds a session for resolved provider credentials.
func (f *Factory) ProviderSessionFor(p credentials.ProviderCredentials, noCache bool) (*ProviderSession, error) {
	if f.RelayMode() {
		return nil, errRelayThirdParty
	}
	base, err := f.SessionFor(credentials.Credentials{CorpID: p.CorpID, Secret: p.Secret, Source: p.Source, Profile: p.Profile, BaseURL: p.BaseURL}, noCache)
	if err != nil {
		return nil, err
	}
	return &ProviderSession{Provider: p, base: base}, nil
}

// Client is the API client of the session.
func (s *ProviderSession) Client() *wecom.Client { return s.base.Client }

// Token returns the provider_access_token, from the cache when fresh.
func (s *ProviderSession) Token(ctx context.Context, refresh bool) (session.Result, error) {
	return s.base.get(ctx, KindProviderToken, refresh, func(ctx context.Context) (string, time.Duration, error) {
		t, err := s.base.Client.GetProviderToken(ctx, s.Provider.CorpID, s.Provider.Secret)
		if err != nil {
			return "", 0, err
		}
		return t.ProviderAccessToken, time.Duration(t.ExpiresIn) * time.Second, nil
	})
}

// Call sends req with provider_access_token added to its query, once more
// with a new token when WeCom says the token is stale.
func (s *ProviderSession) Call(ctx context.Context, req wecom.Request, out any) (json.RawMessage, error) {
	call := func(token string) (json.RawMessage, error) {
		r := req
		r.Query = cloneQuery(req.Query)
		r.Query.Set("provider_access_token", token)
		return s.base.Client.Do(ctx, r, out)
	}
	t, err := s.Token(ctx, false)
	if err != nil {
		return nil, err
	}
	raw, err := call(t.Value)
	if err == nil || !staleSuiteToken(err) {
		return raw, err
	}
	if t, err = s.Token(ctx, true); err != nil {
		return nil, err
	}
	return call(t.Value)
}

// resolveAuthCorp resolves --auth-corp (credentials.Sources.AuthCorp).
// Under --sandbox without a permanent code the demo suite is installed in
// the demo corp first.
func (f *Factory) resolveAuthCorp(ctx context.Context, command string, in CredInput) (credentials.Credentials, error) {
	c, err := f.Sources().AuthCorp(ctx, command, credentials.AuthCorpInput{
		AppInput: credentials.AppInput{Args: in.Args, CorpID: in.CorpID, AgentID: in.AgentID, SecretStdin: in.SecretStdin, SecretFile: in.SecretFile},
		AuthCorp: in.AuthCorp, Try: AuthCorpTry, PermanentCode: f.authCorpPermanentCode})
	return c, exitError(err)
}

// authCorpPermanentCode is the permanent code corp gave suite: under
// --sandbox, without WWCLI_PERMANENT_CODE or a code of this run, from an
// install made now; else PermanentCode.
func (f *Factory) authCorpPermanentCode(ctx context.Context, suite credentials.SuiteCredentials, corp string) (code, source, agentID string, err error) {
	if f.Global.Sandbox && strings.TrimSpace(f.Getenv("WWCLI_PERMANENT_CODE")) == "" &&
		f.sandboxPermanentCode(config.PermanentCodeAccount(suite.SuiteID, corp)) == "" {
		if code, agentID, err = f.sandboxInstall(ctx, suite, corp); err != nil {
			return "", "", "", err
		}
		return code, "sandbox install", agentID, nil
	}
	code, source, err = f.PermanentCode(ctx, suite.SuiteID, corp)
	return code, source, "", err
}

// sandboxInstall authorizes suite in corp through the sandbox's control
// API (as an admin finishing the install page would) and exchanges the
// auth_code for the permanent code, kept for this run.
func (f *Factory) sandboxInstall(ctx context.Context, suite credentials.SuiteCredentials, corp string) (code, agentID string, err error) {
	base, err := f.SandboxURL()
	if err != nil {
		return "", "", err
	}
	var auth struct {
		AuthCode string `json:"auth_code"`
	}
	if err := f.sandboxControl(ctx, base, "/_sandbox/suite/authorize", map[string]string{"suite_id": suite.SuiteID, "corpid": corp}, &auth); err != nil {
		return "", "", err
	}
	ss, err := f.SuiteSessionFor(suite, true)
	if err != nil {
		return "", "", err
	}
	var p wecom.PermanentCode
	err = ss.WithToken(ctx, func(token string) error {
		p, err = ss.Client().GetPermanentCode(ctx, token, auth.AuthCode, false)
		return err
	})
	if err != nil {
		return "", "", err
	}
	if p.AuthInfo != nil && len(p.AuthInfo.Agent) > 0 {
		agentID = fmt.Sprint(p.AuthInfo.Agent[0].AgentID)
	}
	if err := f.StorePermanentCode(ctx, suite.SuiteID, corp, p.PermanentCode); err != nil {
		return "", "", err
	}
	return p.PermanentCode, agentID, nil
}

// errRelayThirdParty: a relay holds one app's token and injects it into
// every call, so suite, provider and authorized-corp calls through it
// would silently act for that app instead.
var errRelayThirdParty = FlagErrorf("suite, provider and --auth-corp calls do not go through WWCLI_RELAY (the relay injects its own app's token): unset WWCLI_RELAY for them")
