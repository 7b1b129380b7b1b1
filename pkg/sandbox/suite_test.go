package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/callback"
)

// pushSink is a callback receiver on 127.0.0.1: it checks each push's
// signature, decrypts it with the demo suite's settings for its receive
// id and hands the decrypted fields to the test.
type pushSink struct {
	t     *testing.T
	url   string
	got   chan map[string]string
	reply string
}

func newPushSink(t *testing.T, suiteID string) *pushSink {
	t.Helper()
	p := &pushSink{t: t, got: make(chan map[string]string, 64), reply: "success"}
	cr, err := callback.New(DemoSuiteToken, DemoSuiteEncodingAESKey, suiteID)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		q := r.URL.Query()
		op, err := cr.Open(body, callback.Params{MsgSignature: q.Get("msg_signature"), Timestamp: q.Get("timestamp"), Nonce: q.Get("nonce")})
		if err != nil || !op.SignatureChecked || op.Plaintext.ReceiveID != suiteID {
			t.Errorf("push does not open for %s: %v (body %s)", suiteID, err, body)
			http.Error(w, "bad push", http.StatusBadRequest)
			return
		}
		f := callback.Fields(op.Plaintext.Message)
		f["_envelope_to"] = op.Envelope.ToUserName
		f["_raw"] = string(op.Plaintext.Message)
		f["_method"] = r.Method
		p.got <- f
		fmt.Fprint(w, p.reply)
	}))
	t.Cleanup(srv.Close)
	p.url = srv.URL + "/suite/receive?x=1"
	return p
}

// next waits (bounded) for the next push.
func (p *pushSink) next() map[string]string {
	p.t.Helper()
	select {
	case f := <-p.got:
		return f
	case <-time.After(10 * time.Second):
		p.t.Fatal("no push arrived within 10s")
		return nil
	}
}

// nextEvent waits for the next push that is not a suite_ticket (fetching
// a suite token pushes one).
func (p *pushSink) nextEvent() map[string]string {
	p.t.Helper()
	for range 100 {
		if f := p.next(); f["InfoType"] != "suite_ticket" {
			return f
		}
	}
	p.t.Fatal("only suite_ticket pushes")
	return nil
}

func (p *pushSink) none() {
	p.t.Helper()
	select {
	case f := <-p.got:
		p.t.Fatalf("unexpected push %v", f)
	default:
	}
}

func (e *env) ticket(suiteID string) string {
	e.t.Helper()
	t, _, err := e.s.PushSuiteTicket(suiteID)
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

func (e *env) suiteToken(suiteID, secret string) string {
	e.t.Helper()
	a := e.post("/cgi-bin/service/get_suite_token", jsonBody(map[string]string{
		"suite_id": suiteID, "suite_secret": secret, "suite_ticket": e.ticket(suiteID)}))
	wantCode(e.t, a, 0)
	return a.str("suite_access_token")
}

func jsonBody(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// control posts to a /_sandbox/suite/ endpoint and decodes the answer.
func (e *env) control(path string, body any, wantStatus int) map[string]any {
	e.t.Helper()
	a := e.post(path, jsonBody(body))
	if a.status != wantStatus {
		e.t.Fatalf("%s: HTTP %d, want %d: %s", path, a.status, wantStatus, a.raw)
	}
	return a.m
}

// install runs the provider-site install of suiteID by the demo corp and
// returns the suite token and the get_permanent_code answer.
func (e *env) install(suiteID, secret string) (string, answer) {
	e.t.Helper()
	st := e.suiteToken(suiteID, secret)
	pa := e.get("/cgi-bin/service/get_pre_auth_code", "suite_access_token", st)
	wantCode(e.t, pa, 0)
	auth := e.control("/_sandbox/suite/authorize", map[string]string{"suite_id": suiteID, "pre_auth_code": pa.str("pre_auth_code")}, 200)
	code, _ := auth["auth_code"].(string)
	pc := e.post("/cgi-bin/service/get_permanent_code", jsonBody(map[string]string{"auth_code": code}), "suite_access_token", st)
	wantCode(e.t, pc, 0)
	return st, pc
}

func TestSuiteTokenErrors(t *testing.T) {
	e := newEnv(t, Options{})
	ticket := e.ticket(DemoSuiteID)
	tplTicket := e.ticket(DemoTemplateID)
	body := func(id, secret, tk string) string {
		return jsonBody(map[string]string{"suite_id": id, "suite_secret": secret, "suite_ticket": tk})
	}
	for _, tc := range []struct {
		name, body string
		code       int
	}{
		{"not JSON", "{", 40058},
		{"no suite_id", body("", DemoSuiteSecret, ticket), 41021},
		{"unknown suite", body("wwffffffffffffffff", DemoSuiteSecret, ticket), 40083},
		{"no secret", body(DemoSuiteID, "", ticket), 41024},
		{"wrong secret", body(DemoSuiteID, DemoTemplateSecret, ticket), 40080},
		{"no ticket", body(DemoSuiteID, DemoSuiteSecret, ""), 41023},
		{"unknown ticket", body(DemoSuiteID, DemoSuiteSecret, "nope"), 40085},
		{"ticket of the template", body(DemoSuiteID, DemoSuiteSecret, tplTicket), 40085},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, e.post("/cgi-bin/service/get_suite_token", tc.body), tc.code) })
	}
	wantCode(t, e.get("/cgi-bin/service/get_suite_token"), 40058) // POST only

	ok := e.post("/cgi-bin/service/get_suite_token", body(DemoSuiteID, DemoSuiteSecret, ticket))
	wantCode(t, ok, 0)
	if len(ok.str("suite_access_token")) < 64 || ok.m["expires_in"] != float64(7200) {
		t.Fatalf("answer %s", ok.raw)
	}
	// the same token while it lives, even with a newer ticket
	e.s.Advance(25 * time.Minute) // the first ticket missed two pushes: still valid
	again := e.post("/cgi-bin/service/get_suite_token", body(DemoSuiteID, DemoSuiteSecret, ticket))
	wantCode(t, again, 0)
	if again.str("suite_access_token") != ok.str("suite_access_token") || again.m["expires_in"] != float64(7200-25*60) {
		t.Fatalf("second answer %s, first %s", again.raw, ok.raw)
	}
	e.s.Advance(5 * time.Minute) // 30 minutes: expired
	wantCode(t, e.post("/cgi-bin/service/get_suite_token", body(DemoSuiteID, DemoSuiteSecret, ticket)), 40085)
}

func TestSuiteTokenChecksOnServiceCalls(t *testing.T) {
	e := newEnv(t, Options{TokenTTL: time.Hour})
	st := e.suiteToken(DemoSuiteID, DemoSuiteSecret)
	wantCode(t, e.get("/cgi-bin/service/get_pre_auth_code"), 41022)
	wantCode(t, e.get("/cgi-bin/service/get_pre_auth_code", "suite_access_token", "bogus"), 40082)
	pt := e.post("/cgi-bin/service/get_provider_token", jsonBody(map[string]string{"corpid": DemoProviderCorpID, "provider_secret": DemoProviderSecret}))
	wantCode(t, pt, 0)
	wantCode(t, e.get("/cgi-bin/service/get_pre_auth_code", "suite_access_token", pt.str("provider_access_token")), 40082)
	// a corp access_token is no suite token
	wantCode(t, e.get("/cgi-bin/service/get_pre_auth_code", "suite_access_token", e.token(DemoAppSecret)), 40082)
	a := e.get("/cgi-bin/service/get_pre_auth_code", "suite_access_token", st)
	wantCode(t, a, 0)
	if len(a.str("pre_auth_code")) < 32 || a.m["expires_in"] != float64(1200) {
		t.Fatalf("pre_auth_code answer %s", a.raw)
	}
	e.s.Advance(time.Hour)
	wantCode(t, e.get("/cgi-bin/service/get_pre_auth_code", "suite_access_token", st), 42009)
	// a new ticket, a new token after expiry
	if st2 := e.suiteToken(DemoSuiteID, DemoSuiteSecret); st2 == st {
		t.Fatal("an expired suite token was handed out again")
	}
}

func TestProviderToken(t *testing.T) {
	e := newEnv(t, Options{})
	body := func(corp, secret string) string {
		return jsonBody(map[string]string{"corpid": corp, "provider_secret": secret})
	}
	wantCode(t, e.post("/cgi-bin/service/get_provider_token", body("", DemoProviderSecret)), 41002)
	wantCode(t, e.post("/cgi-bin/service/get_provider_token", body(DemoCorpID, DemoProviderSecret)), 40013)
	wantCode(t, e.post("/cgi-bin/service/get_provider_token", body(DemoProviderCorpID, "")), 41004)
	wantCode(t, e.post("/cgi-bin/service/get_provider_token", body(DemoProviderCorpID, DemoSuiteSecret)), 40001)
	a := e.post("/cgi-bin/service/get_provider_token", body(DemoProviderCorpID, DemoProviderSecret))
	wantCode(t, a, 0)
	b := e.post("/cgi-bin/service/get_provider_token", body(DemoProviderCorpID, DemoProviderSecret))
	if a.str("provider_access_token") == "" || b.str("provider_access_token") != a.str("provider_access_token") {
		t.Fatalf("provider tokens %s then %s: want the same live token (DOC 96237)", a.raw, b.raw)
	}
}

func TestSessionInfo(t *testing.T) {
	e := newEnv(t, Options{})
	st := e.suiteToken(DemoSuiteID, DemoSuiteSecret)
	tpl := e.suiteToken(DemoTemplateID, DemoTemplateSecret)
	pa := e.get("/cgi-bin/service/get_pre_auth_code", "suite_access_token", st).str("pre_auth_code")
	set := func(token string, body any) answer {
		return e.post("/cgi-bin/service/set_session_info", jsonBody(body), "suite_access_token", token)
	}
	wantCode(t, set(st, map[string]any{"pre_auth_code": "nope", "session_info": map[string]any{"auth_type": 1}}), 40077)
	wantCode(t, set(tpl, map[string]any{"pre_auth_code": pa, "session_info": map[string]any{"auth_type": 1}}), 40077)
	wantCode(t, set(st, map[string]any{"pre_auth_code": pa, "session_info": map[string]any{"appid": []int{1}}}), 40086)
	wantCode(t, set(st, map[string]any{"pre_auth_code": pa, "session_info": map[string]any{"auth_type": 2}}), 40035)
	wantCode(t, set(st, map[string]any{"pre_auth_code": pa, "session_info": map[string]any{"auth_type": 1}}), 0)
	auth := e.control("/_sandbox/suite/authorize", map[string]string{"pre_auth_code": pa}, 200)
	if auth["auth_type"] != float64(1) {
		t.Fatalf("test install not recorded: %v", auth)
	}
	e.s.Advance(20 * time.Minute)
	wantCode(t, set(st, map[string]any{"pre_auth_code": pa, "session_info": map[string]any{"auth_type": 1}}), 42007)
	m := e.control("/_sandbox/suite/authorize", map[string]string{"pre_auth_code": pa}, 400)
	if !strings.Contains(fmt.Sprint(m["error"]), "expired") {
		t.Fatalf("authorize with an expired pre_auth_code: %v", m)
	}
}

// The whole provider loop: install → permanent code → corp token → the
// existing endpoints accept it as the installed app's token.
func TestSuiteInstallCorpTokenWorksEverywhere(t *testing.T) {
	e := newEnv(t, Options{})
	st := e.suiteToken(DemoSuiteID, DemoSuiteSecret)
	pa := e.get("/cgi-bin/service/get_pre_auth_code", "suite_access_token", st).str("pre_auth_code")
	installURL := "https://open.work.weixin.qq.com/3rdapp/install?suite_id=" + DemoSuiteID + "&pre_auth_code=" + url.QueryEscape(pa) +
		"&redirect_uri=" + url.QueryEscape("https://app.example.com/installed?from=wwcli") + "&state=abc123"
	auth := e.control("/_sandbox/suite/authorize", map[string]string{"install_url": installURL}, 200)
	code, _ := auth["auth_code"].(string)
	redirect, _ := url.Parse(fmt.Sprint(auth["redirect_uri"]))
	if len(code) < 64 || redirect.Host != "app.example.com" || redirect.Query().Get("auth_code") != code ||
		redirect.Query().Get("state") != "abc123" || redirect.Query().Get("expires_in") != "600" || redirect.Query().Get("from") != "wwcli" {
		t.Fatalf("authorize answer %v", auth)
	}
	if auth["push"] != nil {
		t.Fatalf("a provider-site install pushes no create_auth (DOC 90642): %v", auth)
	}

	wantCode(t, e.post("/cgi-bin/service/get_permanent_code", `{"auth_code":"short"}`, "suite_access_token", st), 40058)
	wantCode(t, e.post("/cgi-bin/service/get_permanent_code", `{}`, "suite_access_token", st), 40078)
	wantCode(t, e.post("/cgi-bin/service/get_permanent_code", jsonBody(map[string]string{"suite_id": DemoTemplateID, "auth_code": code}), "suite_access_token", st), 48003)
	pc := e.post("/cgi-bin/service/get_permanent_code", jsonBody(map[string]string{"auth_code": code}), "suite_access_token", st)
	wantCode(t, pc, 0)
	wantCode(t, e.post("/cgi-bin/service/get_permanent_code", jsonBody(map[string]string{"auth_code": code}), "suite_access_token", st), 40078) // single use
	perm := pc.str("permanent_code")
	corp, _ := pc.m["auth_corp_info"].(map[string]any)
	agents := pc.m["auth_info"].(map[string]any)["agent"].([]any)
	agent := agents[0].(map[string]any)
	user, _ := pc.m["auth_user_info"].(map[string]any)
	if perm == "" || pc.str("access_token") == "" || corp["corpid"] != DemoCorpID || agent["agentid"] != float64(DemoSuiteAgentID) ||
		agent["is_customized_app"] != false || user["userid"] != "zhangsan" || !strings.HasPrefix(fmt.Sprint(user["open_userid"]), "wo") {
		t.Fatalf("get_permanent_code answer %s", pc.raw)
	}

	ct := e.post("/cgi-bin/service/get_corp_token", jsonBody(map[string]string{"auth_corpid": DemoCorpID, "permanent_code": perm}), "suite_access_token", st)
	wantCode(t, ct, 0)
	if ct.str("access_token") != pc.str("access_token") {
		t.Fatalf("get_corp_token %s: want the live corp token of get_permanent_code %s", ct.raw, pc.raw)
	}
	e.s.Advance(2 * time.Hour)
	st = e.suiteToken(DemoSuiteID, DemoSuiteSecret)
	wantCode(t, e.get("/cgi-bin/user/get", "access_token", ct.str("access_token"), "userid", "zhaoliu"), 42001)
	ct = e.post("/cgi-bin/service/get_corp_token", jsonBody(map[string]string{"auth_corpid": DemoCorpID, "permanent_code": perm}), "suite_access_token", st)
	wantCode(t, ct, 0)
	if ct.str("access_token") == pc.str("access_token") {
		t.Fatal("an expired corp token was handed out again")
	}
	pc.m["access_token"] = ct.str("access_token") // the live one, for the log check below
	// the corp token works on the endpoints of self-built apps, as agent 1000010
	at := ct.str("access_token")
	u := e.get("/cgi-bin/user/get", "access_token", at, "userid", "zhaoliu")
	wantCode(t, u, 0)
	if u.str("name") != "赵六" {
		t.Fatalf("user/get %s", u.raw)
	}
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", at), 0)
	wantCode(t, e.get("/cgi-bin/ticket/get", "access_token", at, "type", "agent_config"), 0)
	ag := e.get("/cgi-bin/agent/get", "access_token", at, "agentid", fmt.Sprint(DemoSuiteAgentID))
	wantCode(t, ag, 0)
	wantCode(t, e.get("/cgi-bin/agent/get", "access_token", at, "agentid", fmt.Sprint(DemoAgentID)), 301002)
	wantCode(t, e.post("/cgi-bin/message/send", jsonBody(map[string]any{"touser": "@all", "msgtype": "text",
		"agentid": DemoSuiteAgentID, "text": map[string]string{"content": "hi from the suite"}}), "access_token", at), 0)

	ai := e.post("/cgi-bin/service/get_auth_info", jsonBody(map[string]string{"auth_corpid": DemoCorpID, "permanent_code": perm}), "suite_access_token", st)
	wantCode(t, ai, 0)
	if !strings.Contains(ai.raw, `"agentid":1000010`) || !strings.Contains(ai.raw, `"corp_wxqrcode"`) {
		t.Fatalf("get_auth_info %s", ai.raw)
	}
	ai2 := e.post("/cgi-bin/service/v2/get_auth_info", jsonBody(map[string]string{"auth_corpid": DemoCorpID, "permanent_code": perm}), "suite_access_token", st)
	wantCode(t, ai2, 0)
	if !strings.Contains(ai2.raw, `"corp_ex_name"`) || strings.Contains(ai2.raw, "corp_wxqrcode") {
		t.Fatalf("v2/get_auth_info %s", ai2.raw)
	}

	// permanent-code errors
	tpl := e.suiteToken(DemoTemplateID, DemoTemplateSecret)
	for _, tc := range []struct {
		name, token, corp, perm string
		code                    int
	}{
		{"no permanent code", st, DemoCorpID, "", 41025},
		{"no corp", st, "", perm, 41002},
		{"wrong code", st, DemoCorpID, "nope", 40084},
		{"another corp", st, "wwffffffffffffffff", perm, 40084},
		{"another suite's token", tpl, DemoCorpID, perm, 40084},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := jsonBody(map[string]string{"auth_corpid": tc.corp, "permanent_code": tc.perm})
			wantCode(t, e.post("/cgi-bin/service/get_corp_token", body, "suite_access_token", tc.token), tc.code)
			wantCode(t, e.post("/cgi-bin/service/get_auth_info", body, "suite_access_token", tc.token), tc.code)
		})
	}

	wantCode(t, e.post("/cgi-bin/service/get_corp_token", jsonBody(map[string]string{"suite_id": DemoTemplateID,
		"auth_corpid": DemoCorpID, "permanent_code": perm}), "suite_access_token", st), 48003)
	wantCode(t, e.post("/cgi-bin/service/get_corp_token", jsonBody(map[string]string{"suite_id": DemoSuiteID,
		"auth_corpid": DemoCorpID, "permanent_code": perm}), "suite_access_token", st), 0)

	// re-authorizing keeps the permanent code
	auth2 := e.control("/_sandbox/suite/authorize", map[string]string{}, 200) // market install: no pre_auth_code
	pc2 := e.post("/cgi-bin/service/v2/get_permanent_code", jsonBody(map[string]string{"auth_code": fmt.Sprint(auth2["auth_code"])}), "suite_access_token", st)
	wantCode(t, pc2, 0)
	if pc2.str("permanent_code") != perm || pc2.str("access_token") != "" || pc2.m["auth_info"] != nil || !strings.Contains(pc2.raw, `"state":""`) {
		t.Fatalf("v2/get_permanent_code %s", pc2.raw)
	}
	// the request log names the calls but none of the secrets, tokens and codes
	log := e.logText()
	for _, secret := range []string{st, perm, code, pa, pc.str("access_token"), DemoSuiteSecret} {
		if strings.Contains(log, secret) {
			t.Fatalf("the request log shows %q:\n%s", secret, log)
		}
	}
	if !strings.Contains(log, "GET /cgi-bin/service/get_pre_auth_code?suite_access_token=*** -> 200 errcode=0") {
		t.Fatalf("request log:\n%s", log)
	}
}

func TestCustomizedAppPermanentCodeIsTheSecret(t *testing.T) {
	e := newEnv(t, Options{})
	sink := newPushSink(t, DemoTemplateID)
	if err := e.s.SetSuiteCallback(DemoTemplateID, sink.url); err != nil {
		t.Fatal(err)
	}
	if f := sink.next(); f["InfoType"] != "suite_ticket" || f["SuiteId"] != DemoTemplateID {
		t.Fatalf("first push %v", f)
	}
	_, pc := e.install(DemoTemplateID, DemoTemplateSecret)
	create := sink.nextEvent() // a 代开发 install pushes create_auth (DOC 90642)
	if create["InfoType"] != "create_auth" || len(create["AuthCode"]) < 64 {
		t.Fatalf("create_auth push %v", create)
	}
	if pc.str("access_token") != "" || !strings.Contains(pc.raw, `"is_customized_app":true`) || !strings.Contains(pc.raw, `"agentid":1000011`) {
		t.Fatalf("代开发 get_permanent_code %s", pc.raw)
	}
	perm := pc.str("permanent_code")
	g := e.get("/cgi-bin/gettoken", "corpid", DemoCorpID, "corpsecret", perm)
	wantCode(t, g, 0)
	at := g.str("access_token")
	wantCode(t, e.get("/cgi-bin/user/get", "access_token", at, "userid", "lisi"), 0)
	wantCode(t, e.get("/cgi-bin/gettoken", "corpid", "wwffffffffffffffff", "corpsecret", perm), 40013)
	wantCode(t, e.get("/cgi-bin/gettoken", "corpid", DemoCorpID, "corpsecret", DemoAppSecret), 0) // self-built still works

	// 代开发 apps log members in with auth/getuserinfo (DOC 91121)
	code := e.code(CodeRequest{UserID: "wangwu", AgentID: DemoTemplateAgentID})
	ui := e.get("/cgi-bin/auth/getuserinfo", "access_token", at, "code", code)
	wantCode(t, ui, 0)
	if ui.str("userid") != "wangwu" {
		t.Fatalf("auth/getuserinfo %s", ui.raw)
	}
	m := e.control("/_sandbox/suite/code", map[string]string{"suite_id": DemoTemplateID, "userid": "wangwu"}, 400)
	if !strings.Contains(fmt.Sprint(m["error"]), "auth/getuserinfo") {
		t.Fatalf("suite code for a template: %v", m)
	}

	// 重新获取secret: reset_permanent_code → a new permanent code, the old one retires
	reset := e.control("/_sandbox/suite/reset_permanent_code", map[string]string{"suite_id": DemoTemplateID}, 200)
	f := sink.nextEvent()
	if f["InfoType"] != "reset_permanent_code" || f["AuthCode"] != reset["auth_code"] || !strings.Contains(f["_raw"], "<TimeStamp>") {
		t.Fatalf("reset push %v, control %v", f, reset)
	}
	tpl := e.suiteToken(DemoTemplateID, DemoTemplateSecret)
	pc2 := e.post("/cgi-bin/service/get_permanent_code", jsonBody(map[string]string{"auth_code": f["AuthCode"]}), "suite_access_token", tpl)
	wantCode(t, pc2, 0)
	if pc2.str("permanent_code") == perm {
		t.Fatal("reset_permanent_code kept the old code")
	}
	wantCode(t, e.get("/cgi-bin/gettoken", "corpid", DemoCorpID, "corpsecret", perm), 40001)
	wantCode(t, e.get("/cgi-bin/gettoken", "corpid", DemoCorpID, "corpsecret", pc2.str("permanent_code")), 0)
	m = e.control("/_sandbox/suite/reset_permanent_code", map[string]string{"suite_id": DemoSuiteID}, 400)
	if !strings.Contains(fmt.Sprint(m["error"]), "代开发") {
		t.Fatalf("reset for a third-party suite: %v", m)
	}
}

func TestUserInfo3rd(t *testing.T) {
	e := newEnv(t, Options{})
	st := e.suiteToken(DemoSuiteID, DemoSuiteSecret)
	code := func(body map[string]string) string {
		m := e.control("/_sandbox/suite/code", body, 200)
		return fmt.Sprint(m["code"])
	}
	info := func(c string) answer {
		return e.get("/cgi-bin/service/auth/getuserinfo3rd", "suite_access_token", st, "code", c)
	}
	// before the install: the userid comes encrypted, no user_ticket
	a := info(code(map[string]string{"userid": "lisi", "scope": "snsapi_privateinfo"}))
	wantCode(t, a, 0)
	if a.str("userid") == "lisi" || a.str("user_ticket") != "" || a.str("corpid") != DemoCorpID || a.str("open_userid") == "" {
		t.Fatalf("getuserinfo3rd before install %s", a.raw)
	}
	openID := a.str("open_userid")

	e.install(DemoSuiteID, DemoSuiteSecret)
	c := code(map[string]string{"userid": "lisi", "scope": "snsapi_privateinfo"})
	a = info(c)
	wantCode(t, a, 0)
	if a.str("userid") != "lisi" || a.str("user_ticket") == "" || a.m["expires_in"] != float64(7200) || a.str("open_userid") != openID {
		t.Fatalf("getuserinfo3rd %s", a.raw)
	}
	wantCode(t, info(c), 40029) // single use
	wantCode(t, e.get("/cgi-bin/service/auth/getuserinfo3rd", "suite_access_token", st), 41008)
	webCode, err := e.s.IssueSuiteCode(SuiteCodeRequest{UserID: "lisi", Scope: "snsapi_privateinfo", Web: true})
	if err != nil {
		t.Fatal(err)
	}
	web := info(webCode)
	wantCode(t, web, 0)
	if web.str("userid") != "lisi" || web.str("user_ticket") != "" {
		t.Fatalf("a web-login code gave %s: no user_ticket (DOC 98179)", web.raw)
	}
	base := info(code(map[string]string{"userid": "lisi"}))
	wantCode(t, base, 0)
	if base.str("user_ticket") != "" {
		t.Fatalf("snsapi_base gave a user_ticket: %s", base.raw)
	}
	// the legacy path (DOC 91711) answers with capitalised names
	legacy := e.get("/cgi-bin/service/getuserinfo3rd", "suite_access_token", st, "code", code(map[string]string{"userid": "lisi", "scope": "snsapi_privateinfo"}))
	wantCode(t, legacy, 0)
	if legacy.str("UserId") != "lisi" || legacy.str("CorpId") != DemoCorpID || legacy.str("DeviceId") == "" ||
		legacy.str("user_ticket") == "" || legacy.str("open_userid") != openID || legacy.str("userid") != "" {
		t.Fatalf("legacy getuserinfo3rd %s", legacy.raw)
	}
	wantCode(t, e.post("/cgi-bin/service/getuserdetail3rd", jsonBody(map[string]string{"user_ticket": legacy.str("user_ticket")}), "suite_access_token", st), 0)
	legacyNon := e.get("/cgi-bin/service/getuserinfo3rd", "suite_access_token", st, "code", code(map[string]string{"openid": "oVisitor2"}))
	if legacyNon.str("OpenId") != "oVisitor2" || legacyNon.str("DeviceId") == "" {
		t.Fatalf("legacy non-member %s", legacyNon.raw)
	}
	non := info(code(map[string]string{"openid": "oVisitor1"}))
	wantCode(t, non, 0)
	if non.str("openid") != "oVisitor1" || non.str("userid") != "" {
		t.Fatalf("non-member %s", non.raw)
	}
	expired := code(map[string]string{"userid": "lisi"})
	e.s.Advance(5*time.Minute + time.Second)
	wantCode(t, info(expired), 40029)

	detail := func(ticket string) answer {
		return e.post("/cgi-bin/service/auth/getuserdetail3rd", jsonBody(map[string]string{"user_ticket": ticket}), "suite_access_token", st)
	}
	st = e.suiteToken(DemoSuiteID, DemoSuiteSecret) // the clock moved; same token still live
	d := detail(a.str("user_ticket"))
	wantCode(t, d, 0)
	if d.str("userid") != "lisi" || d.str("name") != "lisi" || d.str("gender") != "1" || d.str("corpid") != DemoCorpID {
		t.Fatalf("getuserdetail3rd %s", d.raw)
	}
	wantCode(t, detail(""), 84090)
	wantCode(t, detail("nope"), 84015)
	e.s.Advance(2 * time.Hour)
	st = e.suiteToken(DemoSuiteID, DemoSuiteSecret)
	wantCode(t, detail(a.str("user_ticket")), 84014)

	for _, bad := range []map[string]string{{"userid": "nobody"}, {}, {"userid": "lisi", "openid": "x"},
		{"userid": "lisi", "scope": "snsapi_admin"}, {"suite_id": "wwnope", "userid": "lisi"}} {
		e.control("/_sandbox/suite/code", bad, 400)
	}
}

func TestSuiteTicketPushes(t *testing.T) {
	e := newEnv(t, Options{})
	sink := newPushSink(t, DemoSuiteID)
	e.control("/_sandbox/suite/callback", map[string]string{"suite_id": DemoSuiteID, "url": sink.url}, 200)
	first := sink.next()
	if first["_method"] != http.MethodPost || first["_envelope_to"] != DemoSuiteID || first["InfoType"] != "suite_ticket" ||
		first["SuiteId"] != DemoSuiteID || first["TimeStamp"] != fmt.Sprint(testEpoch.Unix()) || first["SuiteTicket"] == "" {
		t.Fatalf("first push %v", first)
	}
	if !strings.HasPrefix(first["_raw"], "<xml><SuiteId><![CDATA["+DemoSuiteID+"]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType><TimeStamp>") {
		t.Fatalf("push XML %s", first["_raw"])
	}
	// the pushed ticket gets a suite token
	wantCode(t, e.post("/cgi-bin/service/get_suite_token", jsonBody(map[string]string{"suite_id": DemoSuiteID,
		"suite_secret": DemoSuiteSecret, "suite_ticket": first["SuiteTicket"]})), 0)

	// nothing is due before 10 sandbox minutes; moving the clock pushes
	e.s.Advance(9 * time.Minute)
	e.s.pushDueTickets()
	sink.none()
	e.control("/_sandbox/clock", map[string]string{"advance": "1m"}, 200)
	second := sink.next()
	if second["SuiteTicket"] == first["SuiteTicket"] || second["TimeStamp"] != fmt.Sprint(testEpoch.Add(10*time.Minute).Unix()) {
		t.Fatalf("second push %v after %v", second, first)
	}

	// on demand: pushed and returned
	m := e.control("/_sandbox/suite/push_ticket", map[string]string{"suite_id": DemoSuiteID}, 200)
	third := sink.next()
	push, _ := m["push"].(map[string]any)
	if m["suite_ticket"] != third["SuiteTicket"] || push["ok"] != true || m["expires_in"] != float64(1800) {
		t.Fatalf("push_ticket %v, pushed %v", m, third)
	}
	info := e.get("/_sandbox/suite")
	if !strings.Contains(info.raw, sink.url[:20]) || !strings.Contains(info.raw, `"ticket_age_seconds":0`) || strings.Contains(info.raw, DemoSuiteSecret) {
		t.Fatalf("/_sandbox/suite %s", info.raw)
	}

	// a receiver that does not answer "success" is reported, and tried again a minute later
	sink.reply = "oops"
	m = e.control("/_sandbox/suite/push_ticket", map[string]string{}, 200)
	sink.next()
	push, _ = m["push"].(map[string]any)
	if push["ok"] != false || !strings.Contains(fmt.Sprint(push["error"]), `"success"`) {
		t.Fatalf("failed push reported as %v", m)
	}
	// what the URL answered goes to the log, never back to the caller (SSRF)
	if raw, _ := json.Marshal(m); strings.Contains(string(raw), "oops") || push["status"] != nil || push["reply"] != nil {
		t.Fatalf("the control API echoes the URL's answer: %s", raw)
	}
	sink.reply = "success"
	e.s.Advance(time.Minute)
	if f := sink.next(); f["InfoType"] != "suite_ticket" {
		t.Fatalf("retry %v", f)
	}
	if !strings.Contains(e.logText(), "PUSH suite_ticket "+DemoSuiteID) {
		t.Fatalf("pushes not logged: %s", e.logText())
	}

	// no URL: the ticket still comes back, nothing is pushed
	e.control("/_sandbox/suite/callback", map[string]string{"url": ""}, 200)
	m = e.control("/_sandbox/suite/push_ticket", map[string]string{}, 200)
	if m["suite_ticket"] == "" || m["push"] != nil {
		t.Fatalf("push_ticket without a URL %v", m)
	}
	sink.none()
}

func TestSuiteCallbackOption(t *testing.T) {
	sink := newPushSink(t, DemoSuiteID)
	e := newEnv(t, Options{SuiteCallbacks: map[string]string{DemoSuiteID: sink.url}})
	if f := sink.next(); f["InfoType"] != "suite_ticket" {
		t.Fatalf("push at start %v", f)
	}
	// Reset keeps the configured URL and pushes again
	e.post("/_sandbox/reset", "")
	if f := sink.next(); f["InfoType"] != "suite_ticket" {
		t.Fatalf("push after reset %v", f)
	}
}

func TestSuiteAuthEvents(t *testing.T) {
	e := newEnv(t, Options{})
	sink := newPushSink(t, DemoSuiteID)
	if err := e.s.SetSuiteCallback("", sink.url); err != nil {
		t.Fatal(err)
	}
	sink.next() // the first suite_ticket
	st := e.suiteToken(DemoSuiteID, DemoSuiteSecret)

	// market install: create_auth carries the auth code
	auth := e.control("/_sandbox/suite/authorize", map[string]string{"state": "s1"}, 200)
	f := sink.nextEvent()
	if f["InfoType"] != "create_auth" || f["AuthCode"] != auth["auth_code"] || f["State"] != "s1" || f["SuiteId"] != DemoSuiteID {
		t.Fatalf("create_auth %v for %v", f, auth)
	}
	if p, _ := auth["push"].(map[string]any); p["ok"] != true {
		t.Fatalf("authorize push %v", auth)
	}
	pc := e.post("/cgi-bin/service/get_permanent_code", jsonBody(map[string]string{"auth_code": f["AuthCode"]}), "suite_access_token", st)
	wantCode(t, pc, 0)
	perm, at := pc.str("permanent_code"), pc.str("access_token")

	e.control("/_sandbox/suite/change_auth", map[string]string{}, 200)
	if f := sink.nextEvent(); f["InfoType"] != "change_auth" || f["AuthCorpId"] != DemoCorpID {
		t.Fatalf("change_auth %v", f)
	}
	e.control("/_sandbox/suite/cancel_auth", map[string]string{"corpid": DemoCorpID}, 200)
	if f := sink.nextEvent(); f["InfoType"] != "cancel_auth" || f["AuthCorpId"] != DemoCorpID {
		t.Fatalf("cancel_auth %v", f)
	}
	wantCode(t, e.post("/cgi-bin/service/get_corp_token", jsonBody(map[string]string{"auth_corpid": DemoCorpID, "permanent_code": perm}), "suite_access_token", st), 40084)
	wantCode(t, e.get("/cgi-bin/user/get", "access_token", at, "userid", "lisi"), 40014)
	m := e.control("/_sandbox/suite/cancel_auth", map[string]string{}, 400)
	if !strings.Contains(fmt.Sprint(m["error"]), "authorize it first") {
		t.Fatalf("second cancel %v", m)
	}
}

func TestSuiteControlErrors(t *testing.T) {
	e := newEnv(t, Options{})
	for _, tc := range []struct {
		path   string
		body   string
		status int
		want   string
	}{
		{"/_sandbox/suite/callback", `{"url":"ftp://x"}`, 400, "absolute http(s) URL"},
		{"/_sandbox/suite/callback", `{"suite_id":"wwnope","url":"http://127.0.0.1:1/"}`, 400, "unknown"},
		{"/_sandbox/suite/push_ticket", `{"suite":"x"}`, 400, "invalid JSON"},
		{"/_sandbox/suite/authorize", `{"state":"not ok!"}`, 400, "state"},
		{"/_sandbox/suite/authorize", `{"pre_auth_code":"nope"}`, 400, "预授权码校验失败"},
		{"/_sandbox/suite/authorize", `{"corpid":"wwnope"}`, 400, "not in the fixtures"},
		{"/_sandbox/suite/authorize", `{"userid":"nobody"}`, 400, "not a member"},
		{"/_sandbox/suite/authorize", `{"redirect_uri":"/relative"}`, 400, "redirect_uri"},
		{"/_sandbox/suite/authorize", `{"install_url":"https://example.com/other?x=1"}`, 400, "3rdapp/install"},
		{"/_sandbox/suite/authorize", `{"install_url":"https://open.work.weixin.qq.com/3rdapp/install?suite_id=x"}`, 400, "no pre_auth_code"},
		{"/_sandbox/suite/change_auth", `{}`, 400, "authorize it first"},
	} {
		a := e.post(tc.path, tc.body)
		if a.status != tc.status || !strings.Contains(a.str("error"), tc.want) {
			t.Errorf("%s %s: HTTP %d %s, want %d with %q", tc.path, tc.body, a.status, a.raw, tc.status, tc.want)
		}
	}
	if a := e.get("/_sandbox/suite/authorize"); a.status != http.StatusMethodNotAllowed {
		t.Errorf("GET authorize: %d %s", a.status, a.raw)
	}
	if a := e.post("/_sandbox/suite", "{}"); a.status != http.StatusMethodNotAllowed {
		t.Errorf("POST /_sandbox/suite: %d %s", a.status, a.raw)
	}
}

func TestSuiteAgentIDAvoidsFixtureClash(t *testing.T) {
	fx := DemoFixtures()
	fx.Corps[0].Apps = append(fx.Corps[0].Apps, App{AgentID: DemoSuiteAgentID, Name: "taken", Secret: "TakenSecret"})
	e := newEnv(t, Options{Fixtures: fx})
	_, pc := e.install(DemoSuiteID, DemoSuiteSecret)
	if _, tpl := e.install(DemoTemplateID, DemoTemplateSecret); !strings.Contains(tpl.raw, `"agentid":1000012`) {
		t.Fatalf("template agentid after the suite took 1000011: %s", tpl.raw)
	}
	if !strings.Contains(pc.raw, `"agentid":1000011`) { // 1000010 taken: the next free one
		t.Fatalf("agentid with a clash: %s", pc.raw)
	}
}

func TestResetForgetsInstalls(t *testing.T) {
	e := newEnv(t, Options{})
	st, pc := e.install(DemoSuiteID, DemoSuiteSecret)
	e.s.Reset()
	wantCode(t, e.post("/cgi-bin/service/get_corp_token", jsonBody(map[string]string{"auth_corpid": DemoCorpID,
		"permanent_code": pc.str("permanent_code")}), "suite_access_token", st), 40082)
}

// Many clients at once (run with -race): tokens, installs, codes and
// pushes share the server's lock; every answer is a success.
func TestSuiteConcurrency(t *testing.T) {
	e := newEnv(t, Options{})
	sink := newPushSink(t, DemoSuiteID)
	go func() { // drain
		for range sink.got {
		}
	}()
	if err := e.s.SetSuiteCallback(DemoSuiteID, sink.url); err != nil {
		t.Fatal(err)
	}
	st, pc := e.install(DemoSuiteID, DemoSuiteSecret)
	perm := pc.str("permanent_code")
	ticket := e.ticket(DemoSuiteID)
	var wg sync.WaitGroup
	errs := make(chan string, 200)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				var a answer
				switch (i + j) % 5 {
				case 0:
					a = e.post("/cgi-bin/service/get_suite_token", jsonBody(map[string]string{"suite_id": DemoSuiteID,
						"suite_secret": DemoSuiteSecret, "suite_ticket": ticket}))
					if a.str("suite_access_token") != st {
						errs <- "a second suite token while the first lives: " + a.raw
					}
				case 1:
					a = e.post("/cgi-bin/service/get_corp_token", jsonBody(map[string]string{"auth_corpid": DemoCorpID, "permanent_code": perm}), "suite_access_token", st)
				case 2:
					_, _, err := e.s.PushSuiteTicket("")
					if err != nil {
						errs <- err.Error()
					}
					continue
				case 3:
					code, err := e.s.IssueSuiteCode(SuiteCodeRequest{UserID: "alice"})
					if err != nil {
						errs <- err.Error()
						continue
					}
					a = e.get("/cgi-bin/service/auth/getuserinfo3rd", "suite_access_token", st, "code", code)
				case 4:
					a = e.get("/cgi-bin/service/get_pre_auth_code", "suite_access_token", st)
				}
				if a.code() != 0 {
					errs <- a.raw
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}

// verifySink answers URL verification GETs, decrypting for receiveID.
func verifySink(t *testing.T, receiveID string) string {
	t.Helper()
	cr, err := callback.New(DemoSuiteToken, DemoSuiteEncodingAESKey, receiveID)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			fmt.Fprint(w, "success")
			return
		}
		q := r.URL.Query()
		plain, err := cr.VerifyURL(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), q.Get("echostr"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = w.Write(plain)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/suite"
}

func TestSuiteCallbackVerification(t *testing.T) {
	e := newEnv(t, Options{})
	// decrypting the GET for the suite id is the classic mistake: refused, not set
	wrong := verifySink(t, DemoSuiteID)
	m := e.control("/_sandbox/suite/callback", map[string]any{"url": wrong, "verify": true}, 400)
	if msg := fmt.Sprint(m["error"]); !strings.Contains(msg, "URL verification failed") || !strings.Contains(msg, DemoProviderCorpID) {
		t.Fatalf("wrong receive id: %v", m)
	}
	if info := e.get("/_sandbox/suite"); strings.Contains(info.raw, wrong) {
		t.Fatalf("a URL that failed verification was set: %s", info.raw)
	}
	right := verifySink(t, DemoProviderCorpID)
	m = e.control("/_sandbox/suite/callback", map[string]any{"url": right, "verify": true}, 200)
	if m["verified"] != true {
		t.Fatalf("verification %v", m)
	}
	if info := e.get("/_sandbox/suite"); !strings.Contains(info.raw, right) {
		t.Fatalf("the verified URL is not set: %s", info.raw)
	}
	if err := e.s.VerifySuiteCallback("", "http://127.0.0.1:1/x"); err == nil || !strings.Contains(err.Error(), "URL verification failed") {
		t.Fatalf("unreachable URL: %v", err)
	}
}

// The pusher stops with the server: after Close nothing is pushed, even
// when a push falls due.
func TestSuitePusherStopsWithServer(t *testing.T) {
	sink := newPushSink(t, DemoSuiteID)
	s := New(Options{Now: func() time.Time { return testEpoch }, SuiteCallbacks: map[string]string{DemoSuiteID: sink.url}})
	if _, err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	sink.next() // the push at start
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s.Advance(time.Hour)
	time.Sleep(3 * suitePollEvery / 2) // longer than the pusher's poll
	sink.none()
}

// Userids are case-insensitive (DOC 90196): the control calls take any
// case and answer with the member's own spelling.
func TestSuiteUserIDsIgnoreCase(t *testing.T) {
	e := newEnv(t, Options{})
	st, _ := e.install(DemoSuiteID, DemoSuiteSecret)
	code, err := e.s.IssueSuiteCode(SuiteCodeRequest{UserID: "LiSi"})
	if err != nil {
		t.Fatal(err)
	}
	a := e.get("/cgi-bin/service/auth/getuserinfo3rd", "suite_access_token", st, "code", code)
	wantCode(t, a, 0)
	if a.str("userid") != "lisi" {
		t.Fatalf("getuserinfo3rd %s", a.raw)
	}
	auth, err := e.s.AuthorizeSuite(SuiteAuthorizeRequest{UserID: "WangWu"})
	if err != nil {
		t.Fatal(err)
	}
	pc := e.post("/cgi-bin/service/v2/get_permanent_code", jsonBody(map[string]string{"auth_code": auth.AuthCode}), "suite_access_token", st)
	if !strings.Contains(pc.raw, `"userid":"wangwu"`) {
		t.Fatalf("auth_user_info %s", pc.raw)
	}
}
