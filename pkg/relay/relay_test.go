package relay_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/internal/testutil"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/relay"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

const (
	ciToken = "ci-token-0123456789abcdef"
	roToken = "ro-token-0123456789abcdef"
	slowTok = "slow-token-0123456789abcd"
)

func clientsJSON() string {
	return `{"clients":[
 {"name":"ci","token_sha256":"` + relay.HashToken(ciToken) + `","paths":["/cgi-bin/*"]},
 {"name":"ro","token_sha256":"` + relay.HashToken(roToken) + `","paths":["/cgi-bin/user/get","/cgi-bin/message/*"],"read_only":true},
 {"name":"slow","token_sha256":"` + relay.HashToken(slowTok) + `","paths":["/cgi-bin/user/*"],"rate_per_minute":6}]}`
}

// waitLines waits until the audit log (lines reach it through the
// relay's queue, after the answer) holds n lines, and returns them.
func waitLines(t *testing.T, audit *testutil.Buffer, n int) []string {
	t.Helper()
	lines := func(text string) []string {
		if text == "" {
			return nil
		}
		return strings.Split(strings.TrimSpace(text), "\n")
	}
	text := audit.Wait(func(s string) bool { return len(lines(s)) >= n })
	if len(lines(text)) < n {
		t.Fatalf("waited %v for %d lines, have:\n%s", testutil.WaitTimeout, n, text)
	}
	return lines(text)
}

type harness struct {
	sb    *sandbox.Server
	sbURL string
	url   string // the relay
	audit *testutil.Buffer
	clock *testutil.Clock // the relay's clock (rate limits), moved by the test
	srv   *relay.Server
	hc    *http.Client
}

// start runs a relay on 127.0.0.1 in front of a sandbox, for the demo
// app, through the real Session (token cache in a temp dir).
func start(t *testing.T, mod func(*relay.Options)) *harness {
	t.Helper()
	h := cmdutiltest.NewFactory(t)
	sb, sbURL := h.StartSandbox(t, sandbox.Options{})
	h.Env["WWCLI_CORP_ID"], h.Env["WWCLI_SECRET"] = sandbox.DemoCorpID, sandbox.DemoAppSecret
	h.Env["WWCLI_AGENT_ID"] = "1000002"
	creds, err := h.F.ResolveCredentials(context.Background(), "relay", cmdutil.CredInput{})
	if err != nil {
		t.Fatal(err)
	}
	up, err := h.F.RelayUpstream(creds, false)
	if err != nil {
		t.Fatal(err)
	}
	clients, err := relay.ParseClients(strings.NewReader(clientsJSON()))
	if err != nil {
		t.Fatal(err)
	}
	audit := &testutil.Buffer{}
	clock := testutil.NewClock(time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC))
	opts := relay.Options{Clients: clients, Upstream: up, Audit: audit, Now: clock.Now,
		Identity: relay.Identity{CorpID: creds.CorpID, AgentID: creds.AgentID}}
	if mod != nil {
		mod(&opts)
	}
	srv := relay.New(opts)
	base := serveRelay(t, srv, nil)
	return &harness{sb: sb, sbURL: sbURL, url: base, audit: audit, clock: clock, srv: srv, hc: &http.Client{Timeout: 10 * time.Second}}
}

// serveRelay serves srv on 127.0.0.1 through the server foundation, as
// `wwcli relay` does, until the test ends; it returns the base URL.
func serveRelay(t *testing.T, srv *relay.Server, tlsConfig *tls.Config) string {
	t.Helper()
	s, err := serve.Listen(serve.Config{Addr: "127.0.0.1:0", TLS: tlsConfig, Handler: srv.Handler()})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() { _ = s.Shutdown(); srv.CloseAudit(time.Second) })
	return s.URL()
}

type answer struct {
	status int
	header http.Header
	body   string
	json   map[string]any
}

func (h *harness) do(t *testing.T, method, path, auth, contentType string, body []byte) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := h.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(raw)}
	_ = json.Unmarshal(raw, &a.json)
	return a
}

// sendChunked sends body with the client token and no Content-Length
// (chunked), so that a size cap can hold only while reading. It returns
// the status, or the error when the relay closed the connection.
func (h *harness) sendChunked(method, path string, body io.Reader) (int, error) {
	req, _ := http.NewRequest(method, h.url+path, body)
	req.Header.Set("Authorization", "Bearer "+ciToken)
	req.ContentLength = -1
	resp, err := h.hc.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (h *harness) get(t *testing.T, path, token string) answer {
	return h.do(t, http.MethodGet, path, "Bearer "+token, "", nil)
}

func (h *harness) post(t *testing.T, path, token, body string) answer {
	return h.do(t, http.MethodPost, path, "Bearer "+token, "application/json", []byte(body))
}

func wantStatus(t *testing.T, a answer, status int, kind string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d; body %s", a.status, status, a.body)
	}
	if kind != "" && a.json["error"] != kind {
		t.Fatalf("error %v, want %q; body %s", a.json["error"], kind, a.body)
	}
	if kind != "" {
		if _, has := a.json["errcode"]; has {
			t.Fatalf("the relay's own refusal has an errcode (a client would take it for WeCom's): %s", a.body)
		}
	}
}

const sendBody = `{"touser":"zhangsan","msgtype":"text","agentid":1000002,"text":{"content":"hi"}}`

func TestPassThroughWithTheRelaysToken(t *testing.T) {
	h := start(t, nil)
	// The client's own access_token (here a bogus one) never reaches WeCom.
	a := h.get(t, "/cgi-bin/user/get?userid=zhangsan&access_token=bogus", ciToken)
	if a.status != 200 || a.json["errcode"] != float64(0) || a.json["name"] != "张三" {
		t.Fatalf("user/get through the relay: %d %s", a.status, a.body)
	}
	direct := h.sb.Requests()
	last := direct[len(direct)-1]
	if last.Path != "/cgi-bin/user/get" || strings.Count(last.Query, "access_token=") != 1 || !strings.Contains(last.Query, "userid=zhangsan") {
		t.Fatalf("WeCom saw %s?%s", last.Path, last.Query)
	}
	// WeCom's error answers pass through unchanged too (HTTP 200, its body).
	a = h.get(t, "/cgi-bin/user/get?userid=nobody", ciToken)
	if a.status != 200 || a.json["errcode"] != float64(60111) {
		t.Fatalf("unknown user: %d %s", a.status, a.body)
	}
	if n := h.sb.Count("/cgi-bin/gettoken"); n != 1 {
		t.Fatalf("gettoken called %d times, want 1 (cached)", n)
	}
	if a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control %q", a.header.Get("Cache-Control"))
	}
	// whoami: the corp and agent, no secret
	a = h.get(t, relay.WhoamiPath, ciToken)
	if a.status != 200 || a.json["corp_id"] != sandbox.DemoCorpID || a.json["agent_id"] != "1000002" || a.json["client"] != "ci" {
		t.Fatalf("whoami: %d %s", a.status, a.body)
	}
	if strings.Contains(a.body, sandbox.DemoAppSecret) {
		t.Fatal("whoami shows the secret")
	}
}

func TestRefetchOnExpiredToken(t *testing.T) {
	h := start(t, nil)
	if a := h.get(t, "/cgi-bin/user/get?userid=lisi", ciToken); a.status != 200 || a.json["errcode"] != float64(0) {
		t.Fatalf("first call: %s", a.body)
	}
	h.sb.Advance(3 * time.Hour) // the cached token is now expired at WeCom: 42001
	if a := h.get(t, "/cgi-bin/user/get?userid=lisi", ciToken); a.json["errcode"] != float64(0) {
		t.Fatalf("after expiry: %s", a.body)
	}
	if n := h.sb.Count("/cgi-bin/gettoken"); n != 2 {
		t.Fatalf("gettoken %d times, want 2 (one refetch)", n)
	}
	// A POST rejected with 42001 was not acted on: resent once, with the new token.
	if err := h.sb.InjectFault(sandbox.Fault{Path: "/cgi-bin/message/send", ErrCode: 42001}); err != nil {
		t.Fatal(err)
	}
	if a := h.post(t, "/cgi-bin/message/send", ciToken, sendBody); a.json["errcode"] != float64(0) {
		t.Fatalf("send after 42001: %s", a.body)
	}
	if n := h.sb.Count("/cgi-bin/message/send"); n != 2 {
		t.Fatalf("message/send %d times, want 2 (rejected, then resent)", n)
	}
	if n := len(h.sb.Messages()); n != 1 {
		t.Fatalf("%d messages delivered, want 1", n)
	}
}

func TestPostThatMayHaveReachedWeComIsNotResent(t *testing.T) {
	h := start(t, nil)
	if err := h.sb.InjectFault(sandbox.Fault{Path: "/cgi-bin/message/send", HTTPStatus: 502}); err != nil {
		t.Fatal(err)
	}
	a := h.post(t, "/cgi-bin/message/send", ciToken, sendBody)
	wantStatus(t, a, http.StatusBadGateway, "upstream_delivery_unknown")
	if n := h.sb.Count("/cgi-bin/message/send"); n != 1 {
		t.Fatalf("message/send %d times, want 1 (never resent)", n)
	}
	// errcode -1 on a POST: WeCom's answer passes through, once.
	if err := h.sb.InjectFault(sandbox.Fault{Path: "/cgi-bin/message/send", ErrCode: -1}); err != nil {
		t.Fatal(err)
	}
	a = h.post(t, "/cgi-bin/message/send", ciToken, sendBody)
	if a.status != 200 || a.json["errcode"] != float64(-1) {
		t.Fatalf("errcode -1: %d %s", a.status, a.body)
	}
	if n := h.sb.Count("/cgi-bin/message/send"); n != 2 {
		t.Fatalf("message/send %d times, want 2", n)
	}
}

func TestAuthFailures(t *testing.T) {
	h := start(t, nil)
	for name, auth := range map[string]string{
		"missing":        "",
		"wrong":          "Bearer not-a-client-token",
		"basic":          "Basic Y2k6dG9rZW4=",
		"empty bearer":   "Bearer ",
		"two words":      "Bearer a b",
		"no scheme":      ciToken,
		"hash as token":  "Bearer " + relay.HashToken(ciToken),
		"token prefixed": "Bearer x" + ciToken,
	} {
		t.Run(name, func(t *testing.T) {
			a := h.do(t, http.MethodGet, "/cgi-bin/user/get?userid=zhangsan", auth, "", nil)
			wantStatus(t, a, http.StatusUnauthorized, "unauthorized")
			if !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("WWW-Authenticate %q", a.header.Get("WWW-Authenticate"))
			}
		})
	}
	if n := h.sb.Count("/cgi-bin/user/get"); n != 0 {
		t.Fatalf("an unauthenticated call reached WeCom %d times", n)
	}
	// the scheme is case-insensitive (RFC 9110 §11.1)
	if a := h.do(t, http.MethodGet, "/cgi-bin/user/get?userid=zhangsan", "bearer "+ciToken, "", nil); a.status != 200 {
		t.Fatalf("lower-case bearer: %d %s", a.status, a.body)
	}
}

func TestPathDenials(t *testing.T) {
	h := start(t, nil)
	for _, p := range []string{"/cgi-bin/gettoken?corpid=x&corpsecret=y", "/cgi-bin/GetToken", "/cgi-bin/service/get_suite_token",
		"/cgi-bin/service/get_permanent_code", "/cgi-bin/service/get_provider_token"} {
		wantStatus(t, h.get(t, p, ciToken), http.StatusForbidden, "secret_path")
		wantStatus(t, h.post(t, p, ciToken, `{}`), http.StatusForbidden, "secret_path")
	}
	for _, p := range []string{"/cgi-bin//gettoken", "/cgi-bin/./gettoken", "/cgi-bin/x/../gettoken", "/cgi-bin/gettoken/", "/cgi-bin/get%74oken", "/"} {
		wantStatus(t, h.get(t, p, ciToken), http.StatusBadRequest, "bad_path")
	}
	// outside the allow-list
	wantStatus(t, h.get(t, "/cgi-bin/department/list", roToken), http.StatusForbidden, "path_not_allowed")
	wantStatus(t, h.get(t, "/_sandbox/faults", ciToken), http.StatusForbidden, "path_not_allowed")
	wantStatus(t, h.do(t, http.MethodDelete, "/cgi-bin/user/get", "Bearer "+ciToken, "", nil), http.StatusMethodNotAllowed, "method")
	if n := h.sb.Count("/cgi-bin/gettoken"); n != 0 {
		t.Fatalf("gettoken reached WeCom %d times", n)
	}
}

func TestReadOnlyClient(t *testing.T) {
	h := start(t, nil)
	if a := h.get(t, "/cgi-bin/user/get?userid=zhangsan", roToken); a.status != 200 {
		t.Fatalf("GET by the read-only client: %d %s", a.status, a.body)
	}
	wantStatus(t, h.post(t, "/cgi-bin/message/send", roToken, sendBody), http.StatusForbidden, "read_only")
	if n := h.sb.Count("/cgi-bin/message/send"); n != 0 {
		t.Fatalf("a read-only client's POST reached WeCom")
	}
}

func TestRateLimit(t *testing.T) {
	h := start(t, nil)
	// "slow": 6 a minute, so a burst of 1, then one every 10 s.
	if a := h.get(t, "/cgi-bin/user/get?userid=zhangsan", slowTok); a.status != 200 {
		t.Fatalf("first: %s", a.body)
	}
	a := h.get(t, "/cgi-bin/user/get?userid=zhangsan", slowTok)
	wantStatus(t, a, http.StatusTooManyRequests, "rate_limited")
	if a.header.Get("Retry-After") != "10" {
		t.Fatalf("Retry-After %q, want 10", a.header.Get("Retry-After"))
	}
	// other clients have their own bucket
	if a := h.get(t, "/cgi-bin/user/get?userid=zhangsan", ciToken); a.status != 200 {
		t.Fatalf("ci limited by slow's rate: %s", a.body)
	}
	h.clock.Advance(10 * time.Second)
	if a := h.get(t, "/cgi-bin/user/get?userid=zhangsan", slowTok); a.status != 200 {
		t.Fatalf("after 10 s: %d %s", a.status, a.body)
	}
	if n := h.sb.Count("/cgi-bin/user/get"); n != 3 {
		t.Fatalf("user/get reached WeCom %d times, want 3", n)
	}
}

func multipartBody(t *testing.T, size int) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, err := w.CreateFormFile("media", "report.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = part.Write(bytes.Repeat([]byte("x"), size))
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func TestSizeCapAndUploads(t *testing.T) {
	h := start(t, func(o *relay.Options) { o.MaxBody = 4096 })
	body, ct := multipartBody(t, 1000)
	a := h.do(t, http.MethodPost, "/cgi-bin/media/upload?type=file", "Bearer "+ciToken, ct, body)
	if a.status != 200 || a.json["errcode"] != float64(0) || a.json["media_id"] == nil {
		t.Fatalf("upload through the relay: %d %s", a.status, a.body)
	}
	body, ct = multipartBody(t, 5000)
	wantStatus(t, h.do(t, http.MethodPost, "/cgi-bin/media/upload?type=file", "Bearer "+ciToken, ct, body), http.StatusRequestEntityTooLarge, "too_large")
	// without a Content-Length (chunked), the cap holds while reading
	status, err := h.sendChunked(http.MethodPost, "/cgi-bin/message/send", io.MultiReader(strings.NewReader(`{"a":"`), bytes.NewReader(bytes.Repeat([]byte("y"), 8192))))
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked over the cap: %d", status)
	}
	if n := h.sb.Count("/cgi-bin/media/upload"); n != 1 {
		t.Fatalf("media/upload reached WeCom %d times, want 1", n)
	}
	if n := h.sb.Count("/cgi-bin/message/send"); n != 0 {
		t.Fatalf("an oversized body reached WeCom")
	}
}

func TestTicketsServedFromTheRelaysCache(t *testing.T) {
	h := start(t, nil)
	var first string
	for i := 0; i < 5; i++ {
		a := h.get(t, "/cgi-bin/get_jsapi_ticket", ciToken)
		if a.status != 200 || a.json["errcode"] != float64(0) || a.json["ticket"] == "" {
			t.Fatalf("ticket: %s", a.body)
		}
		if i == 0 {
			first = a.json["ticket"].(string)
		} else if a.json["ticket"] != first {
			t.Fatal("a second fetch got another ticket")
		}
	}
	a := h.get(t, "/cgi-bin/ticket/get?type=agent_config", ciToken)
	if a.json["errcode"] != float64(0) || a.json["ticket"] == first {
		t.Fatalf("agent ticket: %s", a.body)
	}
	if n := h.sb.Count("/cgi-bin/get_jsapi_ticket"); n != 1 {
		t.Fatalf("get_jsapi_ticket reached WeCom %d times, want 1", n)
	}
}

func TestAuditLogNamesNoSecret(t *testing.T) {
	h := start(t, nil)
	h.get(t, "/cgi-bin/user/get?userid=zhangsan&access_token=client-sent-token", ciToken)
	h.post(t, "/cgi-bin/message/send", ciToken, sendBody)
	h.get(t, "/cgi-bin/gettoken?corpid=ww1&corpsecret=topsecret", ciToken)
	h.do(t, http.MethodGet, "/cgi-bin/user/get?userid=zhangsan", "Bearer wrong-token-value", "", nil)
	h.get(t, "/cgi-bin/get_jsapi_ticket", ciToken)
	lines := waitLines(t, h.audit, 5)
	if len(lines) != 5 {
		t.Fatalf("%d audit lines, want 5:\n%s", len(lines), h.audit)
	}
	var e relay.AuditEntry
	if err := json.Unmarshal([]byte(lines[1]), &e); err != nil {
		t.Fatal(err)
	}
	if e.Client != "ci" || e.Method != "POST" || e.Path != "/cgi-bin/message/send" || e.Status != 200 || e.ErrCode == nil || *e.ErrCode != 0 || e.Remote != "127.0.0.1" || e.Time == "" {
		t.Fatalf("audit entry %+v", e)
	}
	var refused relay.AuditEntry
	if err := json.Unmarshal([]byte(lines[3]), &refused); err != nil || refused.Status != 401 || refused.Client != "" || refused.Refused != "unauthorized" || refused.ErrCode != nil {
		t.Fatalf("audit of a wrong token %+v", refused)
	}
	// The relay's access_token and ticket (read from the sandbox's answers).
	ticket := h.get(t, "/cgi-bin/get_jsapi_ticket", ciToken).json["ticket"].(string)
	waitLines(t, h.audit, 6)
	log := h.audit.String()
	for _, secret := range []string{ciToken, "wrong-token-value", "client-sent-token", "topsecret", sandbox.DemoAppSecret,
		"zhangsan", "hi", ticket, relay.HashToken(ciToken), "Bearer"} {
		if strings.Contains(log, secret) {
			t.Errorf("the audit log contains %q:\n%s", secret, log)
		}
	}
}

func TestTLS(t *testing.T) {
	certFile, keyFile, pool := testutil.SelfSignedCert(t)
	cfg, err := relay.LoadTLS(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, nil)
	clients, _ := relay.ParseClients(strings.NewReader(clientsJSON()))
	// a second relay, with TLS, in front of the same upstream as h
	up := upstreamOf(t, h)
	srv := relay.New(relay.Options{Clients: clients, Upstream: up, Identity: relay.Identity{CorpID: sandbox.DemoCorpID}})
	base := serveRelay(t, srv, cfg)
	if !strings.HasPrefix(base, "https://127.0.0.1:") {
		t.Fatalf("base URL %s", base)
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, _ := http.NewRequest(http.MethodGet, base+"/cgi-bin/user/get?userid=zhangsan", nil)
	req.Header.Set("Authorization", "Bearer "+ciToken)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(raw), "张三") {
		t.Fatalf("over TLS: %d %s", resp.StatusCode, raw)
	}
	// plain HTTP to the TLS port is not served
	plain := &http.Client{Timeout: 5 * time.Second}
	if resp, err := plain.Get(strings.Replace(base, "https", "http", 1) + "/cgi-bin/user/get"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP answered 200 on the TLS port")
		}
	}
	if _, err := relay.LoadTLS(certFile, ""); err == nil {
		t.Fatal("--tls-cert without --tls-key accepted")
	}
	if _, err := relay.LoadTLS(keyFile, certFile); err == nil {
		t.Fatal("swapped cert and key accepted")
	}
}

// upstreamOf is a fresh upstream for h's sandbox.
func upstreamOf(t *testing.T, h *harness) relay.Upstream {
	t.Helper()
	f := cmdutiltest.NewFactory(t)
	f.Env["WWCLI_BASE_URL"], f.F.Global.BaseURL = h.sbURL, h.sbURL
	f.Env["WWCLI_CORP_ID"], f.Env["WWCLI_SECRET"] = sandbox.DemoCorpID, sandbox.DemoAppSecret
	creds, err := f.F.ResolveCredentials(context.Background(), "relay", cmdutil.CredInput{})
	if err != nil {
		t.Fatal(err)
	}
	up, err := f.F.RelayUpstream(creds, false)
	if err != nil {
		t.Fatal(err)
	}
	return up
}

func TestDownloadsPassThrough(t *testing.T) {
	h := start(t, nil)
	body, ct := multipartBody(t, 1000)
	up := h.do(t, http.MethodPost, "/cgi-bin/media/upload?type=file", "Bearer "+ciToken, ct, body)
	id, _ := up.json["media_id"].(string)
	if id == "" {
		t.Fatalf("upload: %s", up.body)
	}
	a := h.get(t, "/cgi-bin/media/get?media_id="+id, ciToken)
	if a.status != 200 || a.body != strings.Repeat("x", 1000) || !strings.Contains(a.header.Get("Content-Disposition"), "report.txt") {
		t.Fatalf("media/get: %d %q %v", a.status, a.body[:min(len(a.body), 80)], a.header)
	}
	// a Range request gets WeCom's 206 and Content-Range
	req, _ := http.NewRequest(http.MethodGet, h.url+"/cgi-bin/media/get?media_id="+id, nil)
	req.Header.Set("Authorization", "Bearer "+ciToken)
	req.Header.Set("Range", "bytes=0-9")
	resp, err := h.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(part) != "xxxxxxxxxx" || !strings.HasPrefix(resp.Header.Get("Content-Range"), "bytes 0-9/1000") {
		t.Fatalf("Range: %d %q %v", resp.StatusCode, part, resp.Header)
	}
	// WeCom's JSON error passes through; an expired token is refetched
	a = h.get(t, "/cgi-bin/media/get?media_id=nonexistent", ciToken)
	if a.status != 200 || a.json["errcode"] == float64(0) || a.json["errcode"] == nil {
		t.Fatalf("unknown media: %d %s", a.status, a.body)
	}
	h.sb.Advance(3 * time.Hour)
	if a := h.get(t, "/cgi-bin/media/get?media_id="+id, ciToken); a.status != 200 || len(a.body) != 1000 {
		t.Fatalf("media/get after the token expired (media lasts 3 days): %d %s", a.status, a.body)
	}
	if n := h.sb.Count("/cgi-bin/gettoken"); n != 2 {
		t.Fatalf("gettoken %d times, want 2", n)
	}
}

func TestReloadRevokesAndAdds(t *testing.T) {
	h := start(t, nil)
	// a relay of its own in front of h's sandbox, so the test holds the *Server
	clients, _ := relay.ParseClients(strings.NewReader(clientsJSON()))
	srv := relay.New(relay.Options{Clients: clients, Upstream: upstreamOf(t, h), Now: h.clock.Now})
	h.url = serveRelay(t, srv, nil)
	if a := h.get(t, "/cgi-bin/user/get?userid=zhangsan", slowTok); a.status != 200 {
		t.Fatalf("before reload: %s", a.body)
	}
	wantStatus(t, h.get(t, "/cgi-bin/user/get?userid=zhangsan", slowTok), http.StatusTooManyRequests, "rate_limited")
	next, err := relay.ParseClients(strings.NewReader(`{"clients":[
 {"name":"slow","token_sha256":"` + relay.HashToken(slowTok) + `","paths":["/cgi-bin/user/*"],"rate_per_minute":6},
 {"name":"new","token_sha256":"` + relay.HashToken("new-token-0123456789abcd") + `","paths":["/cgi-bin/user/*"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	srv.Reload(next)
	wantStatus(t, h.get(t, "/cgi-bin/user/get?userid=zhangsan", ciToken), http.StatusUnauthorized, "unauthorized")
	if a := h.get(t, "/cgi-bin/user/get?userid=zhangsan", "new-token-0123456789abcd"); a.status != 200 {
		t.Fatalf("added client: %s", a.body)
	}
	// a reload is no way around a rate limit
	wantStatus(t, h.get(t, "/cgi-bin/user/get?userid=zhangsan", slowTok), http.StatusTooManyRequests, "rate_limited")
}

func TestConcurrentClientsShareOneToken(t *testing.T) {
	h := start(t, nil)
	const n = 40
	var wg sync.WaitGroup
	statuses := make(chan int, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, h.url+"/cgi-bin/user/get?userid=zhangsan", nil)
			req.Header.Set("Authorization", "Bearer "+ciToken)
			resp, err := h.hc.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != 200 {
			t.Fatalf("a concurrent call got %d", s)
		}
	}
	// one fetch on an empty cache, whatever the concurrency (single flight)
	if got := h.sb.Count("/cgi-bin/gettoken"); got != 1 {
		t.Fatalf("gettoken %d times for %d concurrent calls, want 1", got, n)
	}
	lines := waitLines(t, h.audit, n)
	if len(lines) != n {
		t.Fatalf("%d audit lines, want %d", len(lines), n)
	}
	for _, l := range lines {
		var e relay.AuditEntry
		if err := json.Unmarshal([]byte(l), &e); err != nil || e.Status != 200 {
			t.Fatalf("audit line %q: %v", l, err)
		}
	}
}
