// Package domaincheck fetches a WeCom domain-verification file
// (WW_verify_XXXX.txt) the way WeCom would, and reports each step: DNS,
// TCP connect, TLS, status, redirect, body and Content-Type. It does no
// terminal output; the command turns the checks into lines or JSON.
//
// The DNS, connect and TLS steps are exported (Resolve, Connect,
// Handshake) so that other checks (doctor's trusted domain) judge a host
// exactly as verify-domain does.
package domaincheck

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wwcli/wwcli/pkg/check"
	"github.com/wwcli/wwcli/pkg/safetext"
)

// Names of the checks, in the order they run.
const (
	CheckDNS         = "dns"
	CheckConnect     = "connect"
	CheckTLS         = "tls"
	CheckStatus      = "status"
	CheckRedirect    = "redirect"
	CheckBody        = "body"
	CheckContentType = "content_type"
)

// MaxBody bounds how much of a response is read: a verification file is a
// few bytes, anything past this is surely a page.
const MaxBody = 64 << 10

// MaxHeader bounds the status line and headers together: Go's parser on a
// raw connection has no limit of its own, and a hostile server can send
// headers without end.
const MaxHeader = 64 << 10

// errHeaderTooLarge is what the header phase reads once MaxHeader is used up.
var errHeaderTooLarge = fmt.Errorf("the server sent more than %d KiB of headers", MaxHeader>>10)

// budgetReader reads from r until n bytes are used up, then fails with err.
// The header phase gets MaxHeader; the body phase adds its own allowance.
type budgetReader struct {
	r   io.Reader
	n   int64
	err error
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, b.err
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.r.Read(p)
	b.n -= int64(n)
	return n, err
}

// Check is one step against one URL. OK says whether the condition held;
// Level says how it counts for the verdict: a scheme passes when none of
// its checks is check.Fail, and check.Warn is advice (Content-Type, --insecure,
// private addresses).
type Check struct {
	URL    string       `json:"url"`
	Check  string       `json:"check"`
	OK     bool         `json:"ok"`
	Level  check.Status `json:"level"`
	Detail string       `json:"detail"`
}

// Result is the outcome for one scheme.
type Result struct {
	Scheme string  `json:"scheme"`
	URL    string  `json:"url"`
	OK     bool    `json:"ok"`
	Checks []Check `json:"-"`
	// CertUnverified is set when the rest passed only because --insecure
	// accepted a certificate WeCom itself would reject.
	CertUnverified bool `json:"-"`
}

// Config says what to fetch and how.
type Config struct {
	Host     string // host name or IP literal, no port
	Port     string // "" for the scheme's default port
	Name     string // file name at the root
	Expected []byte
	Schemes  []string // "http", "https"
	Insecure bool     // accept any certificate, but still report what is wrong
	RootCAs  *x509.CertPool
	Timeout  time.Duration // bounds the whole run; 0 = only ctx
	Resolver *net.Resolver // nil = net.DefaultResolver
	// OnCheck, when set, sees each check the moment it completes (for
	// progress on a terminal). Run calls it from one goroutine at a time.
	OnCheck func(Check)
}

// URL returns the address checked for scheme.
func (c *Config) URL(scheme string) string {
	host := c.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if c.Port != "" {
		host += ":" + c.Port
	}
	return scheme + "://" + host + "/" + c.Name
}

// Run checks every scheme concurrently, so one slow scheme does not eat the
// other's time, and returns the results in the order of cfg.Schemes.
func Run(ctx context.Context, cfg Config) []Result {
	if cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Timeout)
		defer cancel()
	}
	if report := cfg.OnCheck; report != nil {
		var mu sync.Mutex
		cfg.OnCheck = func(c Check) {
			mu.Lock()
			defer mu.Unlock()
			report(c)
		}
	}
	results := make([]Result, len(cfg.Schemes))
	var wg sync.WaitGroup
	for i, scheme := range cfg.Schemes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = checkScheme(ctx, &cfg, scheme)
		}()
	}
	wg.Wait()
	return results
}

type run struct {
	ctx context.Context
	cfg *Config
	res Result
}

// newCheck is a check whose condition held unless level is check.Fail.
// Details quote what the server sent (the status line is not checked by
// Go's parser the way headers are), so their control characters are escaped.
func newCheck(name string, level check.Status, format string, a ...any) Check {
	return Check{Check: name, OK: level != check.Fail, Level: level, Detail: safetext.Escape(fmt.Sprintf(format, a...))}
}

// advice is a condition that failed but only counts as a warning.
func advice(name, format string, a ...any) Check {
	return Check{Check: name, OK: false, Level: check.Warn, Detail: safetext.Escape(fmt.Sprintf(format, a...))}
}

// record adds c to the result and reports it as done.
func (r *run) record(c Check) {
	c.URL = r.res.URL
	r.res.Checks = append(r.res.Checks, c)
	if r.cfg.OnCheck != nil {
		r.cfg.OnCheck(c)
	}
}

func (r *run) add(name string, level check.Status, format string, a ...any) {
	r.record(newCheck(name, level, format, a...))
}

func (r *run) addAdvice(name, format string, a ...any) { r.record(advice(name, format, a...)) }

func checkScheme(ctx context.Context, cfg *Config, scheme string) Result {
	r := &run{ctx: ctx, cfg: cfg, res: Result{Scheme: scheme, URL: cfg.URL(scheme)}}
	r.steps(scheme)
	r.res.OK = len(r.res.Checks) > 0
	for _, c := range r.res.Checks {
		if c.Level == check.Fail {
			r.res.OK = false
		}
	}
	return r.res
}

// DefaultPort is the port of scheme ("80" or "443").
func DefaultPort(scheme string) string {
	if scheme == "http" {
		return "80"
	}
	return "443"
}

func (r *run) steps(scheme string) {
	ips, dns := Resolve(r.ctx, r.cfg)
	r.record(dns)
	if ips == nil {
		return
	}
	port := r.cfg.Port
	if port == "" {
		port = DefaultPort(scheme)
	}
	conn, connected := Connect(r.ctx, r.cfg, ips, port)
	r.record(connected)
	if conn == nil {
		return
	}
	defer conn.Close()
	// One deadline for the whole exchange (TLS, request, headers, body), set
	// on the connection itself so that no read can outlast --timeout.
	if dl, ok := r.ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// Closing the connection is what unblocks reads when ctx is cancelled.
	stop := context.AfterFunc(r.ctx, func() { conn.Close() })
	defer stop()
	if scheme == "https" {
		tconn, tlsCheck := Handshake(r.ctx, r.cfg, conn)
		r.record(tlsCheck)
		if tconn == nil {
			return
		}
		// A TLS check that is only a warning is a certificate --insecure let through.
		r.res.CertUnverified = tlsCheck.Level == check.Warn
		conn = tconn
	}
	r.fetch(conn)
}

// Resolve is the DNS step: the addresses of cfg.Host (nil when it does not
// resolve) and the check that says so. Private and loopback addresses are
// a warning: WeCom fetches from the internet and cannot reach them.
func Resolve(ctx context.Context, cfg *Config) ([]net.IP, Check) {
	host := cfg.Host
	if ip := net.ParseIP(host); ip != nil {
		if !IsPublic(ip) {
			return []net.IP{ip}, newCheck(CheckDNS, check.Warn, "%s is a private or loopback IP address (no lookup): WeCom fetches from the internet and cannot reach it", host)
		}
		return []net.IP{ip}, newCheck(CheckDNS, check.Pass, "%s is an IP address (no lookup)", host)
	}
	resolver := cfg.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	addrs, err := resolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, newCheck(CheckDNS, check.Fail, "cannot resolve %s: %s", host, describe(ctx, cfg, err))
	}
	var ips []net.IP
	var names []string
	public := false
	for _, a := range addrs {
		ips = append(ips, a.IP)
		names = append(names, a.IP.String())
		public = public || IsPublic(a.IP)
	}
	if !public {
		return ips, newCheck(CheckDNS, check.Warn, "%s -> %s: only private or loopback addresses, which WeCom cannot reach from the internet", host, strings.Join(names, ", "))
	}
	return ips, newCheck(CheckDNS, check.Pass, "%s -> %s", host, strings.Join(names, ", "))
}

// IsPublic reports whether ip can be reached from the internet.
func IsPublic(ip net.IP) bool {
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified())
}

// Connect is the TCP step: the first of ips that accepts a connection on
// port (nil when none does) and the check that says so.
func Connect(ctx context.Context, cfg *Config, ips []net.IP, port string) (net.Conn, Check) {
	var d net.Dialer
	var lastErr error
	var addr string
	for _, ip := range ips {
		addr = net.JoinHostPort(ip.String(), port)
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return conn, newCheck(CheckConnect, check.Pass, "connected to %s", addr)
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, newCheck(CheckConnect, check.Fail, "cannot connect to %s: %s", addr, describe(ctx, cfg, lastErr))
}

// InsecureHint ends the detail of a certificate that did not verify.
const InsecureHint = " (use --insecure to check the rest anyway)"

// Handshake is the TLS step on conn: the TLS connection (nil when the
// handshake failed, or the certificate did not verify without
// cfg.Insecure) and the check that says why. The certificate must be valid
// for cfg.Host, as WeCom requires.
func Handshake(ctx context.Context, cfg *Config, conn net.Conn) (net.Conn, Check) {
	host := cfg.Host
	conf := &tls.Config{
		// Verification happens below, by hand, so that --insecure can still
		// say what is wrong with the certificate.
		InsecureSkipVerify: true, //nolint:gosec // verified explicitly in verifyPeer
		MinVersion:         tls.VersionTLS12,
	}
	if net.ParseIP(host) == nil {
		conf.ServerName = host // SNI is only sent for names
	}
	tconn := tls.Client(conn, conf)
	if err := tconn.HandshakeContext(ctx); err != nil {
		return nil, newCheck(CheckTLS, check.Fail, "TLS handshake failed: %s", describe(ctx, cfg, err))
	}
	state := tconn.ConnectionState()
	leaf := state.PeerCertificates[0]
	expiry := leaf.NotAfter.UTC().Format("2006-01-02")
	if err := verifyPeer(cfg, state.PeerCertificates); err != nil {
		if cfg.Insecure {
			return tconn, advice(CheckTLS, "certificate NOT verified (--insecure): %s", describeCertError(err, host))
		}
		return nil, newCheck(CheckTLS, check.Fail, "%s%s", describeCertError(err, host), InsecureHint)
	}
	return tconn, newCheck(CheckTLS, check.Pass, "certificate valid for %s, issued by %s, expires %s (%s)", host, issuerName(leaf), expiry, tls.VersionName(state.Version))
}

func verifyPeer(cfg *Config, certs []*x509.Certificate) error {
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{DNSName: cfg.Host, Roots: cfg.RootCAs, Intermediates: inter})
	return err
}

func issuerName(c *x509.Certificate) string {
	if c.Issuer.CommonName != "" {
		return c.Issuer.CommonName
	}
	if len(c.Issuer.Organization) > 0 {
		return c.Issuer.Organization[0]
	}
	return c.Issuer.String()
}

func describeCertError(err error, host string) string {
	var hostErr x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &hostErr):
		return fmt.Sprintf("certificate is not valid for %s (it covers %s)", host, certNames(hostErr.Certificate))
	case errors.As(err, &unknown):
		return "certificate is signed by an unknown authority (self-signed, or the server does not send its intermediate certificates)"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "certificate has expired or is not yet valid: " + invalid.Detail
	default:
		return "certificate does not verify: " + err.Error()
	}
}

func certNames(c *x509.Certificate) string {
	var names []string
	names = append(names, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "no names"
	}
	return strings.Join(names, ", ")
}

func (r *run) fetch(conn net.Conn) {
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, r.res.URL, nil)
	if err != nil {
		r.add(CheckStatus, check.Fail, "cannot build the request: %v", err)
		return
	}
	req.Header.Set("User-Agent", "wwcli-verify-domain")
	req.Close = true
	// One hand-written request on the connection already checked: no
	// transport, so no proxy, no connection reuse and no redirect following.
	if err := req.Write(conn); err != nil {
		r.add(CheckStatus, check.Fail, "cannot send the request: %s", describe(r.ctx, r.cfg, err))
		return
	}
	budget := &budgetReader{r: conn, n: MaxHeader, err: errHeaderTooLarge}
	resp, err := http.ReadResponse(bufio.NewReader(budget), req)
	if err != nil {
		if budget.n <= 0 {
			r.add(CheckStatus, check.Fail, "no HTTP response: %v (a web server sends a few hundred bytes)", errHeaderTooLarge)
			return
		}
		r.add(CheckStatus, check.Fail, "no HTTP response: %s", describe(r.ctx, r.cfg, err))
		return
	}
	defer resp.Body.Close()
	// The body is read up to MaxBody+1 below; the allowance leaves room for
	// chunk framing.
	budget.n += 2 * MaxBody
	budget.err = fmt.Errorf("the body is larger than %d KiB: this is not the verification file", MaxBody>>10)

	redirect := resp.StatusCode >= 300 && resp.StatusCode < 400
	switch {
	case resp.StatusCode == http.StatusOK:
		r.add(CheckStatus, check.Pass, "%s", resp.Status)
	case resp.StatusCode == http.StatusNotFound:
		r.add(CheckStatus, check.Fail, "%s: the file is not at the domain root (upload it next to the site's index, not in a sub-folder)", resp.Status)
	case redirect:
		r.add(CheckStatus, check.Fail, "%s: expected 200 OK, not a redirect", resp.Status)
	default:
		r.add(CheckStatus, check.Fail, "%s: expected 200 OK", resp.Status)
	}
	if redirect {
		loc := resp.Header.Get("Location")
		if loc == "" {
			loc = "(no Location header)"
		}
		r.add(CheckRedirect, check.Fail, "redirects to %s; serve the file at this URL directly (WeCom is not known to follow redirects; a forced-HTTPS rule or a WAF is the usual cause)", loc)
	} else {
		r.add(CheckRedirect, check.Pass, "no redirect")
	}
	if resp.StatusCode != http.StatusOK {
		return
	}

	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		r.add(CheckBody, check.Fail, "reading the body failed: %s", describe(r.ctx, r.cfg, err))
		return
	}
	if len(body) > MaxBody {
		r.add(CheckBody, check.Fail, "the body is larger than %d KiB: this is not the verification file", MaxBody>>10)
	} else if ok, detail := DiagnoseBody(body, r.cfg.Expected); ok {
		r.add(CheckBody, check.Pass, "%s", detail)
	} else {
		r.add(CheckBody, check.Fail, "%s", detail)
	}

	ct := resp.Header.Get("Content-Type")
	media, _, perr := mime.ParseMediaType(ct)
	switch {
	case ct == "":
		r.addAdvice(CheckContentType, "no Content-Type header; text/plain is expected (advisory)")
	case perr == nil && media == "text/plain":
		r.add(CheckContentType, check.Pass, "%s", ct)
	default:
		r.addAdvice(CheckContentType, "%s; text/plain is expected (advisory)", ct)
	}
}

func describe(ctx context.Context, cfg *Config, err error) string {
	return Describe(ctx, cfg.Timeout, err)
}

// Describe turns a network error into a short, plain reason; timeout is
// the --timeout that bounded the work (0 when none did).
func Describe(ctx context.Context, timeout time.Duration, err error) string {
	if err == nil {
		return "unknown error"
	}
	if ctx.Err() == context.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		if timeout > 0 {
			return fmt.Sprintf("timed out: no answer within %s (--timeout)", timeout)
		}
		return "timed out"
	}
	if ctx.Err() == context.Canceled {
		return "interrupted"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return "no such host (check the spelling, and that the name resolves from the public internet)"
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "first record does not look like a TLS handshake"):
		return "the server answers plain HTTP on this port, not TLS"
	case strings.Contains(msg, "connection refused"):
		return "connection refused (nothing listens on that port)"
	case strings.Contains(msg, "connection reset"):
		return "connection reset by the server"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "the server closed the connection without answering"
	}
	return msg
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
