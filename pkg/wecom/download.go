package wecom

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// FileAnswer is a raw answer: media/get answers the file itself
// (Content-Type, Content-Disposition, Content-Length; 206 with
// Content-Range for a Range request) and JSON only for an error (DOC 96486).
type FileAnswer struct {
	Status int
	Header http.Header // the file headers above, as WeCom sent them
	Body   []byte
}

// fileHeaders are the answer headers a file download keeps.
var fileHeaders = []string{"Content-Type", "Content-Disposition", "Content-Range", "Accept-Ranges", "Last-Modified", "ETag"}

// Download sends the GET req (with rangeHeader, if any) and returns the
// answer as it came, up to limit bytes. A JSON answer with an errcode is
// an *APIError, with the answer too, so a caller can pass it on. It makes
// one attempt: a caller such as Session retries on a stale token.
func (c *Client) Download(ctx context.Context, req Request, rangeHeader string, limit int64) (*FileAnswer, error) {
	u, err := c.url(req)
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("building request for %s: %v", req.Path, err)
	}
	hreq.Header.Set("User-Agent", "wwcli")
	if rangeHeader != "" {
		hreq.Header.Set("Range", rangeHeader)
	}
	c.logf("→ GET %s", RedactURL(u))
	resp, err := noRedirects(c.HTTP).Do(hreq)
	if err != nil {
		return nil, &NetworkError{Path: req.Path, Err: redactError(err, u)}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, redirectError(req.Path, resp)
	}
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode >= 500 {
		return nil, &HTTPError{Path: req.Path, Status: resp.StatusCode}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, &NetworkError{Path: req.Path, Err: redactError(err, u)}
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%s: the answer is larger than %d bytes (WeCom wants files over 20 MB fetched in Range parts)", req.Path, limit)
	}
	ans := &FileAnswer{Status: resp.StatusCode, Header: http.Header{}, Body: body}
	for _, h := range fileHeaders {
		if v := resp.Header.Get(h); v != "" {
			ans.Header.Set(h, v)
		}
	}
	c.logf("← HTTP %d, %d bytes", resp.StatusCode, len(body))
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); strings.HasSuffix(mt, "json") || mt == "text/plain" {
		var env struct {
			ErrCode *int   `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		if json.Unmarshal(body, &env) == nil && env.ErrCode != nil && *env.ErrCode != 0 {
			return ans, &APIError{Code: *env.ErrCode, Msg: env.ErrMsg, Path: req.Path}
		}
	}
	return ans, nil
}
