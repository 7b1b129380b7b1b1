// Package doctor is `wwcli doctor`: check a WeCom setup end to end and say
// how to fix each problem found.
package doctor

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/errcode"
	"github.com/wwcli/wwcli/pkg/ui"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// Statuses of a check, as they appear in --json.
const (
	StatusPass = "pass"
	StatusWarn = "warn"
	StatusFail = "fail"
	StatusSkip = "skip"
)

// Check is one line of the report.
type Check struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix"`
}

// Report is the --json document.
type Report struct {
	OK     bool    `json:"ok"`
	Checks []Check `json:"checks"`
}

// Options of `wwcli doctor`.
type Options struct {
	f      *cmdutil.Factory
	Creds  cmdutil.CredInput
	Domain string
	JSON   bool
}

// NewCmd builds `wwcli doctor`.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "doctor [CORPID SECRET]",
		Short: "Check config, keyring, credentials, network and the WeCom app",
		Long: `Run a checklist over everything wwcli needs and print pass, warn or fail for
each check with the fix: the config file and profile, the OS keyring, which
credentials are used, the API host (DNS, TLS, latency), gettoken, the corp and
app jsapi_tickets, the app itself (agent/get: name, trusted redirect domain,
visible range, enabled), the trusted-IP list (60020, with the egress IP to
add), and the trusted domain given with --domain (DNS; the app's
redirect_domain is named, not looked up).

The checklist goes to stderr; --json prints {"ok","checks":[{"name","status",
"detail","fix"}]} on stdout. Doctor fetches a fresh token (the cache is not
used) so that a rotated secret shows up. Secrets are never printed.

Exit status: 0 when no check failed (warnings allowed), 1 when one did. Doctor
never exits 4: missing credentials are a failed check like any other.`,
		Example: `  wwcli doctor
  wwcli doctor --agent-id 1000002 --domain app.example.com
  WWCLI_CORP_ID=ww... WWCLI_SECRET=... wwcli doctor --json
  wwcli --sandbox doctor`,
		Args: shared.CredArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Creds.Args = args
			if runF != nil {
				return runF(opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	shared.AddCredFlags(cmd, &opts.Creds, "app agent id (AgentId), checked with agent/get")
	cmd.Flags().StringVar(&opts.Domain, "domain", "", "also check this trusted domain (default: the app's redirect_domain)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the report as JSON on stdout")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	d := &doctor{f: opts.f, opts: opts, theme: ui.New(opts.f.IO.ErrOut, opts.f.IO.ColorErr()), tty: opts.f.IO.IsStderrTTY()}
	d.runAll(ctx)
	rep := Report{OK: true, Checks: d.checks}
	for _, c := range d.checks {
		if c.Status == StatusFail {
			rep.OK = false
		}
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.f.IO.Out)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			return err
		}
	}
	if !rep.OK {
		return cmdutil.Silent(cmdutil.ExitFailure)
	}
	return nil
}

type doctor struct {
	f      *cmdutil.Factory
	opts   *Options
	theme  *ui.Theme
	tty    bool
	checks []Check
	// untrustedIP is the egress IP from the first 60020 answer.
	untrustedIP string
	saw60020    bool
}

// start shows a progress line on a terminal while a check runs.
func (d *doctor) start(name string) {
	if d.tty {
		fmt.Fprint(d.f.IO.ErrOut, d.theme.Muted("… "+name)+"\r")
	}
}

func (d *doctor) add(c Check) {
	d.checks = append(d.checks, c)
	w := d.f.IO.ErrOut
	if d.tty {
		// Blank out the progress line before the result replaces it.
		fmt.Fprint(w, strings.Repeat(" ", len(c.Name)+4)+"\r")
	}
	st := ui.Info
	switch c.Status {
	case StatusPass:
		st = ui.Pass
	case StatusWarn:
		st = ui.Warn
	case StatusFail:
		st = ui.Fail
	}
	detail := c.Detail
	if c.Status == StatusSkip {
		detail = "skipped: " + detail
	}
	fix := c.Fix
	if fix != "" && c.Status != StatusPass {
		fix = "fix: " + fix
	}
	d.theme.WriteCheck(w, ui.Check{Status: st, Title: c.Name, Detail: detail, Fix: fix})
}

func (d *doctor) runAll(ctx context.Context) {
	profileUsesKeyring := d.checkConfig()
	d.checkKeyring(ctx, profileUsesKeyring)
	creds, ok := d.checkCredentials(ctx)
	base := d.checkHost(ctx, creds)
	if !ok || base == "" {
		for _, n := range []string{"gettoken", "corp jsapi_ticket", "agent jsapi_ticket", "app (agent/get)", "trusted IP"} {
			d.add(Check{Name: n, Status: StatusSkip, Detail: "needs working credentials and API host"})
		}
		d.checkDomain(ctx, d.opts.Domain)
		return
	}
	s, err := d.f.SessionFor(creds, true)
	if err != nil {
		d.add(Check{Name: "gettoken", Status: StatusFail, Detail: err.Error()})
		return
	}
	if !d.checkToken(ctx, s) {
		for _, n := range []string{"corp jsapi_ticket", "agent jsapi_ticket", "app (agent/get)"} {
			d.add(Check{Name: n, Status: StatusSkip, Detail: "needs an access_token"})
		}
		d.checkTrustedIP()
		d.checkDomain(ctx, d.opts.Domain)
		return
	}
	d.checkTicket(ctx, s, wecom.CorpTicket)
	if creds.AgentID == "" {
		d.add(Check{Name: "agent jsapi_ticket", Status: StatusSkip, Detail: "no agent id",
			Fix: "give --agent-id (or WWCLI_AGENT_ID, or agent_id in the profile) to check the app"})
		d.add(Check{Name: "app (agent/get)", Status: StatusSkip, Detail: "no agent id",
			Fix: "give --agent-id (or WWCLI_AGENT_ID, or agent_id in the profile) to check the app"})
		d.checkTrustedIP()
		d.checkDomain(ctx, d.opts.Domain)
		return
	}
	d.checkTicket(ctx, s, wecom.AgentTicket)
	redirect := d.checkAgent(ctx, s, creds.AgentID)
	d.checkTrustedIP()
	if d.opts.Domain == "" && redirect != "" {
		// Looking up a domain nobody asked about would surprise in CI
		// (and in the sandbox, whose demo domains do not exist).
		d.add(Check{Name: "trusted domain", Status: StatusSkip, Detail: "the app's trusted domain is " + redirect,
			Fix: "check it with: wwcli doctor --domain " + redirect})
		return
	}
	d.checkDomain(ctx, d.opts.Domain)
}

// checkConfig reports the config file and the selected profile; it returns
// whether that profile keeps its secret in the OS keyring.
func (d *doctor) checkConfig() bool {
	const name = "config"
	d.start(name)
	dir, err := d.f.ConfigDir()
	if err != nil {
		d.add(Check{Name: name, Status: StatusFail, Detail: err.Error(), Fix: "set WWCLI_CONFIG_DIR to a writable directory"})
		return false
	}
	cfg, err := d.f.Config()
	if err != nil {
		d.add(Check{Name: name, Status: StatusFail, Detail: err.Error(),
			Fix: "repair or delete the config file in " + dir + ", then run 'wwcli auth login'"})
		return false
	}
	prof := d.f.ProfileName()
	p := cfg.Profiles[prof]
	switch {
	case p != nil:
		detail := fmt.Sprintf("profile %q: corp %s", prof, p.CorpID)
		if p.AgentID != "" {
			detail += ", agent " + p.AgentID
		}
		detail += ", secret in " + storageName(p.SecretStorage)
		d.add(Check{Name: name, Status: StatusPass, Detail: detail})
		return p.SecretStorage != "file"
	case d.f.Global.Profile != "":
		d.add(Check{Name: name, Status: StatusFail, Detail: fmt.Sprintf("no profile %q in %s", prof, dir),
			Fix: fmt.Sprintf("wwcli auth login --profile %s --corp-id ww...", prof)})
	default:
		d.add(Check{Name: name, Status: StatusWarn, Detail: "no profile \"default\" in " + dir + " (fine when credentials come from arguments or WWCLI_* variables)",
			Fix: "wwcli auth login --corp-id ww...   (keeps the secret in the OS keyring)"})
	}
	return false
}

func storageName(s string) string {
	if s == "file" {
		return "a 0600 file (--insecure-storage)"
	}
	return "the OS keyring"
}

func (d *doctor) checkKeyring(ctx context.Context, needed bool) {
	const name = "keyring"
	d.start(name)
	store := d.f.KeyringStore()
	_, err := store.Get(ctx, "wwcli-doctor-probe")
	switch {
	case err == nil || errors.Is(err, credstore.ErrNotFound):
		d.add(Check{Name: name, Status: StatusPass, Detail: store.Location() + " answers"})
	case credstore.IsUnavailable(err):
		status := StatusWarn
		if needed {
			status = StatusFail
		}
		var u *credstore.UnavailableError
		errors.As(err, &u)
		fix := "use WWCLI_CORP_ID + WWCLI_SECRET in CI; on headless Linux run inside 'dbus-run-session' with an unlocked gnome-keyring; or 'wwcli auth login --insecure-storage'"
		if d.f.Getenv("WWCLI_KEYRING") == "off" {
			fix = "unset WWCLI_KEYRING to use the OS keyring (fine to leave off when credentials come from WWCLI_* variables)"
		}
		d.add(Check{Name: name, Status: status, Detail: "unavailable: " + u.Reason, Fix: fix})
	default:
		d.add(Check{Name: name, Status: StatusWarn, Detail: err.Error(), Fix: "check the OS keyring (Secret Service, Keychain, Credential Manager)"})
	}
}

func (d *doctor) checkCredentials(ctx context.Context) (cmdutil.Credentials, bool) {
	const name = "credentials"
	d.start(name)
	creds, err := d.f.ResolveCredentials(ctx, "doctor", d.opts.Creds)
	if err != nil {
		msg := err.Error()
		detail, fix, _ := strings.Cut(msg, "\n")
		d.add(Check{Name: name, Status: StatusFail, Detail: detail, Fix: strings.TrimSpace(fix)})
		return creds, false
	}
	detail := fmt.Sprintf("corp %s from %s", creds.CorpID, creds.Source)
	if creds.AgentID != "" {
		detail += ", agent " + creds.AgentID
	}
	d.add(Check{Name: name, Status: StatusPass, Detail: detail})
	return creds, true
}

// checkHost resolves and connects to the API host and returns the base URL
// ("" when unusable).
func (d *doctor) checkHost(ctx context.Context, creds cmdutil.Credentials) string {
	const name = "API host"
	d.start(name)
	base, err := d.f.APIBaseURL(creds)
	if err != nil {
		d.add(Check{Name: name, Status: StatusFail, Detail: err.Error(), Fix: "fix --base-url / WWCLI_BASE_URL or the profile's base_url"})
		return ""
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		d.add(Check{Name: name, Status: StatusFail, Detail: fmt.Sprintf("bad base URL %q", base), Fix: "fix --base-url / WWCLI_BASE_URL"})
		return ""
	}
	timeout := d.f.Global.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	var parts []string
	start := time.Now()
	if net.ParseIP(host) == nil {
		addrs, err := net.DefaultResolver.LookupHost(ctx, host)
		if err != nil {
			d.add(Check{Name: name, Status: StatusFail, Detail: "DNS: " + err.Error(),
				Fix: "check DNS and network; behind a proxy set HTTPS_PROXY"})
			return ""
		}
		parts = append(parts, fmt.Sprintf("DNS %s → %s (%s)", host, strings.Join(addrs, ", "), ms(time.Since(start))))
	}
	start = time.Now()
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		d.add(Check{Name: name, Status: StatusFail, Detail: strings.Join(append(parts, "connect: "+err.Error()), "; "),
			Fix: "check the firewall and proxy settings (HTTPS_PROXY); outbound " + port + "/tcp must be open"})
		return ""
	}
	defer conn.Close()
	parts = append(parts, "connect "+ms(time.Since(start)))
	if u.Scheme == "https" {
		start = time.Now()
		tc := tls.Client(conn, &tls.Config{ServerName: host})
		if err := tc.HandshakeContext(ctx); err != nil {
			d.add(Check{Name: name, Status: StatusFail, Detail: strings.Join(append(parts, "TLS: "+err.Error()), "; "),
				Fix: "a proxy or firewall may intercept TLS; check the system CA certificates"})
			return ""
		}
		parts = append(parts, "TLS "+tc.ConnectionState().PeerCertificates[0].Subject.CommonName+" "+ms(time.Since(start)))
	}
	d.add(Check{Name: name, Status: StatusPass, Detail: base + ": " + strings.Join(parts, "; ")})
	return base
}

func ms(dur time.Duration) string { return dur.Round(time.Millisecond).String() }

// failWith records a failed WeCom call with its explanation.
func (d *doctor) failWith(name string, err error) {
	var apiErr *wecom.APIError
	if errors.As(err, &apiErr) {
		ex := errcode.Explain(apiErr.Code, apiErr.Msg)
		if apiErr.Code == 60020 {
			d.saw60020 = true
			if d.untrustedIP == "" {
				d.untrustedIP = ex.FromIP
			}
		}
		title, rest, _ := strings.Cut(ex.Short(), "\n")
		d.add(Check{Name: name, Status: StatusFail, Detail: title, Fix: dedent(rest)})
		return
	}
	d.add(Check{Name: name, Status: StatusFail, Detail: err.Error(), Fix: "check the network and --base-url"})
}

func dedent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

func (d *doctor) checkToken(ctx context.Context, s *cmdutil.Session) bool {
	const name = "gettoken"
	d.start(name)
	start := time.Now()
	t, err := s.Token(ctx, true)
	if err != nil {
		d.failWith(name, err)
		return false
	}
	d.add(Check{Name: name, Status: StatusPass, Detail: fmt.Sprintf("access_token valid for %ds (%s)", t.ExpiresIn, ms(time.Since(start)))})
	return true
}

func (d *doctor) checkTicket(ctx context.Context, s *cmdutil.Session, kind wecom.TicketKind) {
	name := string(kind) + " jsapi_ticket"
	d.start(name)
	t, err := s.Ticket(ctx, kind, true)
	if err != nil {
		d.failWith(name, err)
		return
	}
	d.add(Check{Name: name, Status: StatusPass, Detail: fmt.Sprintf("valid for %ds", t.ExpiresIn)})
}

// agentInfo is the part of agent/get doctor looks at.
type agentInfo struct {
	Name           string `json:"name"`
	RedirectDomain string `json:"redirect_domain"`
	Close          int    `json:"close"`
	AllowUsers     struct {
		User []struct {
			UserID string `json:"userid"`
		} `json:"user"`
	} `json:"allow_userinfos"`
	AllowParties struct {
		PartyID []int64 `json:"partyid"`
	} `json:"allow_partys"`
	AllowTags struct {
		TagID []int64 `json:"tagid"`
	} `json:"allow_tags"`
}

// checkAgent reads the app and returns its trusted redirect domain.
func (d *doctor) checkAgent(ctx context.Context, s *cmdutil.Session, agentID string) string {
	const name = "app (agent/get)"
	d.start(name)
	var a agentInfo
	_, err := s.Call(ctx, wecom.Request{Method: "GET", Path: "/cgi-bin/agent/get", Query: url.Values{"agentid": {agentID}}}, &a)
	if err != nil {
		d.failWith(name, err)
		return ""
	}
	detail := fmt.Sprintf("%q (agent %s); visible to %d member(s), %d department(s), %d tag(s)", a.Name, agentID,
		len(a.AllowUsers.User), len(a.AllowParties.PartyID), len(a.AllowTags.TagID))
	if a.RedirectDomain != "" {
		detail += "; trusted domain " + a.RedirectDomain
	} else {
		detail += "; no trusted domain"
	}
	switch {
	case a.Close == 1:
		d.add(Check{Name: name, Status: StatusFail, Detail: detail + "; the app is disabled",
			Fix: "enable it in 管理后台 → 应用管理 → " + a.Name})
	case len(a.AllowUsers.User)+len(a.AllowParties.PartyID)+len(a.AllowTags.TagID) == 0:
		d.add(Check{Name: name, Status: StatusWarn, Detail: detail,
			Fix: "the visible range (可见范围) is empty: no member can open the app or be identified by OAuth"})
	case a.RedirectDomain == "":
		d.add(Check{Name: name, Status: StatusWarn, Detail: detail,
			Fix: "set 网页授权及JS-SDK → 可信域名 in 管理后台 for OAuth redirects and JS-SDK"})
	default:
		d.add(Check{Name: name, Status: StatusPass, Detail: detail})
	}
	return a.RedirectDomain
}

func (d *doctor) checkTrustedIP() {
	const name = "trusted IP"
	switch {
	case d.saw60020 && d.untrustedIP != "":
		d.add(Check{Name: name, Status: StatusFail, Detail: "WeCom refused this machine's egress IP " + d.untrustedIP + " (60020)",
			Fix: "add " + d.untrustedIP + " to 管理后台 → 应用管理 → the app → 企业可信IP"})
	case d.saw60020:
		d.add(Check{Name: name, Status: StatusFail, Detail: "WeCom refused this machine's egress IP (60020)",
			Fix: "add this machine's public IP to 企业可信IP of the app"})
	default:
		d.add(Check{Name: name, Status: StatusPass, Detail: "no 60020 from the calls above"})
	}
}

// checkDomain resolves the trusted domain. The full file check needs the
// WW_verify_ file name, which only the admin console shows.
func (d *doctor) checkDomain(ctx context.Context, domain string) {
	const name = "trusted domain"
	if domain == "" {
		d.add(Check{Name: name, Status: StatusSkip, Detail: "no --domain and no redirect_domain from the app"})
		return
	}
	d.start(name)
	host := domain
	if h, _, err := net.SplitHostPort(domain); err == nil {
		host = h
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if net.ParseIP(host) == nil {
		addrs, err := net.DefaultResolver.LookupHost(ctx, host)
		if err != nil {
			d.add(Check{Name: name, Status: StatusFail, Detail: host + ": DNS: " + err.Error(),
				Fix: "the trusted domain must resolve publicly; check its DNS records"})
			return
		}
		d.add(Check{Name: name, Status: StatusPass, Detail: host + " resolves to " + strings.Join(addrs, ", ")})
	} else {
		d.add(Check{Name: name, Status: StatusWarn, Detail: host + " is an IP address",
			Fix: "WeCom trusted domains are host names"})
	}
	d.add(Check{Name: "verify-domain file", Status: StatusSkip,
		Detail: "needs the WW_verify_XXXXXXXXXXXXXXXX.txt name shown in the admin console",
		Fix:    "run: wwcli verify-domain " + host + " --name WW_verify_XXXXXXXXXXXXXXXX.txt (or --file PATH)"})
}
