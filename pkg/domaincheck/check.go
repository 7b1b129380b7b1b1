// Package domaincheck fetches a WeCom domain-verification file
// (WW_verify_XXXX.txt) the way WeCom would, and reports each step: DNS,
// TCP connect, TLS, status, redirect, body and Content-Type. It does no
// terminal output; the command turns the checks into lines or JSON.
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

	"github.com/wwcli/wwcli/pkg/safetext"
)

// Levels of a check. A scheme passes when none of its checks is LevelFail;
// LevelWarn is advice (Content-Type, --insecure, private addresses).
const (
	LevelPass = "pass"
	LevelWarn = "warn"
	LevelFail = "fail"
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

// Check is one step against one URL. OK says whether the condition held;
// Level says how it counts for the verdict.
type Check struct {
	URL    string `json:"url"`
	Check  string `json:"check"`
	OK     bool   `json:"ok"`
	Level  string `json:"level"`
	Detail string `json:"detail"`
}

// Result is the outcome for one scheme.
type Result struct {
	Scheme string  `json:"scheme"`
	URL    string  `json:"url"`
	OK     bool    `json:"ok"`
	Checks []Check `json:"-"`
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

// add records a check whose condition held unless level is LevelFail.
// Details quote what the server sent (the status line is not checked by
// Go's parser the way headers are), so their control characters are escaped.
func (r *run) add(check, level, format string, a ...any) {
	r.res.Checks = append(r.res.Checks, Check{URL: r.res.URL, Check: check, OK: level != LevelFail, Level: level, Detail: safetext.Escape(fmt.Sprintf(format, a...))})
}

// addAdvice records a condition that failed but only counts as a warning.
func (r *run) addAdvice(check, format string, a ...any) {
	r.res.Checks = append(r.res.Checks, Check{URL: r.res.URL, Check: check, OK: false, Level: LevelWarn, Detail: safetext.Escape(fmt.Sprintf(format, a...))})
}

func checkScheme(ctx context.Context, cfg *Config, scheme string) Result {
	r := &run{ctx: ctx, cfg: cfg, res: Result{Scheme: scheme, URL: cfg.URL(scheme)}}
	r.steps(scheme)
	r.res.OK = len(r.res.Checks) > 0
	for _, c := range r.res.Checks {
		if c.Level == LevelFail {
			r.res.OK = false
		}
	}
	return r.res
}

func (r *run) steps(scheme string) {
	ips, ok := r.resolve()
	if !ok {
		return
	}
	port := r.cfg.Port
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	conn, ok := r.connect(ips, port)
	if !ok {
		return
	}
	defer conn.Close()
	// Closing the connection is what unblocks reads when time runs out.
	stop := context.AfterFunc(r.ctx, func() { conn.Close() })
	defer stop()
	if scheme == "https" {
		tconn, ok := r.handshake(conn)
		if !ok {
			return
		}
		conn = tconn
	}
	r.fetch(conn)
}

func (r *run) resolve() ([]net.IP, bool) {
	host := r.cfg.Host
	if ip := net.ParseIP(host); ip != nil {
		if !isPublic(ip) {
			r.add(CheckDNS, LevelWarn, "%s is a private or loopback IP address (no lookup): WeCom fetches from the internet and cannot reach it", host)
		} else {
			r.add(CheckDNS, LevelPass, "%s is an IP address (no lookup)", host)
		}
		return []net.IP{ip}, true
	}
	resolver := r.cfg.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	addrs, err := resolver.LookupIPAddr(r.ctx, host)
	if err != nil {
		r.add(CheckDNS, LevelFail, "cannot resolve %s: %s", host, r.describe(err))
		return nil, false
	}
	var ips []net.IP
	var names []string
	public := false
	for _, a := range addrs {
		ips = append(ips, a.IP)
		names = append(names, a.IP.String())
		public = public || isPublic(a.IP)
	}
	if !public {
		r.add(CheckDNS, LevelWarn, "%s -> %s: only private or loopback addresses, which WeCom cannot reach from the internet", host, strings.Join(names, ", "))
	} else {
		r.add(CheckDNS, LevelPass, "%s -> %s", host, strings.Join(names, ", "))
	}
	return ips, true
}

func isPublic(ip net.IP) bool {
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified())
}

func (r *run) connect(ips []net.IP, port string) (net.Conn, bool) {
	var d net.Dialer
	var lastErr error
	var addr string
	for _, ip := range ips {
		addr = net.JoinHostPort(ip.String(), port)
		conn, err := d.DialContext(r.ctx, "tcp", addr)
		if err == nil {
			r.add(CheckConnect, LevelPass, "connected to %s", addr)
			return conn, true
		}
		lastErr = err
		if r.ctx.Err() != nil {
			break
		}
	}
	r.add(CheckConnect, LevelFail, "cannot connect to %s: %s", addr, r.describe(lastErr))
	return nil, false
}

func (r *run) handshake(conn net.Conn) (net.Conn, bool) {
	host := r.cfg.Host
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
	if err := tconn.HandshakeContext(r.ctx); err != nil {
		r.add(CheckTLS, LevelFail, "TLS handshake failed: %s", r.describe(err))
		return nil, false
	}
	state := tconn.ConnectionState()
	leaf := state.PeerCertificates[0]
	expiry := leaf.NotAfter.UTC().Format("2006-01-02")
	if err := r.verifyPeer(state.PeerCertificates); err != nil {
		if r.cfg.Insecure {
			r.addAdvice(CheckTLS, "certificate NOT verified (--insecure): %s", describeCertError(err, host))
			return tconn, true
		}
		r.add(CheckTLS, LevelFail, "%s (use --insecure to check the rest anyway)", describeCertError(err, host))
		return nil, false
	}
	r.add(CheckTLS, LevelPass, "certificate valid for %s, issued by %s, expires %s (%s)", host, issuerName(leaf), expiry, tls.VersionName(state.Version))
	return tconn, true
}

func (r *run) verifyPeer(certs []*x509.Certificate) error {
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{DNSName: r.cfg.Host, Roots: r.cfg.RootCAs, Intermediates: inter})
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
	if dl, ok := r.ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, r.res.URL, nil)
	if err != nil {
		r.add(CheckStatus, LevelFail, "cannot build the request: %v", err)
		return
	}
	req.Header.Set("User-Agent", "wwcli-verify-domain")
	req.Close = true
	// One hand-written request on the connection already checked: no
	// transport, so no proxy, no connection reuse and no redirect following.
	if err := req.Write(conn); err != nil {
		r.add(CheckStatus, LevelFail, "cannot send the request: %s", r.describe(err))
		return
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		r.add(CheckStatus, LevelFail, "no HTTP response: %s", r.describe(err))
		return
	}
	defer resp.Body.Close()

	redirect := resp.StatusCode >= 300 && resp.StatusCode < 400
	switch {
	case resp.StatusCode == http.StatusOK:
		r.add(CheckStatus, LevelPass, "%s", resp.Status)
	case resp.StatusCode == http.StatusNotFound:
		r.add(CheckStatus, LevelFail, "%s: the file is not at the domain root (upload it next to the site's index, not in a sub-folder)", resp.Status)
	case redirect:
		r.add(CheckStatus, LevelFail, "%s: expected 200 OK, not a redirect", resp.Status)
	default:
		r.add(CheckStatus, LevelFail, "%s: expected 200 OK", resp.Status)
	}
	if redirect {
		loc := resp.Header.Get("Location")
		if loc == "" {
			loc = "(no Location header)"
		}
		r.add(CheckRedirect, LevelFail, "redirects to %s; serve the file at this URL directly (WeCom is not known to follow redirects; a forced-HTTPS rule or a WAF is the usual cause)", loc)
	} else {
		r.add(CheckRedirect, LevelPass, "no redirect")
	}
	if resp.StatusCode != http.StatusOK {
		return
	}

	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		r.add(CheckBody, LevelFail, "reading the body failed: %s", r.describe(err))
		return
	}
	if len(body) > MaxBody {
		r.add(CheckBody, LevelFail, "the body is larger than %d KiB: this is not the verification file", MaxBody>>10)
	} else if ok, detail := DiagnoseBody(body, r.cfg.Expected); ok {
		r.add(CheckBody, LevelPass, "%s", detail)
	} else {
		r.add(CheckBody, LevelFail, "%s", detail)
	}

	ct := resp.Header.Get("Content-Type")
	media, _, perr := mime.ParseMediaType(ct)
	switch {
	case ct == "":
		r.addAdvice(CheckContentType, "no Content-Type header; text/plain is expected (advisory)")
	case perr == nil && media == "text/plain":
		r.add(CheckContentType, LevelPass, "%s", ct)
	default:
		r.addAdvice(CheckContentType, "%s; text/plain is expected (advisory)", ct)
	}
}

// describe turns network errors into short, plain reasons.
func (r *run) describe(err error) string {
	if err == nil {
		return "unknown error"
	}
	if r.ctx.Err() == context.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		if r.cfg.Timeout > 0 {
			return fmt.Sprintf("timed out: no answer within %s (--timeout)", r.cfg.Timeout)
		}
		return "timed out"
	}
	if r.ctx.Err() == context.Canceled {
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
