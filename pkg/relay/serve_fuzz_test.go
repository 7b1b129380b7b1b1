package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/wecom"
)

// recordingUpstream remembers what reached "WeCom".
type recordingUpstream struct{ calls []wecom.Request }

func (u *recordingUpstream) Call(_ context.Context, req wecom.Request) (json.RawMessage, error) {
	u.calls = append(u.calls, req)
	return json.RawMessage(`{"errcode":0,"errmsg":"ok"}`), nil
}

func (u *recordingUpstream) Ticket(context.Context, wecom.TicketKind) (string, int, error) {
	u.calls = append(u.calls, wecom.Request{Path: "ticket"})
	return "ticket", 7200, nil
}

// FuzzServe: whatever the method, target and Authorization header, only
// an authenticated client reaches WeCom, only on a canonical path its
// allow-list names and that is no token endpoint, never with a client's
// access_token or debug (in any case), and every answer is JSON.
func FuzzServe(f *testing.F) {
	for _, s := range [][3]string{
		{"GET", "/cgi-bin/user/get?userid=zhangsan", "Bearer ci-token-0123456789abcdef"},
		{"GET", "/cgi-bin/gettoken?corpid=a&corpsecret=b", "Bearer ci-token-0123456789abcdef"},
		{"POST", "/cgi-bin/message/send?access_token=mine", "Bearer ci-token-0123456789abcdef"},
		{"GET", "/cgi-bin/user/get?Access_Token=mine&DEBUG=1&access%5Ftoken=x", "Bearer ci-token-0123456789abcdef"},
		{"GET", "/cgi-bin//GETTOKEN", "bearer ci-token-0123456789abcdef"},
		{"GET", "/cgi-bin/get_jsapi_ticket", "Basic x"},
		{"DELETE", "/_relay/whoami", "Bearer ci-token-0123456789abcdef"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	clients, err := ParseClients(strings.NewReader(`{"clients":[{"name":"ci","token_sha256":"` + hashA + `","paths":["/cgi-bin/*"],"rate_per_minute":100000000}]}`))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, target, auth string) {
		u, err := url.ParseRequestURI(target)
		if err != nil || strings.ContainsAny(method, " \r\n\t") || method == "" {
			return
		}
		up := &recordingUpstream{}
		s := New(Options{Clients: clients, Upstream: up, Audit: io.Discard})
		defer s.CloseAudit(time.Second)
		req := &http.Request{Method: method, URL: u, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(nil)),
			RemoteAddr: "127.0.0.1:1", Host: "relay"}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s: answer is not JSON: %q", method, target, rec.Body.String())
		}
		if len(up.calls) == 0 {
			return
		}
		tok, err := ParseBearer(auth)
		if _, ok := clients.Authenticate(tok); err != nil || !ok {
			t.Fatalf("%s %s with %q reached WeCom", method, target, auth)
		}
		if p, err := CheckPath(u.Path, u.RawPath); err != nil || SecretPath(p) || !strings.HasPrefix(p, "/cgi-bin/") {
			t.Fatalf("%s %s reached WeCom", method, target)
		}
		for _, c := range up.calls {
			for name := range c.Query {
				if strings.EqualFold(name, "access_token") || strings.EqualFold(name, "debug") {
					t.Fatalf("%s %s: the client's %s went on", method, target, name)
				}
			}
		}
	})
}
