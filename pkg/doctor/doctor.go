// Package doctor checks a WeCom setup end to end: the config file and
// profile, the credentials, the OS keyring, the API host, gettoken, the corp
// and app jsapi_tickets, the app itself, the trusted IP and a trusted
// domain. Each check says how to fix what it found.
//
// It prints nothing: Run hands each check to Env.Done as it completes and
// returns the whole report; the command decides how to show it.
package doctor

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wwcli/wwcli/pkg/check"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/errcode"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/session"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// Names of the checks, in the order they run.
const (
	CheckConfig      = "config"
	CheckCredentials = "credentials"
	CheckKeyring     = "keyring"
	CheckAPIHost     = "API host"
	CheckToken       = "gettoken"
	CheckCorpTicket  = "corp jsapi_ticket"
	CheckAgentTicket = "agent jsapi_ticket"
	CheckAgent       = "app (agent/get)"
	CheckTrustedIP   = "trusted IP"
	CheckDomain      = "trusted domain"
	CheckDomainFile  = "verify-domain file"
)

// Check is one line of the report.
type Check struct {
	Name   string       `json:"name"`
	Status check.Status `json:"status"`
	Detail string       `json:"detail"`
	// Notes are facts that come with a WeCom answer (its hint, the egress
	// IP it saw, the more-info link): shown under the detail, never as a fix.
	Notes []string `json:"notes,omitempty"`
	Fix   string   `json:"fix"`
	More  string   `json:"more,omitempty"` // where to read more about a WeCom errcode
}

// Line is the check as a line of a check list: the notes, then the fix
// labelled "fix:" with its continuation lines aligned under the first,
// then the more-info link. pkg/ui draws it.
func (c Check) Line() check.Line {
	detail := c.Detail
	if c.Status == check.Skip {
		detail = "not checked: " + detail
	}
	lines := append([]string{}, c.Notes...)
	if c.Fix != "" && c.Status != check.Pass {
		for i, l := range strings.Split(c.Fix, "\n") {
			if i == 0 {
				lines = append(lines, "fix: "+l)
			} else {
				lines = append(lines, "     "+l)
			}
		}
	}
	if c.More != "" {
		lines = append(lines, "more: "+c.More)
	}
	return check.Line{Status: c.Status, Title: c.Name, Detail: detail, Fix: strings.Join(lines, "\n")}
}

// Report is the outcome of Run, and the --json document.
type Report struct {
	OK     bool    `json:"ok"`
	Checks []Check `json:"checks"`
}

// Session is what the checks ask of an authenticated WeCom session
// (*cmdutil.Session in the CLI).
type Session interface {
	Token(ctx context.Context, refresh bool) (session.Result, error)
	Ticket(ctx context.Context, kind wecom.TicketKind, refresh bool) (session.Result, error)
	Call(ctx context.Context, req wecom.Request, out any) (json.RawMessage, error)
}

// Env is everything the checks need from the outside world.
type Env struct {
	Sandbox      bool   // --sandbox: the in-process sandbox stands in for WeCom
	ProfileName  string // the selected profile
	ProfileGiven bool   // --profile or WWCLI_PROFILE named it
	ConfigDir    func() (string, error)
	Config       func() (*config.Config, error)
	Keyring      credstore.Store
	KeyringOff   bool // WWCLI_KEYRING=off

	Credentials func(ctx context.Context) (credentials.Credentials, error)
	BaseURL     func(credentials.Credentials) (string, error)
	Session     func(credentials.Credentials) (Session, error)
	// HTTPClient is the client the API calls use, so the API host is
	// probed through the same proxy settings.
	HTTPClient *http.Client
	Timeout    time.Duration // --timeout: bounds each probe
	// SharedCache is the Redis token cache of WWCLI_CACHE_URL; nil when
	// the cache is the file cache only.
	SharedCache SharedCache
	// Relay is the WWCLI_RELAY URL in relay client mode: the relay holds
	// the access_token, so the checks start at the tickets, through it.
	Relay string

	Domain   string         // --domain: the trusted domain to check
	Resolver *net.Resolver  // nil: the system's
	RootCAs  *x509.CertPool // nil: the system's

	// Start and Done see each check begin and complete (progress on a
	// terminal); both may be nil.
	Start func(name string)
	Done  func(Check)
}

// Run runs every check and returns the report. A check that cannot run
// because an earlier one failed is reported as skipped.
func Run(ctx context.Context, env Env) Report {
	if env.Timeout <= 0 {
		env.Timeout = 10 * time.Second
	}
	d := &doctor{env: env}
	d.runAll(ctx)
	rep := Report{OK: true, Checks: d.checks}
	for _, c := range d.checks {
		if c.Status == check.Fail {
			rep.OK = false
		}
	}
	return rep
}

type doctor struct {
	env    Env
	checks []Check
	// passedIP is set once a call past gettoken succeeded: only such a call
	// shows WeCom accepts this machine's IP.
	passedIP bool
	saw60020 bool
	// untrustedIP is the egress IP from the first 60020 answer.
	untrustedIP string
}

func (d *doctor) start(name string) {
	if d.env.Start != nil {
		d.env.Start(name)
	}
}

func (d *doctor) add(c Check) {
	d.checks = append(d.checks, c)
	if d.env.Done != nil {
		d.env.Done(c)
	}
}

func (d *doctor) skip(reason string, names ...string) {
	for _, n := range names {
		d.add(Check{Name: n, Status: check.Skip, Detail: reason})
	}
}

const agentFix = "give --agent-id (or WWCLI_AGENT_ID, or agent_id in the profile) to check the app"

func (d *doctor) runAll(ctx context.Context) {
	prof := d.checkConfig()
	creds, credsOK := d.checkCredentials(ctx)
	d.checkKeyring(ctx, creds, credsOK, prof)
	d.checkSharedCache(ctx)

	baseOK := d.checkHost(ctx, creds)
	// The host probe only informs: gettoken is tried even when it failed,
	// since it is what the real commands do.
	var s Session
	switch {
	case !credsOK:
		d.skip("needs working credentials", CheckToken, CheckCorpTicket, CheckAgentTicket, CheckAgent)
	case !baseOK:
		d.skip("needs a valid API base URL", CheckToken, CheckCorpTicket, CheckAgentTicket, CheckAgent)
	default:
		s = d.checkToken(ctx, creds)
	}
	redirect := ""
	if s != nil {
		d.checkTicket(ctx, s, wecom.CorpTicket)
		if creds.AgentID == "" {
			d.add(Check{Name: CheckAgentTicket, Status: check.Skip, Detail: "no agent id", Fix: agentFix})
			d.add(Check{Name: CheckAgent, Status: check.Skip, Detail: "no agent id", Fix: agentFix})
		} else {
			d.checkTicket(ctx, s, wecom.AgentTicket)
			redirect = d.checkAgent(ctx, s, creds.AgentID)
		}
	} else if credsOK && baseOK {
		d.skip("needs an access_token", CheckCorpTicket, CheckAgentTicket, CheckAgent)
	}
	d.checkTrustedIP()

	switch {
	case d.env.Domain != "":
		d.checkDomain(ctx, d.env.Domain)
	case redirect != "":
		// Looking up a domain nobody asked about would surprise in CI
		// (and in the sandbox, whose demo domains do not exist).
		d.add(Check{Name: CheckDomain, Status: check.Skip, Detail: "the app's trusted domain is " + redirect,
			Fix: "check it with: wwcli doctor --domain " + redirect})
	default:
		d.add(Check{Name: CheckDomain, Status: check.Skip, Detail: "no --domain and no redirect_domain from the app"})
	}
}

// checkConfig reports the config file and the selected profile, and
// returns that profile (nil when there is none or it is not used).
func (d *doctor) checkConfig() *config.Profile {
	d.start(CheckConfig)
	if d.env.Sandbox {
		d.add(Check{Name: CheckConfig, Status: check.Info, Detail: fmt.Sprintf(
			"--sandbox: the in-process sandbox stands in for WeCom, and its demo app (corp %s, agent %d) is used unless credentials are given; profiles are not read",
			sandbox.DemoCorpID, sandbox.DemoAgentID)})
		return nil
	}
	dir, err := d.env.ConfigDir()
	if err != nil {
		d.add(Check{Name: CheckConfig, Status: check.Fail, Detail: err.Error(), Fix: "set WWCLI_CONFIG_DIR to a writable directory"})
		return nil
	}
	cfg, err := d.env.Config()
	if err != nil {
		d.add(Check{Name: CheckConfig, Status: check.Fail, Detail: err.Error(),
			Fix: "repair or delete the config file in " + dir + ", then run 'wwcli auth login'"})
		return nil
	}
	name := d.env.ProfileName
	p := cfg.Profiles[name]
	switch {
	case p != nil:
		detail := fmt.Sprintf("profile %q: corp %s", name, p.CorpID)
		if p.AgentID != "" {
			detail += ", agent " + p.AgentID
		}
		detail += ", secret in " + storageName(p.SecretStorage)
		d.add(Check{Name: CheckConfig, Status: check.Pass, Detail: detail})
		return p
	case d.env.ProfileGiven:
		d.add(Check{Name: CheckConfig, Status: check.Fail, Detail: fmt.Sprintf("no profile %q in %s", name, dir),
			Fix: fmt.Sprintf("wwcli auth login --profile %s --corp-id ww...", name)})
	default:
		d.add(Check{Name: CheckConfig, Status: check.Warn, Detail: "no profile \"default\" in " + dir + " (fine when credentials come from arguments or WWCLI_* variables)",
			Fix: "wwcli auth login --corp-id ww...   (keeps the secret in the OS keyring)"})
	}
	return nil
}

func storageName(s string) string {
	if s == config.StorageFile {
		return "a 0600 file (--insecure-storage)"
	}
	return "the OS keyring"
}

func (d *doctor) checkCredentials(ctx context.Context) (credentials.Credentials, bool) {
	d.start(CheckCredentials)
	creds, err := d.env.Credentials(ctx)
	if err != nil {
		detail, fix, _ := strings.Cut(err.Error(), "\n")
		d.add(Check{Name: CheckCredentials, Status: check.Fail, Detail: detail, Fix: dedent(fix)})
		return creds, false
	}
	detail := fmt.Sprintf("corp %s from %s", creds.CorpID, creds.Source)
	if creds.AgentID != "" {
		detail += ", agent " + creds.AgentID
	}
	d.add(Check{Name: CheckCredentials, Status: check.Pass, Detail: detail})
	return creds, true
}

// checkKeyring probes the OS keyring. It only matters when the secret in
// use lives there: with credentials from arguments, env, a file or the
// sandbox, an unreachable keyring is said, not warned about.
func (d *doctor) checkKeyring(ctx context.Context, creds credentials.Credentials, credsOK bool, prof *config.Profile) {
	d.start(CheckKeyring)
	store := d.env.Keyring
	_, err := store.Get(ctx, "wwcli-doctor-probe")
	if err == nil || errors.Is(err, credstore.ErrNotFound) {
		d.add(Check{Name: CheckKeyring, Status: check.Pass, Detail: store.Location() + " answers"})
		return
	}
	detail := err.Error()
	var u *credstore.UnavailableError
	if errors.As(err, &u) {
		detail = "unavailable: " + u.Reason
	}
	needed := credsOK && creds.Profile != "" && prof != nil && prof.SecretStorage != config.StorageFile
	switch {
	case needed:
		d.add(Check{Name: CheckKeyring, Status: check.Fail, Detail: detail, Fix: d.keyringFix(u != nil)})
	case credsOK:
		d.add(Check{Name: CheckKeyring, Status: check.Info, Detail: detail + "; not needed: the secret comes from " + creds.Source})
	default:
		d.add(Check{Name: CheckKeyring, Status: check.Warn, Detail: detail, Fix: d.keyringFix(u != nil)})
	}
}

func (d *doctor) keyringFix(unavailable bool) string {
	switch {
	case !unavailable:
		return "check the OS keyring (Secret Service, Keychain, Credential Manager)"
	case d.env.KeyringOff:
		return "unset WWCLI_KEYRING to use the OS keyring (fine to leave off when credentials come from WWCLI_* variables)"
	}
	return "use WWCLI_CORP_ID + WWCLI_SECRET in CI; on headless Linux run inside 'dbus-run-session' with an unlocked gnome-keyring; or 'wwcli auth login --insecure-storage'"
}

// failWith records a failed WeCom call with its explanation: WeCom's hint
// and egress IP as notes, wwcli's guidance as the fix.
func (d *doctor) failWith(name string, err error) {
	var apiErr *wecom.APIError
	if !errors.As(err, &apiErr) {
		d.add(Check{Name: name, Status: check.Fail, Detail: err.Error(), Fix: "check the network and --base-url (the API host check above says more)"})
		return
	}
	ex := errcode.Explain(apiErr.Code, apiErr.Msg)
	if apiErr.Code == 60020 {
		d.saw60020 = true
		if d.untrustedIP == "" {
			d.untrustedIP = ex.FromIP
		}
	}
	c := Check{Name: name, Status: check.Fail, Detail: ex.Title()}
	var ids []string
	for _, f := range ex.Fields() {
		switch f.Label {
		case "errmsg":
			c.Detail += ": " + f.Value
		case "hint", "from ip":
			ids = append(ids, f.Label+": "+f.Value)
		case "fix":
			c.Fix = f.Value
		case "more":
			c.More = f.Value
		default:
			c.Notes = append(c.Notes, f.Label+": "+f.Value)
		}
	}
	if len(ids) > 0 {
		c.Notes = append([]string{strings.Join(ids, "   ")}, c.Notes...)
	}
	d.add(c)
}

func (d *doctor) checkToken(ctx context.Context, creds credentials.Credentials) Session {
	d.start(CheckToken)
	s, err := d.env.Session(creds)
	if err != nil {
		d.add(Check{Name: CheckToken, Status: check.Fail, Detail: err.Error()})
		return nil
	}
	if d.env.Relay != "" {
		d.add(Check{Name: CheckToken, Status: check.Skip, Detail: "the access_token stays on the relay " + d.env.Relay,
			Fix: "the ticket checks below go through the relay; check the relay host itself with 'wwcli doctor' there"})
		return s
	}
	start := time.Now()
	t, err := s.Token(ctx, true)
	if err != nil {
		d.failWith(CheckToken, err)
		return nil
	}
	d.add(Check{Name: CheckToken, Status: check.Pass, Detail: fmt.Sprintf("access_token valid for %ds (%s)", t.ExpiresIn, check.Duration(time.Since(start)))})
	return s
}

func (d *doctor) checkTicket(ctx context.Context, s Session, kind wecom.TicketKind) {
	name := string(kind) + " jsapi_ticket"
	d.start(name)
	t, err := s.Ticket(ctx, kind, true)
	if err != nil {
		d.failWith(name, err)
		return
	}
	d.passedIP = true
	d.add(Check{Name: name, Status: check.Pass, Detail: fmt.Sprintf("valid for %ds", t.ExpiresIn)})
}

// checkAgent reads the app and returns its trusted redirect domain.
func (d *doctor) checkAgent(ctx context.Context, s Session, agentID string) string {
	d.start(CheckAgent)
	var a wecom.Agent // the wire format lives in pkg/wecom
	_, err := s.Call(ctx, wecom.Request{Method: http.MethodGet, Path: "/cgi-bin/agent/get", Query: url.Values{"agentid": {agentID}}}, &a)
	if err != nil {
		d.failWith(CheckAgent, err)
		return ""
	}
	d.passedIP = true
	detail := fmt.Sprintf("%q (agent %s); visible to %d member(s), %d department(s), %d tag(s)", a.Name, agentID,
		len(a.AllowUsers.User), len(a.AllowParties.PartyID), len(a.AllowTags.TagID))
	if a.RedirectDomain != "" {
		detail += "; trusted domain " + a.RedirectDomain
	} else {
		detail += "; no trusted domain"
	}
	switch {
	case a.Close == 1:
		d.add(Check{Name: CheckAgent, Status: check.Fail, Detail: detail + "; the app is disabled",
			Fix: "enable it in 管理后台 → 应用管理 → " + a.Name})
	case len(a.AllowUsers.User)+len(a.AllowParties.PartyID)+len(a.AllowTags.TagID) == 0:
		d.add(Check{Name: CheckAgent, Status: check.Warn, Detail: detail,
			Fix: "the visible range (可见范围) is empty: no member can open the app or be identified by OAuth"})
	case a.RedirectDomain == "":
		d.add(Check{Name: CheckAgent, Status: check.Warn, Detail: detail,
			Fix: "set 网页授权及JS-SDK → 可信域名 in 管理后台 for OAuth redirects and JS-SDK"})
	default:
		d.add(Check{Name: CheckAgent, Status: check.Pass, Detail: detail})
	}
	return a.RedirectDomain
}

// checkTrustedIP judges the egress IP from the calls above: gettoken alone
// proves nothing (WeCom checks the IP on the calls that use the token).
func (d *doctor) checkTrustedIP() {
	switch {
	case d.saw60020 && d.untrustedIP != "":
		d.add(Check{Name: CheckTrustedIP, Status: check.Fail, Detail: "WeCom refused this machine's egress IP " + d.untrustedIP + " (60020)",
			Fix: "add " + d.untrustedIP + " to 管理后台 → 应用管理 → the app → 企业可信IP"})
	case d.saw60020:
		d.add(Check{Name: CheckTrustedIP, Status: check.Fail, Detail: "WeCom refused this machine's egress IP (60020)",
			Fix: "add this machine's public IP to 企业可信IP of the app"})
	case d.passedIP:
		d.add(Check{Name: CheckTrustedIP, Status: check.Pass, Detail: "WeCom answered the calls past gettoken without 60020"})
	default:
		d.add(Check{Name: CheckTrustedIP, Status: check.Skip, Detail: "no call past gettoken succeeded, so WeCom has not judged this machine's IP yet"})
	}
}

// dedent removes the indentation all lines share and blank edges, keeping
// the lines' relative layout (numbered lists stay aligned).
func dedent(s string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	common := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if common < 0 || n < common {
			common = n
		}
	}
	for i, l := range lines {
		if len(l) >= common && common > 0 {
			lines[i] = l[common:]
		}
		lines[i] = strings.TrimRight(lines[i], " \t")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}
