// Package oauth builds the WeCom login URLs (in-app OAuth2, web login and the
// legacy QR connect page) and checks their parameters. It is pure: no I/O,
// no terminal, so the same rules serve the CLI and tests.
package oauth

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Kind selects which login page the URL opens.
type Kind string

const (
	// KindOAuth is in-app OAuth2 (网页授权), opened inside the WeCom client.
	KindOAuth Kind = "oauth"
	// KindWeb is the current web login page (Web登录组件, 扫码登录).
	KindWeb Kind = "web"
	// KindQRConnect is the legacy QR login page still used by many SDKs.
	KindQRConnect Kind = "qrconnect"
)

// Endpoints of each kind: in-app OAuth2 (https://developer.work.weixin.qq.com/document/path/91022) and
// web login (https://developer.work.weixin.qq.com/document/path/98152).
const (
	OAuthEndpoint     = "https://open.weixin.qq.com/connect/oauth2/authorize"
	WebEndpoint       = "https://login.work.weixin.qq.com/wwlogin/sso/login"
	QRConnectEndpoint = "https://open.work.weixin.qq.com/wwopen/sso/qrConnect"
)

// Scopes of in-app OAuth2.
const (
	ScopeBase        = "snsapi_base"
	ScopePrivateInfo = "snsapi_privateinfo"
)

// Login types of the web login page.
const (
	LoginCorpApp    = "CorpApp"
	LoginServiceApp = "ServiceApp"
)

// MaxStateLen is the documented bound on state, in bytes.
const MaxStateLen = 128

// Params are the inputs of a login URL. Empty Scope and LoginType take
// their defaults (snsapi_base, CorpApp) for the kinds that use them.
type Params struct {
	Kind        Kind
	CorpID      string // appid: the CorpID (or a suite id for provider logins)
	AgentID     string
	RedirectURI string
	Scope       string // oauth only
	State       string
	LoginType   string // web only
	Lang        string // web and qrconnect only: zh or en
	// Suite makes CorpID a third-party suite id: the in-app OAuth2 link of
	// a third-party app (see ValidateSuite).
	Suite bool
}

// Error is a parameter that breaks a documented rule. Field names the
// parameter (as the CLI flag would), Msg says the rule and the fix.
type Error struct {
	Field string
	Msg   string
}

func (e *Error) Error() string { return e.Field + ": " + e.Msg }

func errorf(field, format string, a ...any) *Error {
	return &Error{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// Warning is advice about a URL that is valid but will probably not work
// as the user hopes (mostly the trusted-domain rules of §5.4).
type Warning struct {
	Code string // stable id, for tests and --json
	Msg  string
}

// ParseKind accepts the names of the --kind flag.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case KindOAuth, KindWeb, KindQRConnect:
		return k, nil
	}
	return "", errorf("kind", "unknown kind %q: use oauth (in-app OAuth2), web (web login) or qrconnect (legacy QR login)", s)
}

// Validate checks p against the documented rules and returns the warnings
// of a valid p. The first broken rule is returned as an *Error.
func Validate(p Params) ([]Warning, error) {
	p = withDefaults(p)
	if _, err := ParseKind(string(p.Kind)); err != nil {
		return nil, err
	}
	if p.CorpID == "" {
		return nil, errorf("corp-id", "the corp id (appid) is required")
	}
	if strings.ContainsFunc(p.CorpID, isSpaceOrControl) {
		return nil, errorf("corp-id", "%q contains spaces or control characters; a corp id looks like ww0123456789abcdef", p.CorpID)
	}
	if p.AgentID != "" && !isDigits(p.AgentID) {
		return nil, errorf("agent-id", "%q is not a number; the agent id is the app's AgentId, e.g. 1000002", p.AgentID)
	}
	redirect, err := checkRedirect(p.RedirectURI)
	if err != nil {
		return nil, err
	}
	if len(p.State) > MaxStateLen {
		return nil, errorf("state", "is %d bytes; WeCom allows at most %d", len(p.State), MaxStateLen)
	}
	if i := strings.IndexFunc(p.State, func(r rune) bool { return !isAlnum(r) }); i >= 0 {
		return nil, errorf("state", "may only contain letters and digits [A-Za-z0-9]; found %q at byte %d", p.State[i:i+1], i)
	}

	var warnings []Warning
	if p.Suite {
		w, err := validateSuite(p)
		if err != nil {
			return nil, err
		}
		warnings = append(warnings, w...)
	}
	switch p.Kind {
	case KindOAuth:
		if p.LoginType != "" {
			return nil, errorf("login-type", "applies only to --kind web")
		}
		if p.Lang != "" {
			return nil, errorf("lang", "applies only to --kind web or qrconnect; the in-app page follows the client's language")
		}
		switch p.Scope {
		case ScopeBase:
		case ScopePrivateInfo:
			if p.AgentID == "" && !p.Suite {
				return nil, errorf("agent-id", "scope snsapi_privateinfo needs the agent id (without it WeCom fails or silently falls back to snsapi_base)")
			}
		default:
			return nil, errorf("scope", "unknown scope %q: use snsapi_base (userid only, silent) or snsapi_privateinfo (user consents; avatar, mobile...)", p.Scope)
		}
	case KindWeb:
		if p.Scope != "" {
			return nil, errorf("scope", "applies only to --kind oauth")
		}
		switch p.LoginType {
		case LoginCorpApp:
			if p.AgentID == "" {
				return nil, errorf("agent-id", "web login with login_type CorpApp needs the app's agent id")
			}
		case LoginServiceApp:
			if p.AgentID != "" {
				warnings = append(warnings, Warning{"agentid_ignored", "agent id left out: ServiceApp logins take no agentid (appid is the login-authorization SuiteID)"})
			}
		default:
			return nil, errorf("login-type", "unknown login type %q: use CorpApp (self-built or custom-developed app) or ServiceApp (provider login)", p.LoginType)
		}
	case KindQRConnect:
		if p.Scope != "" {
			return nil, errorf("scope", "applies only to --kind oauth")
		}
		if p.LoginType != "" {
			return nil, errorf("login-type", "applies only to --kind web")
		}
		if p.AgentID == "" {
			return nil, errorf("agent-id", "the legacy qrConnect page needs the app's agent id")
		}
	}
	if p.Lang != "" && p.Lang != "zh" && p.Lang != "en" {
		return nil, errorf("lang", "unknown language %q: use zh or en", p.Lang)
	}
	return append(warnings, redirectWarnings(redirect, p.RedirectURI)...), nil
}

// Build validates p and returns the URL with its parameters in the order of
// the official templates, plus the warnings of Validate.
//
// Percent-encoding uses uppercase hex (%3A); the official example shows
// lowercase (%3a). Both decode to the same bytes.
func Build(p Params) (string, []Warning, error) {
	warnings, err := Validate(p)
	if err != nil {
		return "", nil, err
	}
	p = withDefaults(p)
	var q query
	switch p.Kind {
	case KindOAuth:
		q.add("appid", p.CorpID)
		q.add("redirect_uri", p.RedirectURI)
		q.add("response_type", "code")
		q.add("scope", p.Scope)
		q.add("state", p.State) // always present, as in the official example
		q.addIf("agentid", p.AgentID)
		return OAuthEndpoint + "?" + q.String() + "#wechat_redirect", warnings, nil
	case KindWeb:
		q.add("login_type", p.LoginType)
		q.add("appid", p.CorpID)
		if p.LoginType == LoginCorpApp {
			q.add("agentid", p.AgentID)
		}
		q.add("redirect_uri", p.RedirectURI)
		q.addIf("state", p.State)
		q.addIf("lang", p.Lang)
		return WebEndpoint + "?" + q.String(), warnings, nil
	default:
		q.add("appid", p.CorpID)
		q.add("agentid", p.AgentID)
		q.add("redirect_uri", p.RedirectURI)
		q.addIf("state", p.State)
		q.addIf("lang", p.Lang)
		return QRConnectEndpoint + "?" + q.String(), warnings, nil
	}
}

func withDefaults(p Params) Params {
	if p.Kind == "" {
		p.Kind = KindOAuth
	}
	if p.Kind == KindOAuth && p.Scope == "" {
		p.Scope = ScopeBase
	}
	if p.Kind == KindWeb && p.LoginType == "" {
		p.LoginType = LoginCorpApp
	}
	return p
}

func checkRedirect(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errorf("redirect-uri", "is required: the page WeCom sends the browser back to with ?code=...&state=...")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errorf("redirect-uri", "is not a valid URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errorf("redirect-uri", "must be an absolute http(s) URL such as https://example.com/callback, got %q", raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, errorf("redirect-uri", "has no host: use an absolute URL such as https://example.com/callback")
	}
	if u.User != nil {
		return nil, errorf("redirect-uri", "must not carry user:password@ credentials")
	}
	if strings.ContainsFunc(raw, isSpaceOrControl) {
		return nil, errorf("redirect-uri", "contains spaces or control characters; percent-encode them")
	}
	return u, nil
}

func redirectWarnings(u *url.URL, raw string) []Warning {
	var w []Warning
	host := u.Hostname()
	if net.ParseIP(host) != nil {
		w = append(w, Warning{"redirect_ip", fmt.Sprintf("redirect host %s is an IP address: trusted domains cannot be IPs (80001), so WeCom will answer 50001 redirect_uri unauthorized", host)})
	}
	if u.Port() != "" {
		w = append(w, Warning{"redirect_port", fmt.Sprintf("redirect URI has port %s: the redirect domain must match a trusted domain exactly, and trusted domains take no port (80001)", u.Port())})
	}
	if strings.Contains(raw, "#") {
		w = append(w, Warning{"redirect_fragment", "redirect URI contains '#' (a hash route?): it is sent encoded as %23, but code and state may not land inside your hash route; prefer a redirect page without '#'"})
	}
	if u.Scheme == "http" {
		w = append(w, Warning{"redirect_http", "redirect URI uses http: the code travels in clear text; use https"})
	}
	return w
}

// query keeps parameters in insertion order, which url.Values cannot.
type query struct{ b strings.Builder }

func (q *query) add(k, v string) {
	if q.b.Len() > 0 {
		q.b.WriteByte('&')
	}
	q.b.WriteString(k)
	q.b.WriteByte('=')
	q.b.WriteString(Escape(v))
}

func (q *query) addIf(k, v string) {
	if v != "" {
		q.add(k, v)
	}
}

func (q *query) String() string { return q.b.String() }

// Escape percent-encodes everything but RFC 3986 unreserved characters, so
// a redirect URI's own '?', '&', '=', '#' and ':' never leak into the outer
// query (a space becomes %20, not '+').
func Escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && isUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return isAlnum(rune(c)) || c == '-' || c == '_' || c == '.' || c == '~'
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func isSpaceOrControl(r rune) bool {
	return r <= ' ' || r == 0x7f
}
