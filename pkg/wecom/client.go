// Package wecom is a small client for the WeCom server API
// (https://qyapi.weixin.qq.com). It knows the wire format — query
// parameters, JSON bodies, errcode/errmsg — and which failures are worth
// retrying. It knows nothing about terminals, caches or credentials.
package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
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
}

// Do sends req and decodes the JSON answer into out (which may be nil).
// It returns the raw body too, so callers such as `wwcli api` can print it
// untouched. A WeCom failure (errcode != 0) comes back as *APIError.
func (c *Client) Do(ctx context.Context, req Request, out any) (json.RawMessage, error) {
	var lastErr error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		raw, err := c.once(ctx, req)
		if err == nil {
			if out != nil {
				if jerr := json.Unmarshal(raw, out); jerr != nil {
					return raw, fmt.Errorf("WeCom answered %s with JSON that does not fit: %v", req.Path, jerr)
				}
			}
			return raw, nil
		}
		lastErr = err
		if !retryable(err) || attempt == maxAttempts || ctx.Err() != nil {
			break
		}
		if serr := c.sleep(ctx, backoff(attempt)); serr != nil {
			return nil, serr
		}
	}
	return nil, lastErr
}

func (c *Client) once(ctx context.Context, req Request) (json.RawMessage, error) {
	u, err := c.url(req)
	if err != nil {
		return nil, err
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if req.Body != nil {
		b, err := encodeBody(req.Body)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	hreq, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("building request for %s: %v", req.Path, err)
	}
	if body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	hreq.Header.Set("User-Agent", "wwcli")
	start := c.now()
	c.logf("→ %s %s", method, RedactURL(u))
	resp, err := c.HTTP.Do(hreq)
	if err != nil {
		c.logf("← network error after %s", c.now().Sub(start).Round(time.Millisecond))
		return nil, &NetworkError{Path: req.Path, Err: redactError(err, u)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, &NetworkError{Path: req.Path, Err: redactError(err, u)}
	}
	elapsed := c.now().Sub(start).Round(time.Millisecond)
	// A 404 means no such endpoint, whatever the body says: a sandbox or
	// proxy may add an "errcode" that is no WeCom errcode.
	if resp.StatusCode == http.StatusNotFound {
		c.logf("← HTTP 404 (%s)", elapsed)
		return nil, &HTTPError{Path: req.Path, Status: resp.StatusCode}
	}
	if resp.StatusCode >= 500 {
		c.logf("← HTTP %d (%s)", resp.StatusCode, elapsed)
		return nil, &HTTPError{Path: req.Path, Status: resp.StatusCode}
	}
	var env struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		c.logf("← HTTP %d, not JSON (%s)", resp.StatusCode, elapsed)
		return nil, &HTTPError{Path: req.Path, Status: resp.StatusCode, NotJSON: true}
	}
	code := 0
	if env.ErrCode != nil { // success bodies may omit errcode entirely
		code = *env.ErrCode
	}
	c.logf("← HTTP %d errcode=%d (%s)", resp.StatusCode, code, elapsed)
	if code != 0 {
		return raw, &APIError{Code: code, Msg: env.ErrMsg, Path: req.Path}
	}
	if resp.StatusCode >= 400 {
		return raw, &HTTPError{Path: req.Path, Status: resp.StatusCode}
	}
	return raw, nil
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
			return nil, fmt.Errorf("encoding request body: %v", err)
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
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
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

// retryable: only transient failures. Configuration errors (40001, 40013,
// 60020, …) and rate limits (45009, 45033) would fail again or make things
// worse, so they are never retried.
func retryable(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code == -1
	}
	var httpErr *HTTPError
	if errors.As(err, &httpErr) {
		return httpErr.Status >= 500
	}
	var netErr *NetworkError
	return errors.As(err, &netErr) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}
