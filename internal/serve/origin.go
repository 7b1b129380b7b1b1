package serve

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// ErrCrossSite is a state-changing request a web page of another site
// could have sent (CSRF).
var ErrCrossSite = errors.New("cross-site request")

// CrossSiteError says which part of the request gave it away.
type CrossSiteError struct{ Why string }

func (e *CrossSiteError) Error() string {
	return "refused: " + e.Why + " (a guard against other web sites changing this server's state); send JSON from a script or curl, or from this server's own pages"
}

func (e *CrossSiteError) Unwrap() error { return ErrCrossSite }

// CheckWrite is the rule for a request that changes state (anything but
// GET, HEAD and OPTIONS). Modern browsers mark every such request with
// Origin (and Sec-Fetch-Site); scripts and curl send neither. So:
//   - Sec-Fetch-Site, when present, must be same-origin or none;
//   - Origin, when present, must be this server's own: http(s)://Host of
//     the request, with a Host the allow-list accepts;
//   - the body must not be text/plain or multipart/form-data, the types a
//     page may send to another site without a CORS preflight that this
//     server never grants (JSON is what every control API here takes).
//
// A browser old enough to send none of these headers is outside this
// rule; the Host allow-list still keeps rebinding pages out.
func (h *Hosts) CheckWrite(r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return &CrossSiteError{"Sec-Fetch-Site is " + clip(site, 40)}
	}
	if origin, ok := r.Header["Origin"]; ok {
		if len(origin) != 1 || !h.sameOrigin(origin[0], r.Host) {
			return &CrossSiteError{"Origin " + clip(strings.Join(origin, ","), 100) + " is not this server"}
		}
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		media, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return &CrossSiteError{"Content-Type does not parse"}
		}
		if media == "text/plain" || media == "multipart/form-data" {
			return &CrossSiteError{"Content-Type is " + media + ", not application/json"}
		}
	}
	return nil
}

// sameOrigin: origin is http(s)://host[:port] with exactly the request's
// Host, and that Host is allowed. "null" (sandboxed frames, file: pages)
// is never the same origin.
func (h *Hosts) sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.Path != "" || u.RawQuery != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	return strings.EqualFold(u.Host, host) && h.Allowed(host)
}
