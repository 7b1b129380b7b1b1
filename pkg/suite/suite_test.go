package suite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/wecom"
)

// fakeWeCom answers by path and records every call.
type fakeWeCom struct {
	mu      sync.Mutex
	calls   []string // "METHOD path body"
	answers map[string]string
	status  map[string]int
}

func (f *fakeWeCom) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.calls = append(f.calls, r.Method+" "+r.URL.Path+" "+string(body))
	ans, ok := f.answers[r.URL.Path]
	status := f.status[r.URL.Path]
	f.mu.Unlock()
	if r.URL.Query().Get("suite_access_token") != "SUITE_TOKEN" {
		_, _ = io.WriteString(w, `{"errcode":40082,"errmsg":"invalid suite_token"}`)
		return
	}
	if status != 0 {
		w.WriteHeader(status)
	}
	if !ok {
		ans = `{"errcode":404,"errmsg":"no such path"}`
	}
	_, _ = io.WriteString(w, ans)
}

func (f *fakeWeCom) callLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// start returns a suite talking to f through the real client; its first
// token is firstToken (SUITE_TOKEN is the only one f accepts), a refreshed
// one is always SUITE_TOKEN.
func start(t *testing.T, answers map[string]string) (*fakeWeCom, *Suite) {
	return startWithToken(t, answers, "SUITE_TOKEN")
}

func startWithToken(t *testing.T, answers map[string]string, firstToken string) (*fakeWeCom, *Suite) {
	t.Helper()
	f := &fakeWeCom{answers: answers, status: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c := wecom.New(srv.URL, srv.Client())
	c.Sleep = func(context.Context, time.Duration) error { return nil }
	token := func(refresh bool) string {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.calls = append(f.calls, fmt.Sprintf("token refresh=%v", refresh))
		if refresh {
			return "SUITE_TOKEN"
		}
		return firstToken
	}
	// As cmdutil.SuiteSession.WithToken: once more with a fresh token on 40082.
	return f, &Suite{ID: "ww9c3e7b1a5d2f8e60", API: c, WithToken: func(_ context.Context, fn func(string) error) error {
		err := fn(token(false))
		if wecom.IsCode(err, 40082) {
			err = fn(token(true))
		}
		return err
	}}
}

// apiCalls drops the token requests from the log.
func (f *fakeWeCom) apiCalls() []string {
	var out []string
	for _, c := range f.callLog() {
		if !strings.HasPrefix(c, "token ") {
			out = append(out, c)
		}
	}
	return out
}

const preAuthAnswer = `{"errcode":0,"errmsg":"ok","pre_auth_code":"PRE-123","expires_in":1200}`

func TestInstallFormal(t *testing.T) {
	f, su := start(t, map[string]string{"/cgi-bin/service/get_pre_auth_code": preAuthAnswer})
	in, err := su.NewInstall(context.Background(), InstallParams{
		RedirectURI: "https://app.example.com/installed?from=wwcli", State: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	want := "https://open.work.weixin.qq.com/3rdapp/install?suite_id=ww9c3e7b1a5d2f8e60&pre_auth_code=PRE-123" +
		"&redirect_uri=https%3A%2F%2Fapp.example.com%2Finstalled%3Ffrom%3Dwwcli&state=s1"
	if in.URL != want || in.PreAuthCode != "PRE-123" || in.ExpiresIn != 1200 || in.AuthType != wecom.AuthTypeFormal || len(in.Warnings) != 0 {
		t.Fatalf("install %+v\nwant URL %s", in, want)
	}
	// A formal install needs no set_session_info: 0 is the default.
	if calls := f.apiCalls(); len(calls) != 1 || !strings.HasPrefix(calls[0], "GET /cgi-bin/service/get_pre_auth_code") {
		t.Fatalf("calls %q", calls)
	}
}

func TestInstallTest(t *testing.T) {
	f, su := start(t, map[string]string{"/cgi-bin/service/get_pre_auth_code": preAuthAnswer,
		"/cgi-bin/service/set_session_info": `{"errcode":0,"errmsg":"ok"}`})
	in, err := su.NewInstall(context.Background(), InstallParams{Test: true})
	if err != nil {
		t.Fatal(err)
	}
	if in.AuthType != wecom.AuthTypeTest || in.URL != InstallEndpoint+"?suite_id=ww9c3e7b1a5d2f8e60&pre_auth_code=PRE-123" {
		t.Fatalf("install %+v", in)
	}
	if len(in.Warnings) != 1 || !strings.Contains(in.Warnings[0], "no --redirect-uri") {
		t.Fatalf("warnings %q", in.Warnings)
	}
	calls := f.apiCalls()
	if len(calls) != 2 || calls[1] != `POST /cgi-bin/service/set_session_info {"pre_auth_code":"PRE-123","session_info":{"auth_type":1}}` {
		t.Fatalf("calls %q", calls)
	}
}

func TestInstallErrors(t *testing.T) {
	// WeCom's refusal comes back as the API error, no URL.
	_, su := start(t, map[string]string{"/cgi-bin/service/get_pre_auth_code": `{"errcode":40082,"errmsg":"invalid suite_token"}`})
	if _, err := su.NewInstall(context.Background(), InstallParams{}); !wecom.IsCode(err, 40082) {
		t.Fatalf("got %v, want 40082", err)
	}
	f, su := start(t, nil)
	for name, p := range map[string]InstallParams{
		"state chars":  {State: "a-b"},
		"state length": {State: strings.Repeat("a", 129)},
		"relative":     {RedirectURI: "/installed"},
		"scheme":       {RedirectURI: "ftp://a.example.com/"},
	} {
		var ie *InputError
		if _, err := su.NewInstall(context.Background(), p); !errors.As(err, &ie) {
			t.Errorf("%s: got %v, want an InputError", name, err)
		}
	}
	for _, id := range []string{"", "ww 1"} {
		var ie *InputError
		if _, err := ValidateInstall(InstallParams{SuiteID: id}); !errors.As(err, &ie) || ie.Field != "suite-id" {
			t.Errorf("suite id %q: got %v", id, err)
		}
	}
	if calls := f.callLog(); len(calls) != 0 {
		t.Fatalf("invalid input reached WeCom: %q", calls)
	}
	w, err := ValidateInstall(InstallParams{SuiteID: "dk3b7e1f9a2c5d8e40", RedirectURI: "https://a.example.com/"})
	if err != nil || len(w) != 1 || !strings.Contains(w[0], "代开发") {
		t.Fatalf("template: %q %v", w, err)
	}
}

// The v1 example of DOC 90603, trimmed.
const permanentV1 = `{"errcode":0,"errmsg":"ok","access_token":"CORP_TOKEN","expires_in":7200,"permanent_code":"PERMANENT",
 "dealer_corp_info":{"corpid":"xxxx","corp_name":"name"},
 "auth_corp_info":{"corpid":"wwdemo","corp_name":"Demo Corp","corp_type":"verified","corp_full_name":"Demo Corp Ltd"},
 "auth_info":{"agent":[{"agentid":1000012,"name":"Demo App","auth_mode":0,"is_customized_app":false,"privilege":{"level":1}}]},
 "auth_user_info":{"userid":"zhangsan","open_userid":"woAJ2GCAAAXtWyujaWJHDDGi0mACHAAA","name":"张三"}}`

func TestExchangeV1(t *testing.T) {
	f, su := start(t, map[string]string{"/cgi-bin/service/get_permanent_code": permanentV1})
	a, err := su.Exchange(context.Background(), "AUTHCODE", false)
	if err != nil {
		t.Fatal(err)
	}
	if a.PermanentCode != "PERMANENT" || a.AccessToken != "CORP_TOKEN" || a.CorpID != "wwdemo" || a.CorpName != "Demo Corp" ||
		len(a.Agents) != 1 || a.Agents[0] != (Agent{AgentID: 1000012, Name: "Demo App"}) || a.AuthUser.UserID != "zhangsan" || a.V2 {
		t.Fatalf("authorization %+v", a)
	}
	if calls := f.apiCalls(); len(calls) != 1 || calls[0] != `POST /cgi-bin/service/get_permanent_code {"auth_code":"AUTHCODE"}` {
		t.Fatalf("calls %q", calls)
	}
}

func TestExchangeV2ReadsAgents(t *testing.T) {
	f, su := start(t, map[string]string{
		"/cgi-bin/service/v2/get_permanent_code": `{"permanent_code":"PERMANENT","auth_corp_info":{"corpid":"wwdemo","corp_name":"Demo"},"state":"s1"}`,
		"/cgi-bin/service/get_auth_info": `{"errcode":0,"errmsg":"ok","auth_corp_info":{"corpid":"wwdemo","corp_name":"Demo Corp"},` +
			`"auth_info":{"agent":[{"agentid":1000012,"name":"Demo App","is_customized_app":true}]}}`,
	})
	a, err := su.Exchange(context.Background(), "AUTHCODE", true)
	if err != nil {
		t.Fatal(err)
	}
	if !a.V2 || a.AccessToken != "" || a.State != "s1" || a.CorpName != "Demo Corp" || len(a.Agents) != 1 || !a.Agents[0].IsCustomizedApp {
		t.Fatalf("authorization %+v", a)
	}
	calls := f.apiCalls()
	if len(calls) != 2 || calls[1] != `POST /cgi-bin/service/get_auth_info {"auth_corpid":"wwdemo","permanent_code":"PERMANENT"}` {
		t.Fatalf("calls %q", calls)
	}
}

// When get_auth_info fails after v2 the permanent code is not lost.
func TestExchangeV2KeepsTheCodeWhenAgentsFail(t *testing.T) {
	_, su := start(t, map[string]string{
		"/cgi-bin/service/v2/get_permanent_code": `{"permanent_code":"PERMANENT","auth_corp_info":{"corpid":"wwdemo","corp_name":"Demo"}}`,
		"/cgi-bin/service/get_auth_info":         `{"errcode":40084,"errmsg":"invalid permanent_code"}`,
	})
	a, err := su.Exchange(context.Background(), "AUTHCODE", true)
	var ae *AgentsError
	if !errors.As(err, &ae) || !wecom.IsCode(err, 40084) || a.PermanentCode != "PERMANENT" || a.CorpID != "wwdemo" {
		t.Fatalf("got %+v, %v", a, err)
	}
}

// A spent code is never sent twice: a 5xx after the request left is not
// retried (the POST may have consumed the code).
func TestExchangeNotRepeated(t *testing.T) {
	f, su := start(t, map[string]string{"/cgi-bin/service/get_permanent_code": `{"errcode":-1,"errmsg":"system busy"}`})
	f.status["/cgi-bin/service/get_permanent_code"] = http.StatusBadGateway
	if _, err := su.Exchange(context.Background(), "AUTHCODE", false); err == nil {
		t.Fatal("no error")
	}
	if calls := f.apiCalls(); len(calls) != 1 {
		t.Fatalf("%d calls, want 1: %q", len(calls), calls)
	}
}

func TestExchangeRejects(t *testing.T) {
	f, su := start(t, map[string]string{"/cgi-bin/service/get_permanent_code": `{"errcode":0,"errmsg":"ok"}`})
	for _, code := range []string{"", "a b", strings.Repeat("x", 513)} {
		var ie *InputError
		if _, err := su.Exchange(context.Background(), code, false); !errors.As(err, &ie) {
			t.Errorf("%q: got %v", code, err)
		}
	}
	if calls := f.apiCalls(); len(calls) != 0 {
		t.Fatalf("invalid codes reached WeCom: %q", calls)
	}
	if _, err := su.Exchange(context.Background(), "AUTHCODE", false); err == nil || !strings.Contains(err.Error(), "without a permanent_code") {
		t.Fatalf("empty answer: %v", err)
	}
}

func TestUserInfo3rd(t *testing.T) {
	f, su := start(t, map[string]string{
		"/cgi-bin/service/auth/getuserinfo3rd":   `{"errcode":0,"errmsg":"ok","corpid":"wwdemo","userid":"zhangsan","user_ticket":"UT","expires_in":7200,"open_userid":"wo1"}`,
		"/cgi-bin/service/auth/getuserdetail3rd": `{"errcode":0,"errmsg":"ok","corpid":"wwdemo","userid":"zhangsan","name":"zhangsan","gender":"1"}`,
	})
	id, err := su.UserInfo(context.Background(), "CODE")
	if err != nil || id.Str("user_ticket") != "UT" || id.Str("corpid") != "wwdemo" {
		t.Fatalf("%v %v", id, err)
	}
	detail, err := su.UserDetail(context.Background(), "UT")
	if err != nil || detail.Str("gender") != "1" {
		t.Fatalf("%v %v", detail, err)
	}
	calls := f.apiCalls()
	if len(calls) != 2 || calls[0] != "GET /cgi-bin/service/auth/getuserinfo3rd " || calls[1] != `POST /cgi-bin/service/auth/getuserdetail3rd {"user_ticket":"UT"}` {
		t.Fatalf("calls %q", calls)
	}
}

// Every call runs inside WithToken, so a stale suite token (40082) is
// refreshed and the call sent again: WeCom refused it, so even the
// auth_code exchange did not happen.
func TestStaleSuiteTokenRetriedOnce(t *testing.T) {
	f, su := startWithToken(t, map[string]string{"/cgi-bin/service/get_permanent_code": permanentV1}, "OLD")
	a, err := su.Exchange(context.Background(), "AUTHCODE", false)
	if err != nil || a.PermanentCode != "PERMANENT" {
		t.Fatalf("%+v %v", a, err)
	}
	want := []string{"token refresh=false", `POST /cgi-bin/service/get_permanent_code {"auth_code":"AUTHCODE"}`,
		"token refresh=true", `POST /cgi-bin/service/get_permanent_code {"auth_code":"AUTHCODE"}`}
	if got := f.callLog(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("calls\n%s", strings.Join(got, "\n"))
	}
	// Any other refusal is not retried.
	f, su = start(t, map[string]string{"/cgi-bin/service/get_permanent_code": `{"errcode":40078,"errmsg":"invalid auth_code"}`})
	if _, err := su.Exchange(context.Background(), "AUTHCODE", false); !wecom.IsCode(err, 40078) {
		t.Fatalf("got %v", err)
	}
	if n := len(f.apiCalls()); n != 1 {
		t.Fatalf("%d calls", n)
	}
}
