package wecom

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// server answers each request with the next body in bodies (repeating the
// last) and counts requests.
func server(t *testing.T, status int, bodies ...string) (*Client, *atomic.Int32, *[]string) {
	t.Helper()
	var n atomic.Int32
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		queries = append(queries, r.URL.RawQuery)
		if i >= len(bodies) {
			i = len(bodies) - 1
		}
		w.WriteHeader(status)
		io.WriteString(w, bodies[i])
	}))
	t.Cleanup(srv.Close)
	c := New(srv.URL, srv.Client())
	c.Sleep = func(context.Context, time.Duration) error { return nil }
	return c, &n, &queries
}

func TestGetTokenSuccess(t *testing.T) {
	c, n, q := server(t, 200, `{"errcode":0,"errmsg":"ok","access_token":"tok","expires_in":7200}`)
	tok, err := c.GetToken(context.Background(), "ww1", "sec")
	if err != nil || tok.AccessToken != "tok" || tok.ExpiresIn != 7200 || n.Load() != 1 {
		t.Fatalf("%+v %v %d", tok, err, n.Load())
	}
	if v, _ := url.ParseQuery((*q)[0]); v.Get("corpid") != "ww1" || v.Get("corpsecret") != "sec" || v.Has("debug") {
		t.Fatalf("query %q", (*q)[0])
	}
}

func TestSuccessWithoutErrcode(t *testing.T) {
	c, _, _ := server(t, 200, `{"ticket":"t","expires_in":7200}`)
	tk, err := c.GetTicket(context.Background(), "tok", CorpTicket)
	if err != nil || tk.Ticket != "t" {
		t.Fatal(tk, err)
	}
}

func TestAgentTicketPath(t *testing.T) {
	var path, typ string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, typ = r.URL.Path, r.URL.Query().Get("type")
		io.WriteString(w, `{"errcode":0,"ticket":"a","expires_in":7200}`)
	}))
	defer srv.Close()
	if _, err := New(srv.URL, srv.Client()).GetTicket(context.Background(), "tok", AgentTicket); err != nil {
		t.Fatal(err)
	}
	if path != "/cgi-bin/ticket/get" || typ != "agent_config" {
		t.Fatal(path, typ)
	}
}

func TestRetriesTransientFailures(t *testing.T) {
	c, n, _ := server(t, 200, `{"errcode":-1,"errmsg":"system busy"}`, `{"errcode":-1,"errmsg":"system busy"}`, `{"errcode":0,"access_token":"x","expires_in":1}`)
	if _, err := c.GetToken(context.Background(), "a", "b"); err != nil || n.Load() != 3 {
		t.Fatalf("err=%v attempts=%d", err, n.Load())
	}
	c, n, _ = server(t, 200, `{"errcode":-1,"errmsg":"system busy"}`)
	_, err := c.GetToken(context.Background(), "a", "b")
	if !IsCode(err, -1) || n.Load() != 3 {
		t.Fatalf("at most 3 attempts: err=%v attempts=%d", err, n.Load())
	}
	c, n, _ = server(t, 502, `bad gateway`)
	var he *HTTPError
	if _, err := c.GetToken(context.Background(), "a", "b"); !errors.As(err, &he) || he.Status != 502 || n.Load() != 3 {
		t.Fatalf("5xx: err=%v attempts=%d", err, n.Load())
	}
}

func TestNeverRetriesConfigurationErrorsOrRateLimits(t *testing.T) {
	for _, code := range []string{"40001", "40013", "60020", "45009", "45033", "40014"} {
		c, n, _ := server(t, 200, `{"errcode":`+code+`,"errmsg":"x"}`)
		_, err := c.GetToken(context.Background(), "a", "b")
		var apiErr *APIError
		if !errors.As(err, &apiErr) || n.Load() != 1 {
			t.Errorf("%s: err=%v attempts=%d", code, err, n.Load())
		}
		if apiErr != nil && apiErr.ExitCode() != 3 {
			t.Errorf("exit code %d", apiErr.ExitCode())
		}
	}
}

func TestNetworkErrorRetriedAndRedacted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	c := New("http://"+addr, &http.Client{Timeout: time.Second})
	var sleeps int
	c.Sleep = func(context.Context, time.Duration) error { sleeps++; return nil }
	_, err = c.GetToken(context.Background(), "ww1", "TOPSECRET")
	var ne *NetworkError
	if !errors.As(err, &ne) || sleeps != 2 {
		t.Fatalf("err=%v sleeps=%d", err, sleeps)
	}
	if strings.Contains(err.Error(), "TOPSECRET") || !strings.Contains(err.Error(), "REDACTED") {
		t.Fatalf("secret leaked or not redacted: %v", err)
	}
}

func TestDebugAddsParamAndLogsRedacted(t *testing.T) {
	c, _, q := server(t, 200, `{"errcode":0,"access_token":"x","expires_in":1}`)
	var log bytes.Buffer
	c.Debug, c.Log = true, &log
	if _, err := c.GetToken(context.Background(), "ww1", "TOPSECRET"); err != nil {
		t.Fatal(err)
	}
	if v, _ := url.ParseQuery((*q)[0]); v.Get("debug") != "1" {
		t.Fatalf("debug=1 missing: %q", (*q)[0])
	}
	if strings.Contains(log.String(), "TOPSECRET") || !strings.Contains(log.String(), "corpsecret=REDACTED") {
		t.Fatalf("log: %s", log.String())
	}
}

func TestNotJSONAndBadBaseURL(t *testing.T) {
	c, _, _ := server(t, 200, `<html>proxy login</html>`)
	var he *HTTPError
	if _, err := c.GetToken(context.Background(), "a", "b"); !errors.As(err, &he) || !he.NotJSON || !strings.Contains(err.Error(), "--base-url") {
		t.Fatalf("err=%v", err)
	}
	bad := New("ftp://x", http.DefaultClient)
	if _, err := bad.GetToken(context.Background(), "a", "b"); err == nil || !strings.Contains(err.Error(), "invalid base URL") {
		t.Fatalf("err=%v", err)
	}
}

func TestPostBodyAndExplain(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = r.Method + " " + r.Header.Get("Content-Type") + " " + string(b)
		io.WriteString(w, `{"errcode":60020,"errmsg":"not allow to access from your ip, hint: [1706848717432011565347844], from ip: 139.227.20.128, more info at https://open.work.weixin.qq.com/devtool/query?e=60020"}`)
	}))
	defer srv.Close()
	c := New(srv.URL, srv.Client())
	_, err := c.Do(context.Background(), Request{Method: "POST", Path: "/cgi-bin/user/list_id", Body: map[string]any{"limit": 2}}, nil)
	if got != `POST application/json {"limit":2}` {
		t.Fatalf("request: %q", got)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 60020 {
		t.Fatal(err)
	}
	if ex := apiErr.Explain(); !strings.Contains(ex, "139.227.20.128") || !strings.Contains(ex, "devtool/query?e=60020") {
		t.Fatalf("explain: %s", ex)
	}
}

func TestRedactURL(t *testing.T) {
	u, _ := url.Parse("https://h/cgi-bin/x?access_token=AAA&corpsecret=BBB&keep=1")
	s := RedactURL(u)
	if strings.Contains(s, "AAA") || strings.Contains(s, "BBB") || !strings.Contains(s, "keep=1") {
		t.Fatal(s)
	}
}
