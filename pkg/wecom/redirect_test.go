package wecom

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// WeCom never redirects an API call: a redirect is an error at once, never
// followed (to another host or scheme) and never retried (audit D8).
func TestRedirectIsAnErrorNotFollowed(t *testing.T) {
	var hits, elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		io.WriteString(w, `{"errcode":0,"access_token":"stolen","expires_in":7200}`)
	}))
	defer other.Close()
	for _, tc := range []struct{ name, location string }{
		{"loop", "/cgi-bin/gettoken?again=1"},
		{"other host", other.URL + "/cgi-bin/gettoken"},
		{"other scheme", "https://127.0.0.1:1/cgi-bin/gettoken"},
	} {
		hits.Store(0)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			http.Redirect(w, r, tc.location, http.StatusFound)
		}))
		c := New(srv.URL, &http.Client{Timeout: 5 * time.Second})
		c.Sleep = func(context.Context, time.Duration) error { return nil }
		_, err := c.GetToken(context.Background(), "ww1", "TOPSECRET")
		srv.Close()
		if err == nil {
			t.Errorf("%s: the redirect was followed to a token", tc.name)
			continue
		}
		var re *RedirectError
		if !errors.As(err, &re) {
			t.Fatalf("%s: err = %v, want a RedirectError", tc.name, err)
		}
		if hits.Load() != 1 {
			t.Errorf("%s: %d requests, want 1", tc.name, hits.Load())
		}
		if !strings.Contains(err.Error(), "WeCom API answered with a redirect to ") || !strings.Contains(err.Error(), "is --base-url right?") {
			t.Errorf("%s: message %q", tc.name, err)
		}
		if strings.Contains(err.Error(), "TOPSECRET") {
			t.Errorf("%s: secret in %q", tc.name, err)
		}
	}
	if elsewhere.Load() != 0 {
		t.Fatalf("the redirect to another host was followed %d times", elsewhere.Load())
	}
}

// The redirect target is shown, but never a secret the server echoed into it.
func TestRedirectErrorRedactsTarget(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.1:1/elsewhere/cgi-bin/gettoken?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	_, err := New(srv.URL, srv.Client()).GetToken(context.Background(), "ww1", "TOPSECRET")
	if err == nil || strings.Contains(err.Error(), "TOPSECRET") || !strings.Contains(err.Error(), "http://127.0.0.1:1/elsewhere/cgi-bin/gettoken") {
		t.Fatalf("err = %v", err)
	}
	var coder interface{ ExitCode() int }
	if errors.As(err, &coder) && coder.ExitCode() != 1 {
		t.Fatalf("exit code %d, want 1", coder.ExitCode())
	}
}

// A certificate that does not verify will not verify on the next attempt.
func TestTLSVerificationFailureNotRetried(t *testing.T) {
	var handshakes atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"errcode":0,"access_token":"x","expires_in":7200}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			handshakes.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	defer srv.Close()
	// The default client does not trust the test server's certificate.
	c := New(srv.URL, &http.Client{Timeout: 5 * time.Second})
	var sleeps int
	c.Sleep = func(context.Context, time.Duration) error { sleeps++; return nil }
	_, err := c.GetToken(context.Background(), "ww1", "TOPSECRET")
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err = %v", err)
	}
	if sleeps != 0 || handshakes.Load() != 1 {
		t.Fatalf("%d retries, %d connections; want 0 and 1", sleeps, handshakes.Load())
	}
}

// A 307 on a POST would send the body (a message, a user_ticket) again to
// the target: it is reported, once, and the body goes nowhere else.
func TestPostRedirectNotResent(t *testing.T) {
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		http.Redirect(w, r, "/cgi-bin/message/send?again=1", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	c := New(srv.URL, srv.Client())
	_, err := c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/cgi-bin/message/send",
		Body: map[string]any{"touser": "lisi", "enable_duplicate_check": 1}}, nil)
	var re *RedirectError
	var du *DeliveryUnknownError
	if !errors.As(err, &re) || errors.As(err, &du) || posts.Load() != 1 {
		t.Fatalf("err %v, %d POSTs; want a RedirectError after 1", err, posts.Load())
	}
}
