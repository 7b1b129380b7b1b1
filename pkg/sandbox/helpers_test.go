package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/internal/testutil"
)

// testEpoch is the fake clock's start: hints begin with its Unix time.
var testEpoch = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

type env struct {
	t    *testing.T
	s    *Server
	base string
	log  *testutil.Buffer

	barriers int // logText's markers
}

var testClient = &http.Client{Timeout: 30 * time.Second}

// newEnv starts a sandbox on 127.0.0.1 with a frozen clock at testEpoch.
func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return testEpoch }
	}
	lb := &testutil.Buffer{}
	if opts.Log == nil {
		opts.Log = lb
	}
	s := New(opts)
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return &env{t: t, s: s, base: base, log: lb}
}

// logText is the request log so far. Lines reach Options.Log through a
// queue, so a barrier line goes in after them and is waited for.
func (e *env) logText() string {
	e.t.Helper()
	e.barriers++
	marker := fmt.Sprintf("-- log barrier %d --", e.barriers)
	e.s.LogLine(marker)
	if !strings.Contains(e.log.WaitFor(marker), marker) {
		e.t.Fatalf("%q not in the log within %v:\n%s", marker, testutil.WaitTimeout, e.log.String())
	}
	var kept []string
	for _, line := range strings.SplitAfter(e.log.String(), "\n") {
		if !strings.HasPrefix(line, "-- log barrier ") {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "")
}

type answer struct {
	status int
	raw    string
	m      map[string]any
}

func (a answer) code() int {
	f, _ := a.m["errcode"].(float64)
	return int(f)
}

func (a answer) str(k string) string { s, _ := a.m[k].(string); return s }

func (e *env) do(method, path string, q url.Values, body string) answer {
	e.t.Helper()
	u := e.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := testClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, raw: string(data)}
	_ = json.Unmarshal(data, &a.m)
	return a
}

func (e *env) get(path string, kv ...string) answer {
	e.t.Helper()
	return e.do(http.MethodGet, path, pairs(kv), "")
}

func (e *env) post(path, body string, kv ...string) answer {
	e.t.Helper()
	return e.do(http.MethodPost, path, pairs(kv), body)
}

func pairs(kv []string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}

// token fetches an access_token for secret in the demo corp.
func (e *env) token(secret string) string {
	e.t.Helper()
	a := e.get("/cgi-bin/gettoken", "corpid", DemoCorpID, "corpsecret", secret)
	if a.code() != 0 || a.str("access_token") == "" {
		e.t.Fatalf("gettoken: %s", a.raw)
	}
	return a.str("access_token")
}

func (e *env) code(req CodeRequest) string {
	e.t.Helper()
	c, err := e.s.IssueCode(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// wantCode asserts the errcode, and for errors the WeCom errmsg format.
func wantCode(t *testing.T, a answer, code int) {
	t.Helper()
	if a.code() != code {
		t.Fatalf("errcode = %d, want %d; body %s", a.code(), code, a.raw)
	}
	if a.status != http.StatusOK {
		t.Fatalf("HTTP status %d, want 200 (WeCom answers errors with 200); body %s", a.status, a.raw)
	}
	msg := a.str("errmsg")
	if code == 0 {
		// contact writes answer "created" / "updated" / "deleted" (DOC 90195 ff.)
		if msg != "ok" && msg != "created" && msg != "updated" && msg != "deleted" {
			t.Fatalf("errmsg = %q, want ok", msg)
		}
		return
	}
	m := errmsgPattern.FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("errmsg %q is not in WeCom's format", msg)
	}
	if m[4] != strconv.Itoa(code) {
		t.Fatalf("more-info link names e=%s, want %d", m[4], code)
	}
}
