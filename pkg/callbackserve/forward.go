package callbackserve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	cb "github.com/wwcli/wwcli/pkg/callback"
)

// maxForwardReply bounds what is read back from the app a message is
// forwarded to: a passive reply is a few KiB.
const maxForwardReply = 1 << 20

// forward POSTs m's plaintext to the user's app (Content-Type after its
// format) and returns the app's status and answer. A non-2xx answer, an
// answer over maxForwardReply or no answer is an error; the URL in an
// error is redacted (no userinfo).
func forward(ctx context.Context, client *http.Client, to *url.URL, m *cb.Message) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to.String(), bytes.NewReader(m.Plaintext))
	if err != nil {
		return 0, nil, err
	}
	if m.Format == cb.FormatJSON {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	} else {
		req.Header.Set("Content-Type", "application/xml; charset=utf-8")
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("forward to %s: %w", to.Redacted(), err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxForwardReply+1))
	if err != nil {
		return res.StatusCode, nil, fmt.Errorf("forward to %s: %w", to.Redacted(), err)
	}
	if len(body) > maxForwardReply {
		return res.StatusCode, nil, errors.New("forward: the app's answer is larger than 1 MiB")
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, nil, fmt.Errorf("forward to %s: the app answered %s", to.Redacted(), res.Status)
	}
	return res.StatusCode, body, nil
}
