package doctor

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/wwcli/wwcli/pkg/check"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/domaincheck"
)

// checkHost sends one request to the API host through the HTTP client the
// API calls use (so HTTPS_PROXY and NO_PROXY count the same way) and times
// its DNS, connect and TLS phases with httptrace. It reports whether the
// base URL is usable at all; an unreachable host is a failed check, but the
// calls after it are still tried.
func (d *doctor) checkHost(ctx context.Context, creds credentials.Credentials) bool {
	d.start(CheckAPIHost)
	base, err := d.env.BaseURL(creds)
	if err != nil {
		d.add(Check{Name: CheckAPIHost, Status: check.Fail, Detail: err.Error(), Fix: "fix --base-url / WWCLI_BASE_URL or the profile's base_url"})
		return false
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		d.add(Check{Name: CheckAPIHost, Status: check.Fail, Detail: fmt.Sprintf("bad base URL %q", base), Fix: "fix --base-url / WWCLI_BASE_URL"})
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, d.env.Timeout)
	defer cancel()
	tr := &hostTrace{}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, tr.clientTrace()), http.MethodGet, base+"/", nil)
	if err != nil {
		d.add(Check{Name: CheckAPIHost, Status: check.Fail, Detail: err.Error(), Fix: "fix --base-url / WWCLI_BASE_URL"})
		return false
	}
	req.Header.Set("User-Agent", "wwcli-doctor")
	proxy := proxyFor(d.env.HTTPClient, req)
	start := time.Now()
	resp, err := d.env.HTTPClient.Do(req)
	if err == nil {
		// Drain a little so the connection can serve the calls that follow.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		d.add(Check{Name: CheckAPIHost, Status: check.Pass, Detail: base + ": " + tr.summary(proxy, time.Since(start))})
		return true
	}
	d.add(tr.failure(ctx, base, proxy, err, d.env.Timeout))
	return true
}

// proxyFor is the proxy the client will use for req (nil: a direct connection).
func proxyFor(c *http.Client, req *http.Request) *url.URL {
	t, ok := c.Transport.(*http.Transport)
	if !ok || t.Proxy == nil {
		return nil
	}
	u, err := t.Proxy(req)
	if err != nil {
		return nil
	}
	return u
}

// hostTrace records the phases of one request. httptrace may call in from
// the dialer's goroutines, hence the lock.
type hostTrace struct {
	mu                     sync.Mutex
	dnsStart, dnsDone      time.Time
	addrs                  []string
	dnsErr                 error
	connStart, connDone    time.Time
	connAddr               string
	connErr                error
	tlsStart, tlsDone      time.Time
	tlsState               *tls.ConnectionState
	tlsErr                 error
	reused                 bool
	firstByte, requestSent time.Time
}

func (h *hostTrace) clientTrace() *httptrace.ClientTrace {
	lock := func(f func()) { h.mu.Lock(); defer h.mu.Unlock(); f() }
	return &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) { lock(func() { h.dnsStart = time.Now() }) },
		DNSDone: func(i httptrace.DNSDoneInfo) {
			lock(func() {
				h.dnsDone, h.dnsErr = time.Now(), i.Err
				for _, a := range i.Addrs {
					h.addrs = append(h.addrs, a.IP.String())
				}
			})
		},
		ConnectStart: func(_, addr string) {
			lock(func() {
				if h.connStart.IsZero() {
					h.connStart = time.Now()
				}
				h.connAddr = addr
			})
		},
		ConnectDone: func(_, addr string, err error) {
			lock(func() {
				// With several addresses, the first one that connected counts.
				if h.connDone.IsZero() || err == nil && h.connErr != nil {
					h.connDone, h.connAddr, h.connErr = time.Now(), addr, err
				}
			})
		},
		TLSHandshakeStart: func() { lock(func() { h.tlsStart = time.Now() }) },
		TLSHandshakeDone: func(s tls.ConnectionState, err error) {
			lock(func() { h.tlsDone, h.tlsState, h.tlsErr = time.Now(), &s, err })
		},
		GotConn:              func(i httptrace.GotConnInfo) { lock(func() { h.reused = i.Reused }) },
		WroteRequest:         func(httptrace.WroteRequestInfo) { lock(func() { h.requestSent = time.Now() }) },
		GotFirstResponseByte: func() { lock(func() { h.firstByte = time.Now() }) },
	}
}

// summary describes a request that got an answer.
func (h *hostTrace) summary(proxy *url.URL, total time.Duration) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var parts []string
	if proxy != nil {
		parts = append(parts, "via proxy "+proxy.Redacted())
	}
	if !h.dnsDone.IsZero() {
		parts = append(parts, fmt.Sprintf("DNS %s → %s", check.Duration(h.dnsDone.Sub(h.dnsStart)), strings.Join(h.addrs, ", ")))
	}
	if !h.connDone.IsZero() {
		parts = append(parts, "connect "+check.Duration(h.connDone.Sub(h.connStart)))
	}
	if h.tlsState != nil && len(h.tlsState.PeerCertificates) > 0 {
		parts = append(parts, fmt.Sprintf("TLS %s %s", check.Duration(h.tlsDone.Sub(h.tlsStart)), h.tlsState.PeerCertificates[0].Subject.CommonName))
	}
	if h.reused {
		parts = append(parts, "connection reused")
	}
	if !h.firstByte.IsZero() && !h.requestSent.IsZero() {
		parts = append(parts, "answer "+check.Duration(h.firstByte.Sub(h.requestSent)))
	}
	parts = append(parts, "total "+check.Duration(total))
	return strings.Join(parts, "; ")
}

// failure explains a request that got no answer, naming the phase that
// broke and a fix for it.
func (h *hostTrace) failure(ctx context.Context, base string, proxy *url.URL, err error, timeout time.Duration) Check {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := Check{Name: CheckAPIHost, Status: check.Fail}
	via := ""
	if proxy != nil {
		via = " via proxy " + proxy.Redacted()
	}
	switch {
	case h.dnsErr != nil:
		c.Detail = base + via + ": DNS: " + domaincheck.Describe(ctx, timeout, h.dnsErr)
		c.Fix = "check DNS and the network; behind a proxy set HTTPS_PROXY (wwcli honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY)"
	case h.connErr != nil:
		c.Detail = base + via + ": connect to " + h.connAddr + ": " + domaincheck.Describe(ctx, timeout, h.connErr)
		c.Fix = "check the firewall (outbound " + portOf(base) + "/tcp must be open), or set HTTPS_PROXY"
	case h.tlsErr != nil:
		c.Detail = base + via + ": TLS: " + domaincheck.Describe(ctx, timeout, h.tlsErr)
		c.Fix = "a proxy or firewall may intercept TLS; check the system CA certificates"
	default:
		c.Detail = base + via + ": " + domaincheck.Describe(ctx, timeout, unwrapURLError(err))
		c.Fix = "check the network and --base-url; behind a proxy set HTTPS_PROXY"
	}
	if proxy != nil {
		c.Fix = "check the proxy " + proxy.Redacted() + " (HTTPS_PROXY / HTTP_PROXY), and NO_PROXY for hosts that must be reached directly"
	}
	return c
}

// unwrapURLError drops the `Get "URL":` prefix net/http puts on errors.
func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

func portOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return "443"
	}
	if p := u.Port(); p != "" {
		return p
	}
	return domaincheck.DefaultPort(u.Scheme)
}
