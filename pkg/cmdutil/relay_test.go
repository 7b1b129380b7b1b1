package cmdutil_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// fakeRelay answers whoami and records what the client sent.
func fakeRelay(t *testing.T, status int) (*httptest.Server, *[]*http.Request) {
	var seen []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Clone(context.Background()))
		w.Header().Set("Content-Type", "application/json")
		if status != http.StatusOK {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"error":"refused","message":"no"}`))
			return
		}
		if r.URL.Path == "/_relay/whoami" {
			_, _ = w.Write([]byte(`{"client":"ci","corp_id":"wwrelaycorp","agent_id":"1000002"}`))
			return
		}
		_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func relayFactory(t *testing.T, url, token string) *cmdutiltest.Harness {
	h := cmdutiltest.NewFactory(t)
	h.Env["WWCLI_RELAY"] = url
	h.Env["WWCLI_RELAY_TOKEN"] = token
	return h
}

func TestRelayModeCallsCarryTheClientTokenAndNoAccessToken(t *testing.T) {
	srv, seen := fakeRelay(t, http.StatusOK)
	h := relayFactory(t, srv.URL, "client-token")
	s, err := h.F.Session(context.Background(), "api", cmdutil.CredInput{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if s.Creds.CorpID != "wwrelaycorp" || s.Creds.AgentID != "1000002" || s.Creds.Secret != "" || !strings.Contains(s.Creds.Source, "relay") {
		t.Fatalf("credentials %+v", s.Creds)
	}
	if _, err := s.Call(context.Background(), wecom.Request{Method: http.MethodGet, Path: "/cgi-bin/user/get",
		Query: map[string][]string{"userid": {"zhangsan"}, "access_token": {"leftover"}}}, nil); err != nil {
		t.Fatal(err)
	}
	if len(*seen) != 2 {
		t.Fatalf("%d requests, want whoami + user/get", len(*seen))
	}
	for _, r := range *seen {
		if r.Header.Get("Authorization") != "Bearer client-token" {
			t.Errorf("%s: Authorization %q", r.URL.Path, r.Header.Get("Authorization"))
		}
		if r.URL.Query().Has("access_token") {
			t.Errorf("%s carried an access_token: %s", r.URL.Path, r.URL.RawQuery)
		}
	}
	if q := (*seen)[1].URL.Query(); q.Get("userid") != "zhangsan" {
		t.Errorf("query %v", q)
	}
	_, err = s.Token(context.Background(), false)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "stays on the relay") {
		t.Fatalf("Token in relay mode: %v", err)
	}
}

func TestRelayRefusalsExitCodes(t *testing.T) {
	for status, code := range map[int]int{401: cmdutil.ExitCredentials, 403: cmdutil.ExitCredentials,
		429: cmdutil.ExitFailure, 413: cmdutil.ExitUsage} {
		srv, _ := fakeRelay(t, status)
		h := relayFactory(t, srv.URL, "client-token")
		_, err := h.F.ResolveCredentials(context.Background(), "ticket", cmdutil.CredInput{})
		var re *cmdutil.RelayError
		if cmdutil.ExitCode(err) != code || !errors.As(err, &re) || re.Status != status {
			t.Errorf("HTTP %d: exit %d (%v), want %d", status, cmdutil.ExitCode(err), err, code)
		}
	}
}

func TestRelayModeRefusals(t *testing.T) {
	srv, seen := fakeRelay(t, http.StatusOK)
	for name, tc := range map[string]struct {
		url, token string
		in         cmdutil.CredInput
		insecure   bool
		code       int
		want       string
	}{
		"no token":         {srv.URL, "", cmdutil.CredInput{}, false, cmdutil.ExitCredentials, "WWCLI_RELAY_TOKEN"},
		"not a URL":        {"relay.example.com", "t", cmdutil.CredInput{}, false, cmdutil.ExitUsage, "not a relay URL"},
		"URL with a path":  {srv.URL + "/cgi-bin", "t", cmdutil.CredInput{}, false, cmdutil.ExitUsage, "not a relay URL"},
		"plain http":       {"http://relay.example.com:8400", "t", cmdutil.CredInput{}, false, cmdutil.ExitUsage, "in clear"},
		"a secret as well": {srv.URL, "t", cmdutil.CredInput{Args: []string{"ww1", "s"}}, false, cmdutil.ExitUsage, "holds the secret"},
		"another corp":     {srv.URL, "t", cmdutil.CredInput{CorpID: "wwother"}, false, cmdutil.ExitUsage, "calls for corp wwrelaycorp"},
		"another agent":    {srv.URL, "t", cmdutil.CredInput{AgentID: "1000005"}, false, cmdutil.ExitUsage, "calls for app 1000002"},
	} {
		t.Run(name, func(t *testing.T) {
			h := relayFactory(t, tc.url, tc.token)
			h.F.Global.InsecureHTTP = tc.insecure
			_, err := h.F.Session(context.Background(), "ticket", tc.in, false)
			if cmdutil.ExitCode(err) != tc.code || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("exit %d (%v), want %d with %q", cmdutil.ExitCode(err), err, tc.code, tc.want)
			}
		})
	}
	// --relay-token-file wins over the env and is read by the strict reader
	h := relayFactory(t, srv.URL, "env-token")
	h.F.Global.RelayTokenFile = t.TempDir() + "/missing"
	if _, err := h.F.Session(context.Background(), "ticket", cmdutil.CredInput{}, false); cmdutil.ExitCode(err) != cmdutil.ExitCredentials ||
		!strings.Contains(err.Error(), "--relay-token-file") {
		t.Fatalf("missing token file: %v", err)
	}
	for _, r := range *seen {
		if r.Header.Get("Authorization") == "Bearer env-token" {
			t.Fatal("the env token was sent although --relay-token-file was given")
		}
	}
}

func TestRelayUpstreamWithoutACacheDirWarnsOnce(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	sb, _ := h.StartSandbox(t, sandbox.Options{})
	for _, k := range []string{"WWCLI_CACHE_DIR", "XDG_CACHE_HOME", "HOME"} {
		delete(h.Env, k)
	}
	h.Env["WWCLI_CORP_ID"], h.Env["WWCLI_SECRET"] = sandbox.DemoCorpID, sandbox.DemoAppSecret
	creds, err := h.F.ResolveCredentials(context.Background(), "relay", cmdutil.CredInput{})
	if err != nil {
		t.Fatal(err)
	}
	up, err := h.F.RelayUpstream(creds, false)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := up.Call(context.Background(), wecom.Request{Path: "/cgi-bin/user/get", Query: map[string][]string{"userid": {"lisi"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(h.ErrOut.String(), "warning:"); n != 1 || !strings.Contains(h.ErrOut.String(), "keeps its tokens in memory") {
		t.Fatalf("%d warnings:\n%s", n, h.ErrOut)
	}
	if n := sb.Count("/cgi-bin/gettoken"); n != 1 {
		t.Fatalf("gettoken %d times, want 1 (kept in memory)", n)
	}
}
