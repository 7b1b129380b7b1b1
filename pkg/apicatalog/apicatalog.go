// Package apicatalog is the table of WeCom server API endpoints wwcli knows:
// path, method, parameters (query or body, required or optional), the kind
// of secret whose token the endpoint takes, the official doc page, and
// whether the sandbox simulates it. `wwcli api` uses it to put -f fields in
// the query of a GET endpoint and to list, describe and complete paths; the
// sandbox uses it to answer "not simulated" for an endpoint WeCom has; the
// endpoint table in docs/sandbox.md is generated from it.
//
// The table is endpoints.tsv, embedded and parsed on first use (never at
// init: wwcli's start-up time is benchmarked).
package apicatalog

import (
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:embed endpoints.tsv
var endpointsTSV string

// DocURL is the official documentation page of a doc id.
const DocURL = "https://developer.work.weixin.qq.com/document/path/"

// SecretKind names whose token an endpoint takes.
type SecretKind string

const (
	// KindNone: the call itself takes a secret (gettoken, get_suite_token).
	KindNone SecretKind = "none"
	// KindApp: any app's access_token (a self-built app, an authorized
	// corp's token from service/get_corp_token, the contact-sync one).
	KindApp SecretKind = "app"
	// KindContact: the access_token of the 通讯录同步 (contact sync) secret;
	// app secrets get 48002 (errtext 48002: no API permission).
	KindContact SecretKind = "contact"
	// KindExternalContact: the 客户联系 secret, or an app in its 可调用应用
	// list (else 48002).
	KindExternalContact SecretKind = "externalcontact"
	// KindSuite: a suite_access_token (service/get_suite_token).
	KindSuite SecretKind = "suite"
	// KindProvider: a provider_access_token (service/get_provider_token).
	KindProvider SecretKind = "provider"
	// KindCorpViaSuite: an authorized corp's access_token obtained through
	// the suite (service/get_corp_token); a self-built app's is refused.
	KindCorpViaSuite SecretKind = "corp-via-suite"
	// KindWebhook: no token; the group robot's key in the query.
	KindWebhook SecretKind = "webhook"
)

// kinds in the order they are explained.
var kindText = []struct {
	kind SecretKind
	text string
}{
	{KindNone, "no token: the call takes a secret itself"},
	{KindApp, "access_token of any app secret (or an authorized corp's)"},
	{KindContact, "access_token of the contact-sync (通讯录同步) secret"},
	{KindExternalContact, "access_token of the customer-contact (客户联系) secret, or of an app in its callable-apps list"},
	{KindSuite, "suite_access_token (service/get_suite_token)"},
	{KindProvider, "provider_access_token (service/get_provider_token)"},
	{KindCorpViaSuite, "an authorized corp's access_token (service/get_corp_token)"},
	{KindWebhook, "no token: the group robot's key in the query"},
}

// Describe says in words what the kind of secret is.
func (k SecretKind) Describe() string {
	for _, kt := range kindText {
		if kt.kind == k {
			return kt.text
		}
	}
	return string(k)
}

// TokenParam is the query parameter that carries the token, or "".
func (k SecretKind) TokenParam() string {
	switch k {
	case KindApp, KindContact, KindExternalContact, KindCorpViaSuite:
		return "access_token"
	case KindSuite:
		return "suite_access_token"
	case KindProvider:
		return "provider_access_token"
	}
	return ""
}

// In says where a parameter goes.
type In string

const (
	InQuery In = "query"
	InBody  In = "body"
)

// Param is one documented parameter.
type Param struct {
	Name     string `json:"name"`
	In       In     `json:"in"`
	Required bool   `json:"required"`
}

// Endpoint is one WeCom API endpoint.
type Endpoint struct {
	Method    string     `json:"method"` // GET or POST
	Path      string     `json:"path"`   // /cgi-bin/...
	Secret    SecretKind `json:"secret"`
	Simulated bool       `json:"simulated"` // the sandbox answers it
	DocID     string     `json:"doc_id,omitempty"`
	Params    []Param    `json:"params"`
	Summary   string     `json:"summary"`
}

// DocURL is the endpoint's official documentation page, or "".
func (e Endpoint) DocURL() string {
	if e.DocID == "" {
		return ""
	}
	return DocURL + e.DocID
}

// ShortPath is the path without /cgi-bin/, as users type it.
func (e Endpoint) ShortPath() string { return strings.TrimPrefix(e.Path, "/cgi-bin/") }

// Catalog is the parsed table; read-only after Load.
type Catalog struct {
	list   []Endpoint
	byPath map[string]int
}

var loadOnce = sync.OnceValues(func() (*Catalog, error) { return Parse(endpointsTSV) })

// Load returns the embedded catalog, parsed on first use. The table is
// checked by the tests, so an error here is a build defect.
func Load() *Catalog {
	c, err := loadOnce()
	if err != nil {
		panic("apicatalog: embedded endpoints.tsv: " + err.Error())
	}
	return c
}

// Parse reads a table in the endpoints.tsv format.
func Parse(tsv string) (*Catalog, error) {
	c := &Catalog{byPath: map[string]int{}}
	for i, line := range strings.Split(tsv, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		e, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		if _, dup := c.byPath[e.Path]; dup {
			return nil, fmt.Errorf("line %d: %s listed twice", i+1, e.Path)
		}
		c.byPath[e.Path] = len(c.list)
		c.list = append(c.list, e)
	}
	return c, nil
}

func parseLine(line string) (Endpoint, error) {
	f := strings.Split(line, "\t")
	if len(f) != 8 {
		return Endpoint{}, fmt.Errorf("want 8 tab-separated columns, got %d", len(f))
	}
	e := Endpoint{Method: f[0], Path: f[1], Secret: SecretKind(f[2]), DocID: f[4], Summary: f[7]}
	if e.Method != "GET" && e.Method != "POST" {
		return e, fmt.Errorf("method %q: want GET or POST", e.Method)
	}
	if !strings.HasPrefix(e.Path, "/cgi-bin/") {
		return e, fmt.Errorf("path %q: want one under /cgi-bin/", e.Path)
	}
	if e.Secret.Describe() == string(e.Secret) {
		return e, fmt.Errorf("%s: unknown secret kind %q", e.Path, e.Secret)
	}
	switch f[3] {
	case "yes":
		e.Simulated = true
	case "no":
	default:
		return e, fmt.Errorf("%s: simulated %q: want yes or no", e.Path, f[3])
	}
	if e.DocID != "" {
		if _, err := strconv.Atoi(e.DocID); err != nil {
			return e, fmt.Errorf("%s: doc id %q is not a number", e.Path, e.DocID)
		}
	}
	for _, col := range []struct {
		text string
		in   In
	}{{f[5], InQuery}, {f[6], InBody}} {
		if col.text == "" {
			continue
		}
		for _, name := range strings.Split(col.text, ",") {
			p := Param{Name: strings.TrimSuffix(name, "?"), In: col.in, Required: !strings.HasSuffix(name, "?")}
			if p.Name == "" || strings.ContainsAny(p.Name, " ?") {
				return e, fmt.Errorf("%s: bad parameter %q", e.Path, name)
			}
			e.Params = append(e.Params, p)
		}
	}
	return e, nil
}

// All returns every endpoint in table order (a copy).
func (c *Catalog) All() []Endpoint {
	out := make([]Endpoint, len(c.list))
	copy(out, c.list)
	return out
}

// Lookup finds an endpoint by path: /cgi-bin/user/get, cgi-bin/user/get or
// user/get. A query string or trailing slash is ignored.
func (c *Catalog) Lookup(path string) (Endpoint, bool) {
	i, ok := c.byPath[Normalize(path)]
	if !ok {
		return Endpoint{}, false
	}
	return c.list[i], true
}

// Normalize turns what a user types into /cgi-bin/....
func Normalize(path string) string {
	path, _, _ = strings.Cut(strings.TrimSpace(path), "?")
	path = "/" + strings.Trim(path, "/")
	if !strings.HasPrefix(path, "/cgi-bin/") {
		path = "/cgi-bin" + path
	}
	return path
}

// Search returns the endpoints whose path, summary or secret kind contain
// word (case-insensitive), sorted by path. An empty word matches all.
func (c *Catalog) Search(word string) []Endpoint {
	word = strings.ToLower(strings.TrimSpace(word))
	var out []Endpoint
	for _, e := range c.list {
		if word == "" || strings.Contains(strings.ToLower(e.Path), word) ||
			strings.Contains(strings.ToLower(e.Summary), word) || string(e.Secret) == word {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Complete returns the short paths that start with prefix (with or
// without /cgi-bin/), sorted, for shell completion.
func (c *Catalog) Complete(prefix string) []string {
	short := strings.TrimPrefix(strings.TrimPrefix(prefix, "/"), "cgi-bin/")
	var out []string
	for _, e := range c.list {
		if strings.HasPrefix(e.ShortPath(), short) {
			out = append(out, e.ShortPath())
		}
	}
	sort.Strings(out)
	return out
}

// Param returns the endpoint's parameter called name.
func (e Endpoint) Param(name string) (Param, bool) {
	for _, p := range e.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// Counts: how many endpoints the table has and how many the sandbox simulates.
func (c *Catalog) Counts() (total, simulated int) {
	for _, e := range c.list {
		if e.Simulated {
			simulated++
		}
	}
	return len(c.list), simulated
}

// FieldIn says where a -f field goes: where the docs put the parameter,
// else in the query of a GET and the body of a POST.
func (e Endpoint) FieldIn(name string) In {
	if p, ok := e.Param(name); ok {
		return p.In
	}
	if e.Method == "GET" {
		return InQuery
	}
	return InBody
}

// Mismatch explains why a token of kind have will not do for the
// endpoint, or returns "" when it may. have is KindApp for a self-built
// app's secret, "" when the kind is unknown (then only the endpoints that
// take no access_token at all are reported).
func (e Endpoint) Mismatch(have SecretKind) string {
	short := e.ShortPath()
	switch e.Secret {
	case KindNone:
		return short + " takes a secret itself, not an access_token: use 'wwcli token' for gettoken"
	case KindWebhook:
		return short + " is a group robot endpoint: it takes the robot key, not an access_token; use 'wwcli webhook'"
	case KindSuite, KindProvider:
		return fmt.Sprintf("%s takes a %s, but 'wwcli api' sends an app's access_token: WeCom answers 40082 or 40014", short, e.Secret.TokenParam())
	}
	if have != KindApp {
		return ""
	}
	switch e.Secret {
	case KindContact:
		return short + " needs the contact-sync (通讯录同步) secret; an app secret usually gets 48002 (no API permission)"
	case KindExternalContact:
		return short + " needs the customer-contact (客户联系) secret, or an app in its callable-apps (可调用应用) list; others get 48002"
	case KindCorpViaSuite:
		return short + " is for third-party apps: it needs an authorized corp's token (service/get_corp_token), not a self-built app's"
	}
	return ""
}
