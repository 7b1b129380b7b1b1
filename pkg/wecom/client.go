// Package wecom is a small client for the WeCom server API
// (https://qyapi.weixin.qq.com). It knows the wire format — query
// parameters, JSON and multipart bodies, errcode/errmsg — and which
// failures are worth retrying. It knows nothing about terminals, caches or
// credentials.
//
// # Retries: a message is never sent twice
//
// A GET reads, so it is retried (at most 3 attempts, with backoff) on
// errcode -1, HTTP 5xx and network errors other than timeouts and
// certificates that do not verify. A redirect is never followed (WeCom
// never redirects an API call) and never retried: it is a *RedirectError.
//
// A POST may act (send a message, upload a file), so it is retried only
// when a repeat provably cannot act twice:
//
//   - the request never left: no connection was made (DNS failure,
//     connection refused, an unreachable host). Do retries these itself.
//   - WeCom's answer says it refused the call: any errcode other than 0
//     and -1 (45009 rate limit, 40014 stale token, ...). WeCom did not act,
//     so a caller may send again; Do does not, because most refusals need
//     a wait or a fix first (callers such as the robot pacer wait out 45009;
//     Session resends once with a fresh token). See [Refused].
//   - the request is a /cgi-bin/message/send whose body switches WeCom's
//     duplicate check on ("enable_duplicate_check": 1): WeCom itself drops
//     the repeat within duplicate_check_interval, so it is retried like a GET.
//
// Everything else that fails after a connection was made — a timeout after
// the request was written, a connection cut while waiting, HTTP 5xx,
// errcode -1 — may have been acted on. Do returns it at once, wrapped in
// *DeliveryUnknownError ("delivery unknown: check ... before sending
// again"), and never repeats it.
package wecom

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wwcli/wwcli/pkg/clock"
)

// DefaultBaseURL is WeCom's API host.
const DefaultBaseURL = "https://qyapi.weixin.qq.com"

// maxAttempts bounds retries of transient failures (errcode -1, HTTP 5xx,
// network errors), as WeCom's own guidance for -1 says "at most 3 times".
const maxAttempts = 3

// maxBody bounds how much of a response we read; WeCom answers are small.
const maxBody = 16 << 20

// Client calls WeCom. The zero value is not usable; set BaseURL and HTTP.
type Client struct {
	BaseURL string
	HTTP    *http.Client
	// Debug adds debug=1 to every call. WeCom then caps calls at 5 per
	// minute, so it is only ever set on the user's explicit request.
	Debug bool
	// Log receives one line per request and response, secrets redacted.
	Log io.Writer
	// Sleep waits between retries; tests replace it to avoid real waits.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used for latency figures in the log.
	Now func() time.Time
}

// New returns a client for baseURL using httpClient.
func New(baseURL string, httpClient *http.Client) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), HTTP: httpClient}
}

// Request is one API call. Query must not contain access_token when the
// caller wants the session to add it; Body is marshalled as JSON for POST.
type Request struct {
	Method string
	Path   string // e.g. /cgi-bin/gettoken
	Query  url.Values
	Body   any // nil for GET; []byte or json.RawMessage are sent as is
	// ContentType of a []byte Body that is not JSON (multipart uploads).
	ContentType string
}

// Do sends req and decodes the JSON answer into out (which may be nil).
// It returns the raw body too, so callers such as `wwcli api` can print it
// untouched. A WeCom failure (errcode != 0) comes back as *APIError; see
// the package documentation for which failures are retried.
func (c *Client) Do(ctx context.Context, req Request, out any) (json.RawMessage, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = encodeBody(req.Body); err != nil {
			return nil, err
		}
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	dedupe := dedupeOn(req.Path, body)
	repeatable := method == http.MethodGet || dedupe
	var lastErr error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		raw, connected, err := c.once(ctx, method, req, body)
		if err == nil {
			if out != nil {
				if jerr := json.Unmarshal(raw, out); jerr != nil {
					return raw, fmt.Errorf("WeCom answered %s with JSON that does not fit: %w", req.Path, jerr)
				}
			}
			return raw, nil
		}
		lastErr = err
		retry := transient(err)
		if !repeatable {
			// A POST is repeated only when no connection was ever made.
			retry = retry && !connected && isNetworkError(err)
		}
		if !retry || attempt == maxAttempts || ctx.Err() != nil {
			if method != http.MethodGet && connected && mayHaveActed(err) {
				return raw, &DeliveryUnknownError{Path: req.Path, Err: err, Deduplicated: dedupe}
			}
			return raw, err
		}
		if serr := c.sleep(ctx, backoff(attempt)); serr != nil {
			return nil, serr
		}
	}
	return nil, lastErr
}

// once makes one attempt. connected reports whether a connection to the
// server was obtained, i.e. whether any byte of the request may have left.
func (c *Client) once(ctx context.Context, method string, req Request, body []byte) (raw json.RawMessage, connected bool, err error) {
	u, err := c.url(req)
	if err != nil {
		return nil, false, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	var gotConn atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { gotConn.Store(true) },
	})
	hreq, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, false, fmt.Errorf("building request for %s: %v", req.Path, err)
	}
	if body != nil {
		ct := req.ContentType
		if ct == "" {
			ct = "application/json"
		}
		hreq.Header.Set("Content-Type", ct)
	}
	hreq.Header.Set("User-Agent", "wwcli")
	start := c.now()
	c.logf("→ %s %s", method, RedactURL(u))
	resp, err := noRedirects(c.HTTP).Do(hreq)
	if err != nil {
		c.logf("← network error after %s", c.now().Sub(start).Round(time.Millisecond))
		return nil, gotConn.Load(), &NetworkError{Path: req.Path, Err: redactError(err, u)}
	}
	defer resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode >= 300 && resp.StatusCode < 400 {
		c.logf("← HTTP %d redirect, not followed", resp.StatusCode)
		return nil, true, redirectError(req.Path, resp)
	}
	raw, err = io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, true, &NetworkError{Path: req.Path, Err: redactError(err, u)}
	}
	elapsed := c.now().Sub(start).Round(time.Millisecond)
	// A 404 means no such endpoint, whatever the body says: a sandbox or
	// proxy may add an "errcode" that is no WeCom errcode.
	if resp.StatusCode == http.StatusNotFound {
		c.logf("← HTTP 404 (%s)", elapsed)
		return nil, true, &HTTPError{Path: req.Path, Status: resp.StatusCode}
	}
	if resp.StatusCode >= 500 {
		c.logf("← HTTP %d (%s)", resp.StatusCode, elapsed)
		return nil, true, &HTTPError{Path: req.Path, Status: resp.StatusCode}
	}
	var env struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		c.logf("← HTTP %d, not JSON (%s)", resp.StatusCode, elapsed)
		return nil, true, &HTTPError{Path: req.Path, Status: resp.StatusCode, NotJSON: true}
	}
	code := 0
	if env.ErrCode != nil { // success bodies may omit errcode entirely
		code = *env.ErrCode
	}
	c.logf("← HTTP %d errcode=%d (%s)", resp.StatusCode, code, elapsed)
	if code != 0 {
		return raw, true, &APIError{Code: code, Msg: env.ErrMsg, Path: req.Path}
	}
	if resp.StatusCode >= 400 {
		return raw, true, &HTTPError{Path: req.Path, Status: resp.StatusCode}
	}
	return raw, true, nil
}

// noRedirects is hc that never follows a redirect. WeCom never redirects an
// API call; following one would carry the secret in the query (and, on a
// 307/308, a POST body) to whatever host and scheme the answer names.
func noRedirects(hc *http.Client) *http.Client {
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func (c *Client) url(req Request) (*url.URL, error) {
	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base + "/" + strings.TrimLeft(req.Path, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("invalid base URL %q: want http(s)://host", base)
	}
	q := u.Query()
	for k, vs := range req.Query {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	if c.Debug && q.Get("debug") == "" {
		q.Set("debug", "1")
	}
	u.RawQuery = q.Encode()
	return u, nil
}

func encodeBody(body any) ([]byte, error) {
	switch b := body.(type) {
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	default:
		out, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("encoding request body: %w", err)
		}
		return out, nil
	}
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return clock.Sleep(ctx, d)
}

func (c *Client) logf(format string, a ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, "[wecom] "+format+"\n", a...)
	}
}

// backoff grows 200ms, 600ms … with jitter so concurrent callers spread out.
func backoff(attempt int) time.Duration {
	base := 200 * time.Millisecond
	for i := 1; i < attempt; i++ {
		base *= 3
	}
	return base + time.Duration(rand.Int64N(int64(base/4)))
}

// transient: failures that may go away by themselves. Configuration errors
// (40001, 40013, 60020, …) and rate limits (45009, 45033) would fail again
// or make things worse, so they are never retried here.
func transient(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code == -1
	}
	var httpErr *HTTPError
	if errors.As(err, &httpErr) {
		return httpErr.Status >= 500
	}
	return isNetworkError(err) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) &&
		!badCertificate(err)
}

// badCertificate: the server's certificate did not verify (unknown
// authority, wrong host, expired); the next attempt would meet the same.
func badCertificate(err error) bool {
	var verr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var wrongHost x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verr) || errors.As(err, &unknownCA) || errors.As(err, &wrongHost) ||
		errors.As(err, &invalid)
}

func isNetworkError(err error) bool {
	var netErr *NetworkError
	return errors.As(err, &netErr)
}

// mayHaveActed: the failures after which WeCom may have done what was
// asked: no answer at all, a gateway error, or "system busy".
func mayHaveActed(err error) bool {
	var httpErr *HTTPError
	if errors.As(err, &httpErr) {
		return httpErr.Status >= 500
	}
	return isNetworkError(err) || IsCode(err, -1)
}

// dedupeOn reports whether body is a message/send with WeCom's duplicate
// check switched on, which makes a repeat harmless.
func dedupeOn(path string, body []byte) bool {
	if strings.TrimRight(path, "/") != "/cgi-bin/message/send" || len(body) == 0 {
		return false
	}
	var m struct {
		Check json.RawMessage `json:"enable_duplicate_check"`
	}
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	v := strings.Trim(string(m.Check), `"`)
	return v == "1" || v == "true"
}
