package wecom

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/wwcli/wwcli/pkg/errcode"
)

// APIError is WeCom's answer errcode != 0.
type APIError struct {
	Code int
	Msg  string
	Path string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: errcode %d: %s", e.Path, e.Code, e.Msg)
}

// ExitCode: every WeCom failure exits 3 (ARCHITECTURE.md).
func (e *APIError) ExitCode() int { return 3 }

// Explain is the text printed on failure: meaning, parsed hint and from
// ip, the fix, and the devtool link.
func (e *APIError) Explain() string {
	return e.Path + ": " + errcode.Explain(e.Code, e.Msg).Short()
}

// IsCode reports whether err is a WeCom error with one of codes.
func IsCode(err error, codes ...int) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	for _, c := range codes {
		if apiErr.Code == c {
			return true
		}
	}
	return false
}

// HTTPError is a non-2xx status without a WeCom errcode.
type HTTPError struct {
	Path    string
	Status  int
	NotJSON bool
}

func (e *HTTPError) Error() string {
	if e.Status == http.StatusNotFound {
		return fmt.Sprintf("HTTP 404: no such endpoint %s (check the path; is --base-url right?)", e.Path)
	}
	if e.NotJSON {
		return fmt.Sprintf("%s: HTTP %d with a body that is not WeCom JSON (is --base-url right, or a proxy in the way?)", e.Path, e.Status)
	}
	return fmt.Sprintf("%s: HTTP %d from WeCom", e.Path, e.Status)
}

// NetworkError is a failure to reach WeCom at all. Its message never holds
// the request URL's secrets.
type NetworkError struct {
	Path string
	Err  error
}

func (e *NetworkError) Error() string {
	return fmt.Sprintf("%s: cannot reach WeCom: %v (check network, proxy settings and --base-url)", e.Path, e.Err)
}

func (e *NetworkError) Unwrap() error { return e.Err }

// secretParams are query parameters that must never be shown.
var secretParams = []string{"access_token", "corpsecret", "secret", "provider_secret", "suite_secret", "suite_access_token", "provider_access_token"}

// RedactURL returns u as a string with secret query parameters masked.
func RedactURL(u *url.URL) string {
	c := *u
	q := c.Query()
	for _, p := range secretParams {
		if q.Has(p) {
			q.Set(p, "REDACTED")
		}
	}
	c.RawQuery = q.Encode()
	return c.String()
}

// redactError rebuilds err's message with the URL's secrets masked;
// *url.Error embeds the full URL, token included.
func redactError(err error, u *url.URL) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return &redactedError{msg: uerr.Op + " " + RedactURL(u) + ": " + uerr.Err.Error(), cause: uerr.Err}
	}
	msg := err.Error()
	if full := u.String(); strings.Contains(msg, full) {
		msg = strings.ReplaceAll(msg, full, RedactURL(u))
	}
	return &redactedError{msg: msg, cause: err}
}

type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }
