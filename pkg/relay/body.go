package relay

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/wwcli/wwcli/internal/serve"
)

// DefaultMaxBody caps the body of an upload (--max-body): WeCom takes
// files up to 20 MB in media/upload (DOC 96484), plus room for the
// multipart headers.
const DefaultMaxBody = 20<<20 + 64<<10

// DefaultMaxJSONBody caps every other body. The largest JSON body WeCom
// documents is an mpnews message, whose HTML content may be 666 K bytes
// (errcode 45002); 2 MiB leaves room for JSON escaping of that HTML and
// the other fields. A text message is at most 2,048 bytes.
const DefaultMaxJSONBody = 2 << 20

// uploadPaths take a file as multipart/form-data (the API catalogue's
// "multipart" endpoints): only they get the --max-body cap.
var uploadPaths = map[string]bool{
	"/cgi-bin/media/upload":            true, // DOC 90253 / 96484
	"/cgi-bin/media/uploadimg":         true, // DOC 90256
	"/cgi-bin/media/upload_attachment": true, // DOC 95098
	"/cgi-bin/webhook/upload_media":    true, // DOC 99110
}

// budgetRetryAfter is the Retry-After of a 503 for a full body budget:
// bodies are held for one WeCom round trip, so room comes back soon.
const budgetRetryAfter = 2

// bodyCap is the most a body of a request for p may hold.
func (s *Server) bodyCap(p string) int64 {
	if uploadPaths[p] {
		return s.opts.MaxBody
	}
	return min(s.opts.MaxJSONBody, s.opts.MaxBody)
}

// readBody reads the request body within its cap and the server's body
// budget. A GET has no body: one that comes with one is refused, as WeCom
// reads none. The caller calls release once the answer is written; ok is
// false when readBody answered the request itself.
func (s *Server) readBody(x *exchange, p string) (body []byte, release func(), ok bool) {
	r := x.r
	if r.Method == http.MethodGet {
		if r.ContentLength != 0 { // > 0, or -1: chunked
			x.refuse(http.StatusBadRequest, "body_on_get", "a GET carries no body: send the parameters in the query")
			return nil, func() {}, false
		}
		return nil, func() {}, true
	}
	limit := s.bodyCap(p)
	// MaxBytesReader: past the cap, net/http closes the connection instead
	// of reading the rest of a body nobody wants.
	body, release, err := s.opts.Budget.ReadBody(r.Context(), http.MaxBytesReader(x.w, r.Body, limit), r.ContentLength, limit)
	var tooLarge *serve.TooLargeError
	var maxBytes *http.MaxBytesError
	switch {
	case err == nil:
		return body, release, true
	case errors.As(err, &tooLarge), errors.As(err, &maxBytes):
		what := "a body"
		if uploadPaths[p] {
			what = "an upload"
		}
		x.refuse(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("%s to %s is over the relay's cap of %d bytes", what, p, limit))
	case errors.Is(err, serve.ErrBusy):
		x.w.Header().Set("Retry-After", strconv.Itoa(budgetRetryAfter))
		x.refuse(http.StatusServiceUnavailable, "busy", "the relay holds as many request bodies as it may: retry in a moment")
	default:
		x.refuse(http.StatusBadRequest, "bad_body", "the request body could not be read")
	}
	release()
	return nil, release, false
}
