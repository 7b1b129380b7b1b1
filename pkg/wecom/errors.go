package wecom

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/wwcli/wwcli/pkg/errcode"
	"github.com/wwcli/wwcli/pkg/safetext"
)

// APIError is WeCom's answer errcode != 0.
type APIError struct {
	Code int
	Msg  string
	Path string
}

// Error and Explain escape control characters of the errmsg (it comes from
// the network and could otherwise clear the screen or write the clipboard).
func (e *APIError) Error() string {
	return fmt.Sprintf("%s: errcode %d: %s", e.Path, e.Code, safetext.Escape(e.Msg))
}

// ExitCode: every WeCom failure exits 3 (docs/architecture.md).
func (e *APIError) ExitCode() int { return 3 }

// Explain is the text printed on failure: meaning, parsed hint and from
// ip, the fix, and the devtool link.
func (e *APIError) Explain() string {
	return safetext.Escape(e.Path + ": " + errcode.Explain(e.Code, e.Msg).Short())
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

// RedirectError is an answer that redirects: WeCom never does, so the base
// URL points at something else (a proxy's login page, a web server).
type RedirectError struct {
	Path     string
	Status   int
	Location string // secrets masked, control characters escaped
}

func redirectError(path string, resp *http.Response) *RedirectError {
	loc := "a Location that is not a URL" // never shown raw: it may echo the secret
	if u, err := resp.Location(); err == nil {
		loc = RedactURL(u)
	}
	return &RedirectError{Path: path, Status: resp.StatusCode, Location: safetext.Escape(loc)}
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("%s: WeCom API answered with a redirect to %s; is --base-url right? (HTTP %d, not followed)", e.Path, e.Location, e.Status)
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

// DeliveryUnknownError is a POST that failed after it may have reached
// WeCom (a timeout after the request was written, HTTP 5xx, errcode -1):
// WeCom may or may not have acted on it, so it is never repeated blindly.
type DeliveryUnknownError struct {
	Path string
	Err  error
	// Deduplicated: the body had WeCom's duplicate check on, so sending the
	// same body again within its interval cannot deliver twice.
	Deduplicated bool
}

func (e *DeliveryUnknownError) Error() string {
	var what string
	var httpErr *HTTPError
	var apiErr *APIError
	var netErr *NetworkError
	switch {
	case errors.As(e.Err, &httpErr):
		what = fmt.Sprintf("HTTP %d", httpErr.Status)
	case errors.As(e.Err, &apiErr):
		what = fmt.Sprintf("errcode %d (%s)", apiErr.Code, safetext.Escape(firstClause(apiErr.Msg)))
	case isTimeout(e.Err):
		what = "no answer before the timeout (--timeout)"
	case errors.As(e.Err, &netErr):
		what = fmt.Sprintf("the connection failed (%v)", netErr.Err)
	default:
		what = e.Err.Error()
	}
	return fmt.Sprintf("%s: delivery unknown: %s (%s after the request was sent; wwcli never resends what may have arrived)",
		e.Path, deliveryAdvice(e.Path, e.Deduplicated), what)
}

// Explain keeps the errcode explanation of a -1 answer next to the advice.
func (e *DeliveryUnknownError) Explain() string {
	var apiErr *APIError
	if errors.As(e.Err, &apiErr) {
		return e.Path + ": delivery unknown: " + deliveryAdvice(e.Path, e.Deduplicated) + "\n" + apiErr.Explain()
	}
	return e.Error()
}

func (e *DeliveryUnknownError) Unwrap() error { return e.Err }

// ExitCode: 3 when WeCom answered an errcode (-1), else 1 (network).
func (e *DeliveryUnknownError) ExitCode() int {
	var coder interface{ ExitCode() int }
	if errors.As(e.Err, &coder) {
		return coder.ExitCode()
	}
	return 1
}

// deliveryAdvice says what to look at before sending again.
func deliveryAdvice(path string, deduplicated bool) string {
	switch {
	case strings.HasSuffix(path, "/webhook/send"):
		return "check the group before sending again"
	case strings.HasSuffix(path, "/message/send") && deduplicated:
		return "sending the same message again within its duplicate-check interval is safe (WeCom drops the repeat)"
	case strings.HasSuffix(path, "/message/send"):
		return "check the recipients' chats before sending again"
	case strings.Contains(path, "upload"):
		return "uploading again is safe (it only makes another media_id)"
	}
	return "WeCom may have acted on it; check before sending again"
}

func firstClause(msg string) string {
	head, _, _ := strings.Cut(msg, ", hint:")
	return head
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// Refused reports whether err is WeCom's answer that it did not act on the
// call (any errcode but -1): sending the same request again cannot do it
// twice. Whether it can succeed is another matter (45009 needs a wait).
func Refused(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	var du *DeliveryUnknownError
	return apiErr.Code != -1 && !errors.As(err, &du)
}

// RedactURL returns u as a string with secret query parameters (the one
// list of pkg/safetext: secrets, tokens, tickets, OAuth and mini-program
// codes, robot keys) masked, matched by decoded name in any case.
func RedactURL(u *url.URL) string {
	c := *u
	c.RawQuery = safetext.RedactQuery(c.RawQuery, "REDACTED")
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
