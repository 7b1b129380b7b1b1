package wecom

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// answering is a server that answers every request with status and body.
func answering(t *testing.T, status int, body string) (*Client, *[]string) {
	t.Helper()
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.Path+"?"+r.URL.RawQuery)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return New(srv.URL, srv.Client()), &seen
}

func TestGetAgent(t *testing.T) {
	c, seen := answering(t, 200, `{"errcode":0,"errmsg":"ok","agentid":1000002,"name":"演示应用","redirect_domain":"a.example.com",
		"allow_userinfos":{"user":[{"userid":"zhangsan"}]},"allow_partys":{"partyid":[1]},"allow_tags":{"tagid":[]},"close":0}`)
	a, err := c.GetAgent(context.Background(), "tok", "1000002")
	if err != nil || a.AgentID != 1000002 || a.Name != "演示应用" || a.RedirectDomain != "a.example.com" ||
		len(a.AllowUsers.User) != 1 || len(a.AllowParties.PartyID) != 1 {
		t.Fatalf("%+v %v", a, err)
	}
	if (*seen)[0] != "/cgi-bin/agent/get?access_token=tok&agentid=1000002" {
		t.Fatalf("sent %v", *seen)
	}
	c, _ = answering(t, 200, `{"errcode":301002,"errmsg":"not allow operate another agent with this accesstoken."}`)
	if _, err := c.GetAgent(context.Background(), "tok", "1000003"); !IsCode(err, 301002) {
		t.Fatalf("another app: %v", err)
	}
}

// HTTP 404 is "no such endpoint", whatever the body: never an errcode,
// never retried.
func TestNotFoundIsAnHTTPError(t *testing.T) {
	for _, body := range []string{`{"errcode":404,"errmsg":"not implemented"}`, "404 page not found\n", ""} {
		c, seen := answering(t, 404, body)
		_, err := c.Do(context.Background(), Request{Path: "/cgi-bin/user/gett"}, nil)
		var httpErr *HTTPError
		if !errors.As(err, &httpErr) || httpErr.Status != 404 || IsCode(err, 404) || len(*seen) != 1 {
			t.Fatalf("body %q: %v (%d requests)", body, err, len(*seen))
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "HTTP 404: no such endpoint /cgi-bin/user/gett") || strings.Contains(msg, "errcode") {
			t.Fatalf("message %q", msg)
		}
	}
}
