package callbackserve

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	cb "github.com/wwcli/wwcli/pkg/callback"
)

func TestForward(t *testing.T) {
	var gotType, gotBody string
	answer, status := "<xml>pong</xml>", http.StatusOK
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotType = r.Header.Get("Content-Type")
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	defer app.Close()
	to, _ := url.Parse(app.URL + "/wecom")
	ctx := context.Background()

	st, body, err := forward(ctx, app.Client(), to, &cb.Message{Format: cb.FormatXML, Plaintext: []byte("<xml>ping</xml>")})
	if err != nil || st != 200 || string(body) != answer || gotBody != "<xml>ping</xml>" || gotType != "application/xml; charset=utf-8" {
		t.Fatalf("xml: %d %q %v; app got %q as %q", st, body, err, gotBody, gotType)
	}
	if _, _, err := forward(ctx, app.Client(), to, &cb.Message{Format: cb.FormatJSON, Plaintext: []byte(`{}`)}); err != nil || gotType != "application/json; charset=utf-8" {
		t.Fatalf("json: %v, %q", err, gotType)
	}

	// A failing app, with credentials in the URL: they never reach the error.
	secret, _ := url.Parse(strings.Replace(app.URL, "http://", "http://user:hunter2@", 1))
	status = http.StatusInternalServerError
	if st, _, err := forward(ctx, app.Client(), secret, &cb.Message{}); err == nil || st != 500 ||
		!strings.Contains(err.Error(), "the app answered 500 Internal Server Error") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("500: %d %v", st, err)
	}
	status, answer = http.StatusOK, strings.Repeat("x", maxForwardReply+1)
	if _, _, err := forward(ctx, app.Client(), to, &cb.Message{}); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Fatalf("an answer over the cap: %v", err)
	}
	app.Close()
	if _, _, err := forward(ctx, http.DefaultClient, secret, &cb.Message{}); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("unreachable: %v", err)
	}
}
