package sandbox

import (
	"strings"
	"testing"
	"time"
)

// F1: userids are case-insensitive (DOC 90196); invaliduser comes back
// lowercase (DOC 90236).
func TestUserIDsAreCaseInsensitive(t *testing.T) {
	e := newEnv(t, Options{})
	at := e.token(DemoAppSecret)
	a := e.get("/cgi-bin/user/get", "access_token", at, "userid", "ZhangSan")
	wantCode(t, a, 0)
	if a.str("userid") != "zhangsan" {
		t.Fatalf("user/get ZhangSan answered userid %q", a.str("userid"))
	}
	a = e.post("/cgi-bin/message/send", `{"touser":"ZHANGSAN|NoBody","msgtype":"text","agentid":1000002,"text":{"content":"hi"}}`, "access_token", at)
	wantCode(t, a, 0)
	if a.str("invaliduser") != "nobody" {
		t.Fatalf("invaliduser %q, want it lowercased: %s", a.str("invaliduser"), a.raw)
	}
	if m := e.s.Messages(); len(m) != 1 || len(m[0].ToUsers) != 1 || m[0].ToUsers[0] != "zhangsan" {
		t.Fatalf("recipients: %+v", m)
	}
	code := e.code(CodeRequest{UserID: "ZhangSan"})
	a = e.get("/cgi-bin/auth/getuserinfo", "access_token", at, "code", code)
	if wantCode(t, a, 0); a.str("userid") != "zhangsan" {
		t.Fatalf("getuserinfo answered %q, want the member's own spelling", a.str("userid"))
	}
	// app 2 sees zhangsan through allow_users, in any case
	at2 := e.token(DemoApp2Secret)
	wantCode(t, e.get("/cgi-bin/user/get", "access_token", at2, "userid", "ZHANGSAN"), 0)
}

// F2: a repeated gettoken within the lifetime returns the same token with
// what is left of expires_in (DOC 91039, 2020 copy); tickets likewise.
func TestRepeatedGetTokenReturnsTheLiveToken(t *testing.T) {
	e := newEnv(t, Options{})
	first := e.get("/cgi-bin/gettoken", "corpid", DemoCorpID, "corpsecret", DemoAppSecret)
	e.s.Advance(100 * time.Second)
	again := e.get("/cgi-bin/gettoken", "corpid", DemoCorpID, "corpsecret", DemoAppSecret)
	if first.str("access_token") != again.str("access_token") {
		t.Fatal("a second gettoken within the lifetime minted a new token")
	}
	if n, _ := again.m["expires_in"].(float64); n != 7100 {
		t.Fatalf("expires_in %v, want 7100 (what is left)", again.m["expires_in"])
	}
	// another secret: another token
	if e.token(DemoApp2Secret) == first.str("access_token") || e.token(DemoContactSecret) == first.str("access_token") {
		t.Fatal("tokens must be per secret")
	}
	at := first.str("access_token")
	t1 := e.get("/cgi-bin/get_jsapi_ticket", "access_token", at)
	t2 := e.get("/cgi-bin/get_jsapi_ticket", "access_token", at)
	a1 := e.get("/cgi-bin/ticket/get", "access_token", at, "type", "agent_config")
	a2 := e.get("/cgi-bin/ticket/get", "access_token", at, "type", "agent_config")
	if t1.str("ticket") == "" || t1.str("ticket") != t2.str("ticket") || a1.str("ticket") != a2.str("ticket") || a1.str("ticket") == t1.str("ticket") {
		t.Fatalf("tickets: jsapi %q %q, agent %q %q", t1.str("ticket"), t2.str("ticket"), a1.str("ticket"), a2.str("ticket"))
	}
	// after expiry: a new token, and the old one answers 42001
	e.s.Advance(2 * time.Hour)
	fresh := e.token(DemoAppSecret)
	if fresh == at {
		t.Fatal("an expired token was handed out again")
	}
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", at), 42001)
	if e.get("/cgi-bin/get_jsapi_ticket", "access_token", fresh).str("ticket") == t1.str("ticket") {
		t.Fatal("an expired ticket was handed out again")
	}
}

// A path WeCom does not have: HTTP 404, no errcode (unknown.go).
func TestUnknownPathIsNotAnErrcode(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.get("/cgi-bin/user/gett")
	if a.status != 404 || strings.Contains(a.raw, "errcode") || !strings.Contains(a.raw, "/cgi-bin/user/gett: no such endpoint") {
		t.Fatalf("%d %s", a.status, a.raw)
	}
}

// F5: made-up media_ids and empty template cards are refused.
func TestMessageSendRefusesMadeUpMediaAndEmptyCards(t *testing.T) {
	e := newEnv(t, Options{})
	at := e.token(DemoAppSecret)
	wantCode(t, e.post("/cgi-bin/message/send", `{"touser":"zhangsan","msgtype":"image","agentid":1000002,"image":{"media_id":"bogus"}}`, "access_token", at), 40007)
	wantCode(t, e.post("/cgi-bin/message/send", `{"touser":"zhangsan","msgtype":"template_card","agentid":1000002,"template_card":{}}`, "access_token", at), 42031)
	wantCode(t, e.post("/cgi-bin/message/send", `{"touser":"zhangsan","msgtype":"template_card","agentid":1000002,"template_card":{"card_type":"text_notice"}}`, "access_token", at), 40058)
}

func TestTokenTTLWarning(t *testing.T) {
	if w := TokenTTLWarning(2 * time.Hour); w != "" {
		t.Fatalf("default TTL warned: %s", w)
	}
	w := TokenTTLWarning(2 * time.Minute)
	for _, want := range []string{"2m0s", "1500s", "30m", "silenceper", "go-workwx"} {
		if !strings.Contains(w, want) {
			t.Fatalf("warning %q lacks %q", w, want)
		}
	}
	if w := TokenTTLWarning(27 * time.Minute); !strings.Contains(w, "go-workwx") || strings.Contains(w, "silenceper") {
		t.Fatalf("27m: %q", w)
	}
}

// A forced rotation: new values next time; with invalidate, the old token
// answers 40014 at once (early invalidation, DOC 91039).
func TestRotateTokens(t *testing.T) {
	e := newEnv(t, Options{})
	at := e.token(DemoAppSecret)
	if a := e.post("/_sandbox/rotate", ""); a.status != 200 {
		t.Fatalf("rotate: %d %s", a.status, a.raw)
	}
	next := e.token(DemoAppSecret)
	if next == at {
		t.Fatal("rotate did not mint a new token")
	}
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", at), 0)
	if a := e.post("/_sandbox/rotate", `{"invalidate":true}`); a.status != 200 {
		t.Fatalf("rotate: %d %s", a.status, a.raw)
	}
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", next), 40014)
	if a := e.get("/_sandbox/rotate"); a.status != 405 {
		t.Fatalf("GET rotate: %d", a.status)
	}
}

// F6: user/get carries the fields of DOC 90196's answer that clients map
// (go-workwx reads qr_code).
func TestUserGetHasTheDocumentedFields(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.get("/cgi-bin/user/get", "access_token", e.token(DemoAppSecret), "userid", "zhangsan")
	for _, want := range []string{`"extattr":{"attrs":[]}`, `"external_position":""`, `"external_profile":{"external_corp_name":"","external_attr":[]}`, `"qr_code":"https://`} {
		if !strings.Contains(a.raw, want) {
			t.Fatalf("user/get lacks %s: %s", want, a.raw)
		}
	}
}
