package oauth

import (
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
)

type official struct {
	OAuth struct {
		CorpID      string `json:"corp_id"`
		RedirectURI string `json:"redirect_uri"`
		URL         string `json:"url"`
	} `json:"oauth"`
	Templates map[string]string `json:"templates"`
}

func loadOfficial(t *testing.T) official {
	t.Helper()
	b, err := os.ReadFile("testdata/official.json")
	if err != nil {
		t.Fatal(err)
	}
	var o official
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

var pctHex = regexp.MustCompile(`%[0-9a-fA-F]{2}`)

// upperEscapes normalises %3a to %3A: the doc uses lowercase hex, Go uppercase.
func upperEscapes(s string) string { return pctHex.ReplaceAllStringFunc(s, strings.ToUpper) }

func TestBuildMatchesOfficialExample(t *testing.T) {
	o := loadOfficial(t)
	got, warnings, err := Build(Params{CorpID: o.OAuth.CorpID, RedirectURI: o.OAuth.RedirectURI})
	if err != nil {
		t.Fatal(err)
	}
	if want := upperEscapes(o.OAuth.URL); got != want {
		t.Errorf("Build:\n got %s\nwant %s", got, want)
	}
	// The example page is http: the only warning is about that.
	if len(warnings) != 1 || warnings[0].Code != "redirect_http" {
		t.Errorf("warnings = %+v, want only redirect_http", warnings)
	}
}

// paramNames lists the query keys of a URL in order.
func paramNames(t *testing.T, raw string) []string {
	t.Helper()
	raw, _, _ = strings.Cut(raw, "#")
	_, q, _ := strings.Cut(raw, "?")
	var names []string
	for _, kv := range strings.Split(q, "&") {
		k, _, _ := strings.Cut(kv, "=")
		names = append(names, k)
	}
	return names
}

func TestBuildOrderFollowsTemplates(t *testing.T) {
	o := loadOfficial(t)
	cases := []struct {
		kind Kind
		p    Params
		// keys the doc template shows, in order; extra optional keys follow the doc tables.
		want []string
	}{
		{KindOAuth, Params{AgentID: "1000002", State: "s1"}, paramNames(t, o.Templates["oauth"])},
		{KindWeb, Params{AgentID: "1000002", State: "s1", Lang: "en"}, []string{"login_type", "appid", "agentid", "redirect_uri", "state", "lang"}},
		{KindQRConnect, Params{AgentID: "1000002", State: "s1", Lang: "zh"}, append(paramNames(t, o.Templates["qrconnect"]), "lang")},
	}
	for _, c := range cases {
		c.p.Kind, c.p.CorpID, c.p.RedirectURI = c.kind, "ww0123456789abcdef", "https://example.com/cb"
		got, _, err := Build(c.p)
		if err != nil {
			t.Fatalf("%s: %v", c.kind, err)
		}
		if names := paramNames(t, got); strings.Join(names, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: params %v, want %v (%s)", c.kind, names, c.want, got)
		}
		tmplEndpoint, _, _ := strings.Cut(o.Templates[string(c.kind)], "?")
		if !strings.HasPrefix(got, tmplEndpoint+"?") {
			t.Errorf("%s: %s does not start with %s", c.kind, got, tmplEndpoint)
		}
		if hasFrag := strings.HasSuffix(got, "#wechat_redirect"); hasFrag != (c.kind == KindOAuth) {
			t.Errorf("%s: #wechat_redirect suffix = %v", c.kind, hasFrag)
		}
	}
}

func TestBuildWebTemplateWithoutOptional(t *testing.T) {
	o := loadOfficial(t)
	got, _, err := Build(Params{Kind: KindWeb, LoginType: LoginServiceApp, CorpID: "wwsuite", RedirectURI: "https://example.com/cb", State: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	if names, want := paramNames(t, got), paramNames(t, o.Templates["web"]); strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("params %v, want %v", names, want)
	}
	if !strings.Contains(got, "login_type=ServiceApp&appid=wwsuite&") {
		t.Errorf("got %s", got)
	}
}

func TestRedirectRoundTrips(t *testing.T) {
	redirects := []string{
		"https://example.com/cb?a=1&b=2#/route?x=y",
		"https://example.com/路径?q=中文 ",
		"https://example.com/p%20q?x=%2F",
	}
	for _, r := range redirects {
		got, _, err := Build(Params{CorpID: "ww1", RedirectURI: strings.TrimSpace(r)})
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatal(err)
		}
		if u.Fragment != "wechat_redirect" {
			t.Errorf("fragment %q: the redirect URI's '#' leaked out", u.Fragment)
		}
		if back := u.Query().Get("redirect_uri"); back != strings.TrimSpace(r) {
			t.Errorf("redirect_uri decodes to %q, want %q", back, r)
		}
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"":              "",
		"aZ09-_.~":      "aZ09-_.~",
		"a b":           "a%20b",
		"http://x/?a=b": "http%3A%2F%2Fx%2F%3Fa%3Db",
		"#&+%":          "%23%26%2B%25",
		"é":             "%C3%A9",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidationRules(t *testing.T) {
	ok := Params{CorpID: "ww0123456789abcdef", RedirectURI: "https://example.com/cb"}
	cases := []struct {
		name  string
		edit  func(*Params)
		field string
		msg   string // a fragment of the message
	}{
		{"unknown kind", func(p *Params) { p.Kind = "sso" }, "kind", "unknown kind"},
		{"missing corp id", func(p *Params) { p.CorpID = "" }, "corp-id", "required"},
		{"corp id with space", func(p *Params) { p.CorpID = "ww 1" }, "corp-id", "spaces"},
		{"agent id not a number", func(p *Params) { p.AgentID = "app1" }, "agent-id", "not a number"},
		{"missing redirect", func(p *Params) { p.RedirectURI = "" }, "redirect-uri", "required"},
		{"relative redirect", func(p *Params) { p.RedirectURI = "/cb" }, "redirect-uri", "absolute http(s)"},
		{"ftp redirect", func(p *Params) { p.RedirectURI = "ftp://example.com/cb" }, "redirect-uri", "absolute http(s)"},
		{"scheme-less redirect", func(p *Params) { p.RedirectURI = "example.com/cb" }, "redirect-uri", "absolute http(s)"},
		{"redirect without host", func(p *Params) { p.RedirectURI = "https:///cb" }, "redirect-uri", "no host"},
		{"redirect with credentials", func(p *Params) { p.RedirectURI = "https://u:p@example.com/cb" }, "redirect-uri", "credentials"},
		{"redirect with space", func(p *Params) { p.RedirectURI = "https://example.com/a b" }, "redirect-uri", "spaces"},
		{"unparsable redirect", func(p *Params) { p.RedirectURI = "https://example.com/%zz" }, "redirect-uri", "not a valid URL"},
		{"state too long", func(p *Params) { p.State = strings.Repeat("a", 129) }, "state", "at most 128"},
		{"state with dash", func(p *Params) { p.State = "ab-c" }, "state", `"-" at byte 2`},
		{"state non-ascii", func(p *Params) { p.State = "é" }, "state", "letters and digits"},
		{"unknown scope", func(p *Params) { p.Scope = "snsapi_userinfo" }, "scope", "unknown scope"},
		{"privateinfo without agent", func(p *Params) { p.Scope = ScopePrivateInfo }, "agent-id", "snsapi_privateinfo"},
		{"oauth with login type", func(p *Params) { p.LoginType = LoginCorpApp }, "login-type", "only to --kind web"},
		{"oauth with lang", func(p *Params) { p.Lang = "en" }, "lang", "only to --kind web or qrconnect"},
		{"web corpapp without agent", func(p *Params) { p.Kind = KindWeb }, "agent-id", "CorpApp"},
		{"web with scope", func(p *Params) { p.Kind, p.Scope = KindWeb, ScopeBase }, "scope", "only to --kind oauth"},
		{"web unknown login type", func(p *Params) { p.Kind, p.LoginType = KindWeb, "corpapp" }, "login-type", "unknown login type"},
		{"web bad lang", func(p *Params) { p.Kind, p.AgentID, p.Lang = KindWeb, "1", "fr" }, "lang", "use zh or en"},
		{"qrconnect without agent", func(p *Params) { p.Kind = KindQRConnect }, "agent-id", "qrConnect"},
		{"qrconnect with scope", func(p *Params) { p.Kind, p.AgentID, p.Scope = KindQRConnect, "1", ScopeBase }, "scope", "only to --kind oauth"},
		{"qrconnect with login type", func(p *Params) { p.Kind, p.AgentID, p.LoginType = KindQRConnect, "1", LoginCorpApp }, "login-type", "only to --kind web"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := ok
			c.edit(&p)
			_, _, err := Build(p)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Field != c.field || !strings.Contains(e.Msg, c.msg) {
				t.Errorf("got %s: %s; want field %s containing %q", e.Field, e.Msg, c.field, c.msg)
			}
		})
	}
}

func TestValidEdgeCases(t *testing.T) {
	for name, p := range map[string]Params{
		"state of 128 bytes":       {State: strings.Repeat("Z9", 64)},
		"privateinfo with agent":   {Scope: ScopePrivateInfo, AgentID: "1000002"},
		"web corpapp":              {Kind: KindWeb, AgentID: "1000002", Lang: "zh"},
		"qrconnect":                {Kind: KindQRConnect, AgentID: "1000002", Lang: "en"},
		"web serviceapp no agent":  {Kind: KindWeb, LoginType: LoginServiceApp},
		"oauth base without agent": {},
	} {
		p.CorpID, p.RedirectURI = "ww0123456789abcdef", "https://example.com/cb"
		if _, w, err := Build(p); err != nil || len(w) != 0 {
			t.Errorf("%s: err %v, warnings %+v", name, err, w)
		}
	}
}

func TestWarnings(t *testing.T) {
	cases := []struct {
		redirect string
		p        Params
		want     []string
	}{
		{"https://example.com/cb", Params{}, nil},
		{"https://203.0.113.7/cb", Params{}, []string{"redirect_ip"}},
		{"https://[2001:db8::1]/cb", Params{}, []string{"redirect_ip"}},
		{"https://example.com:8443/cb", Params{}, []string{"redirect_port"}},
		{"https://example.com/#/login", Params{}, []string{"redirect_fragment"}},
		{"http://example.com/cb", Params{}, []string{"redirect_http"}},
		{"http://10.0.0.1:8080/#/a", Params{}, []string{"redirect_ip", "redirect_port", "redirect_fragment", "redirect_http"}},
		{"https://example.com/cb", Params{Kind: KindWeb, LoginType: LoginServiceApp, AgentID: "1"}, []string{"agentid_ignored"}},
	}
	for _, c := range cases {
		p := c.p
		p.CorpID, p.RedirectURI = "ww1", c.redirect
		got, w, err := Build(p)
		if err != nil {
			t.Fatalf("%s: %v", c.redirect, err)
		}
		var codes []string
		for _, x := range w {
			codes = append(codes, x.Code)
			if x.Msg == "" {
				t.Errorf("%s: warning %s has no message", c.redirect, x.Code)
			}
		}
		if strings.Join(codes, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: warnings %v, want %v", c.redirect, codes, c.want)
		}
		if p.LoginType == LoginServiceApp && strings.Contains(got, "agentid") {
			t.Errorf("ServiceApp URL carries agentid: %s", got)
		}
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range []string{"oauth", "web", "qrconnect"} {
		if got, err := ParseKind(k); err != nil || string(got) != k {
			t.Errorf("ParseKind(%q) = %q, %v", k, got, err)
		}
	}
	if _, err := ParseKind("OAuth"); err == nil {
		t.Error("ParseKind is case-sensitive, like the flag docs")
	}
}

func FuzzBuild(f *testing.F) {
	f.Add("oauth", "ww1", "1000002", "https://example.com/cb?a=b#x", "snsapi_base", "st", "", "")
	f.Add("web", "ww1", "1", "http://1.2.3.4:80/", "", "", "CorpApp", "en")
	f.Add("qrconnect", "ww1", "1", "https://例子.测试/", "", "abc", "", "zh")
	f.Fuzz(func(t *testing.T, kind, corp, agent, redirect, scope, state, loginType, lang string) {
		p := Params{Kind: Kind(kind), CorpID: corp, AgentID: agent, RedirectURI: redirect, Scope: scope, State: state, LoginType: loginType, Lang: lang}
		got, _, err := Build(p)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Msg == "" {
				t.Fatalf("error %v is not a described *Error", err)
			}
			return
		}
		u, perr := url.Parse(got)
		if perr != nil {
			t.Fatalf("built URL does not parse: %v", perr)
		}
		q := u.Query()
		if q.Get("redirect_uri") != redirect || q.Get("appid") != corp {
			t.Fatalf("round trip lost data: %s", got)
		}
	})
}
