package sandbox

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var errmsgPattern = regexp.MustCompile(`^(.+), hint: \[(\d{25})\], from ip: ([0-9a-fA-F:.]*), more info at https://open\.work\.weixin\.qq\.com/devtool/query\?e=(-?\d+)$`)

func twoCorps() *Fixtures {
	fx := DemoFixtures()
	fx.Corps = append(fx.Corps, Corp{CorpID: "ww0000000000000001", Name: "Other",
		Apps:        []App{{AgentID: 1000002, Name: "other", Secret: "other-corp-secret"}},
		Departments: []Department{{ID: 1, Name: "Root"}},
		Users:       []User{{UserID: "x", Name: "X", Department: []int64{1}}}})
	fx.Corps[0].Apps = append(fx.Corps[0].Apps, App{AgentID: 1000009, Name: "closed", Secret: "closed-app-secret", Closed: true})
	return fx
}

func TestGetToken(t *testing.T) {
	e := newEnv(t, Options{Fixtures: twoCorps()})
	cases := []struct {
		name, corpid, secret string
		want                 int
	}{
		{"app 1", DemoCorpID, DemoAppSecret, 0},
		{"app 2", DemoCorpID, DemoApp2Secret, 0},
		{"contact sync", DemoCorpID, DemoContactSecret, 0},
		{"mini program app", DemoCorpID, DemoMiniProgramSecret, 0},
		{"second corp", "ww0000000000000001", "other-corp-secret", 0},
		{"missing corpid", "", DemoAppSecret, 41002},
		{"missing secret", DemoCorpID, "", 41004},
		{"unknown corp", "ww0123456789abcdef", DemoAppSecret, 40013},
		{"wrong secret", DemoCorpID, "nope", 40001},
		{"secret of another corp", DemoCorpID, "other-corp-secret", 40091},
		{"disabled app", DemoCorpID, "closed-app-secret", 40001},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := []string{}
			if c.corpid != "" {
				q = append(q, "corpid", c.corpid)
			}
			if c.secret != "" {
				q = append(q, "corpsecret", c.secret)
			}
			a := e.get("/cgi-bin/gettoken", q...)
			wantCode(t, a, c.want)
			if c.want == 0 {
				if len(a.str("access_token")) < 64 || a.m["expires_in"] != float64(7200) {
					t.Fatalf("bad token answer %s", a.raw)
				}
				if !strings.HasPrefix(a.raw, `{"errcode":0,"errmsg":"ok",`) {
					t.Fatalf("body should start with errcode/errmsg like WeCom: %s", a.raw)
				}
			}
		})
	}
}

func TestErrmsgFormat(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.get("/cgi-bin/gettoken", "corpid", DemoCorpID, "corpsecret", "wrong")
	m := errmsgPattern.FindStringSubmatch(a.str("errmsg"))
	if m == nil {
		t.Fatalf("errmsg %q", a.str("errmsg"))
	}
	if m[1] != "invalid credential" || m[3] != "127.0.0.1" || m[4] != "40001" {
		t.Fatalf("parts %q", m[1:])
	}
	if m[2][:10] != strconv.FormatInt(testEpoch.Unix(), 10) {
		t.Fatalf("hint %s must start with the sandbox clock's unix time %d", m[2], testEpoch.Unix())
	}
}

func TestTokenLifecycle(t *testing.T) {
	e := newEnv(t, Options{TokenTTL: 10 * time.Minute})
	a := e.get("/cgi-bin/gettoken", "corpid", DemoCorpID, "corpsecret", DemoAppSecret)
	if a.m["expires_in"] != float64(600) {
		t.Fatalf("TokenTTL must drive expires_in: %s", a.raw)
	}
	tok := a.str("access_token")
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket"), 41001)
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", ""), 41001)
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", "garbage"), 40014)
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", tok), 0)
	e.s.Advance(10*time.Minute - time.Second)
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", tok), 0)
	e.s.Advance(time.Second)
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", tok), 42001)
	fresh := e.token(DemoAppSecret)
	if fresh == tok {
		t.Fatal("a new token is expected after expiry")
	}
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", fresh), 0)
	// Long-expired tokens are forgotten: 40014 instead of 42001.
	e.s.Advance(25 * time.Hour)
	e.token(DemoAppSecret)
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", tok), 40014)
}

func TestTickets(t *testing.T) {
	e := newEnv(t, Options{})
	app, contact := e.token(DemoAppSecret), e.token(DemoContactSecret)
	cases := []struct {
		name string
		path string
		q    []string
		want int
	}{
		{"corp ticket", "/cgi-bin/get_jsapi_ticket", []string{"access_token", app}, 0},
		{"agent ticket", "/cgi-bin/ticket/get", []string{"access_token", app, "type", "agent_config"}, 0},
		{"agent ticket without type", "/cgi-bin/ticket/get", []string{"access_token", app}, 91040},
		{"agent ticket wrong type", "/cgi-bin/ticket/get", []string{"access_token", app, "type", "jsapi"}, 91040},
		{"contact token corp ticket", "/cgi-bin/get_jsapi_ticket", []string{"access_token", contact}, 48002},
		{"contact token agent ticket", "/cgi-bin/ticket/get", []string{"access_token", contact, "type", "agent_config"}, 48002},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := e.get(c.path, c.q...)
			wantCode(t, a, c.want)
			if c.want == 0 && (a.str("ticket") == "" || a.m["expires_in"] != float64(7200)) {
				t.Fatalf("bad ticket answer %s", a.raw)
			}
		})
	}
}

func TestOAuthCodes(t *testing.T) {
	e := newEnv(t, Options{})
	app1 := e.token(DemoAppSecret)

	code := e.code(CodeRequest{UserID: "zhangsan"})
	a := e.get("/cgi-bin/auth/getuserinfo", "access_token", app1, "code", code)
	wantCode(t, a, 0)
	if a.str("userid") != "zhangsan" || a.m["user_ticket"] != nil {
		t.Fatalf("snsapi_base gives userid only: %s", a.raw)
	}
	wantCode(t, e.get("/cgi-bin/auth/getuserinfo", "access_token", app1, "code", code), 40029)
	wantCode(t, e.get("/cgi-bin/auth/getuserinfo", "access_token", app1), 41008)
	wantCode(t, e.get("/cgi-bin/auth/getuserinfo", "access_token", app1, "code", "made-up"), 40029)

	late := e.code(CodeRequest{UserID: "lisi"})
	e.s.Advance(5 * time.Minute)
	wantCode(t, e.get("/cgi-bin/auth/getuserinfo", "access_token", e.token(DemoAppSecret), "code", late), 40029)
	app1 = e.token(DemoAppSecret)
	app2 := e.token(DemoApp2Secret)

	almost := e.code(CodeRequest{UserID: "lisi"})
	e.s.Advance(5*time.Minute - time.Second)
	wantCode(t, e.get("/cgi-bin/auth/getuserinfo", "access_token", app1, "code", almost), 0)

	bound := e.code(CodeRequest{UserID: "zhangsan", AgentID: DemoAgentID})
	wantCode(t, e.get("/cgi-bin/auth/getuserinfo", "access_token", app2, "code", bound), 40029)
	wantCode(t, e.get("/cgi-bin/auth/getuserinfo", "access_token", app1, "code", bound), 0)

	contact := e.token(DemoContactSecret)
	wantCode(t, e.get("/cgi-bin/auth/getuserinfo", "access_token", contact, "code", e.code(CodeRequest{UserID: "zhangsan"})), 40029)

	nonMember := e.code(CodeRequest{OpenID: "oAAAAAAA-visitor"})
	a = e.get("/cgi-bin/auth/getuserinfo", "access_token", app1, "code", nonMember)
	wantCode(t, a, 0)
	if a.str("openid") != "oAAAAAAA-visitor" || a.m["userid"] != nil {
		t.Fatalf("non-member answer %s", a.raw)
	}

	mp := e.code(CodeRequest{UserID: "zhangsan", Type: "miniprogram"})
	wantCode(t, e.get("/cgi-bin/auth/getuserinfo", "access_token", app1, "code", mp), 40029)
}

func TestUserTicketAndDetail(t *testing.T) {
	e := newEnv(t, Options{})
	app1, app2 := e.token(DemoAppSecret), e.token(DemoApp2Secret)

	a := e.get("/cgi-bin/auth/getuserinfo", "access_token", app1, "code",
		e.code(CodeRequest{UserID: "zhangsan", Scope: "snsapi_privateinfo"}))
	wantCode(t, a, 0)
	ticket := a.str("user_ticket")
	if ticket == "" {
		t.Fatalf("privateinfo scope must give a user_ticket: %s", a.raw)
	}
	d := e.post("/cgi-bin/auth/getuserdetail", `{"user_ticket":"`+ticket+`"}`, "access_token", app1)
	wantCode(t, d, 0)
	if d.str("userid") != "zhangsan" || d.str("gender") != "1" || d.str("mobile") != "13800000001" ||
		d.str("address") != "广州市海珠区新港中路" || !strings.HasPrefix(d.str("qr_code"), "https://") {
		t.Fatalf("detail %s", d.raw)
	}
	// Reusable within its lifetime, per app.
	wantCode(t, e.post("/cgi-bin/auth/getuserdetail", `{"user_ticket":"`+ticket+`"}`, "access_token", app1), 0)
	wantCode(t, e.post("/cgi-bin/auth/getuserdetail", `{"user_ticket":"`+ticket+`"}`, "access_token", app2), 84015)

	wantCode(t, e.post("/cgi-bin/auth/getuserdetail", `{"user_ticket":"nope"}`, "access_token", app1), 84015)
	wantCode(t, e.post("/cgi-bin/auth/getuserdetail", `{}`, "access_token", app1), 84090)
	wantCode(t, e.post("/cgi-bin/auth/getuserdetail", `{"user_ticket":`, "access_token", app1), 40058)
	bad := e.post("/cgi-bin/auth/getuserdetail", `not json`, "access_token", app1)
	if !strings.HasPrefix(bad.str("errmsg"), "Warning: wrong json format.") {
		t.Fatalf("malformed JSON errmsg %q", bad.str("errmsg"))
	}
	wantCode(t, e.get("/cgi-bin/auth/getuserdetail", "access_token", app1), 40058) // GET on a POST endpoint

	// lisi is outside app 2's visible range: no user_ticket even with privateinfo.
	a = e.get("/cgi-bin/auth/getuserinfo", "access_token", app2, "code",
		e.code(CodeRequest{UserID: "lisi", Scope: "snsapi_privateinfo"}))
	wantCode(t, a, 0)
	if a.m["user_ticket"] != nil {
		t.Fatalf("no user_ticket outside the visible range: %s", a.raw)
	}

	e.s.Advance(1800 * time.Second)
	app1 = e.token(DemoAppSecret)
	wantCode(t, e.post("/cgi-bin/auth/getuserdetail", `{"user_ticket":"`+ticket+`"}`, "access_token", app1), 84014)
}

func TestLegacyGetUserInfo(t *testing.T) {
	e := newEnv(t, Options{})
	app := e.token(DemoAppSecret)
	a := e.get("/cgi-bin/user/getuserinfo", "access_token", app, "code",
		e.code(CodeRequest{UserID: "wangwu", Scope: "snsapi_privateinfo"}))
	wantCode(t, a, 0)
	if a.str("UserId") != "wangwu" || len(a.str("DeviceId")) != 32 || a.str("user_ticket") == "" || a.m["expires_in"] != float64(1800) {
		t.Fatalf("legacy keys are capitalised: %s", a.raw)
	}
	a = e.get("/cgi-bin/user/getuserinfo", "access_token", app, "code", e.code(CodeRequest{OpenID: "o-guest"}))
	if a.str("OpenId") != "o-guest" {
		t.Fatalf("legacy non-member %s", a.raw)
	}
	wantCode(t, e.get("/cgi-bin/user/getuserinfo", "access_token", app, "code", "used-or-fake"), 40029)
}

func TestJSCode2Session(t *testing.T) {
	e := newEnv(t, Options{})
	mp, app := e.token(DemoMiniProgramSecret), e.token(DemoAppSecret)
	js := func() string { return e.code(CodeRequest{UserID: "zhaoliu", Type: "miniprogram"}) }
	const path = "/cgi-bin/miniprogram/jscode2session"

	code := js()
	a := e.get(path, "access_token", mp, "js_code", code, "grant_type", "authorization_code")
	wantCode(t, a, 0)
	if a.str("corpid") != DemoCorpID || a.str("userid") != "zhaoliu" || len(a.str("session_key")) != 24 {
		t.Fatalf("jscode2session %s", a.raw)
	}
	wantCode(t, e.get(path, "access_token", mp, "js_code", code, "grant_type", "authorization_code"), 40029)
	wantCode(t, e.get(path, "access_token", app, "js_code", js(), "grant_type", "authorization_code"), 40014)
	wantCode(t, e.get(path, "access_token", mp, "js_code", js()), 40035)
	wantCode(t, e.get(path, "access_token", mp, "grant_type", "authorization_code"), 41008)
	oauth := e.code(CodeRequest{UserID: "zhaoliu"})
	wantCode(t, e.get(path, "access_token", mp, "js_code", oauth, "grant_type", "authorization_code"), 40029)
}

func userIDs(a answer) []string {
	var ids []string
	list, _ := a.m["userlist"].([]any)
	for _, u := range list {
		ids = append(ids, u.(map[string]any)["userid"].(string))
	}
	slices.Sort(ids)
	return ids
}

func TestUsers(t *testing.T) {
	e := newEnv(t, Options{})
	app1, app2, contact := e.token(DemoAppSecret), e.token(DemoApp2Secret), e.token(DemoContactSecret)

	a := e.get("/cgi-bin/user/get", "access_token", app1, "userid", "zhangsan")
	wantCode(t, a, 0)
	if a.str("name") != "张三" || a.m["main_department"] != float64(1) || a.m["status"] != float64(1) ||
		!strings.Contains(a.raw, `"is_leader_in_dept":[1]`) {
		t.Fatalf("user/get %s", a.raw)
	}
	if !strings.Contains(a.raw, `"name":"张三"`) {
		t.Fatalf("Chinese names are sent as UTF-8, not escaped: %s", a.raw)
	}
	wantCode(t, e.get("/cgi-bin/user/get", "access_token", app1), 41009)
	wantCode(t, e.get("/cgi-bin/user/get", "access_token", app1, "userid", "nobody"), 60111)
	wantCode(t, e.get("/cgi-bin/user/get", "access_token", app2, "userid", "zhangsan"), 0) // allow_users
	wantCode(t, e.get("/cgi-bin/user/get", "access_token", app2, "userid", "wangwu"), 0)   // allow_partys 3
	wantCode(t, e.get("/cgi-bin/user/get", "access_token", app2, "userid", "lisi"), 60011) // outside range
	wantCode(t, e.get("/cgi-bin/user/get", "access_token", contact, "userid", "lisi"), 0)  // contact sees all

	cases := []struct {
		name  string
		tok   string
		q     []string
		want  int
		users []string
	}{
		{"whole corp", app1, []string{"department_id", "1", "fetch_child", "1"}, 0,
			[]string{"alice", "chenxiaoming", "lisi", "wangwu", "zhangsan", "zhaoliu"}},
		{"one department", app1, []string{"department_id", "2"}, 0, []string{"alice", "lisi"}},
		{"with children", app1, []string{"department_id", "2", "fetch_child", "1"}, 0,
			[]string{"alice", "chenxiaoming", "lisi", "zhaoliu"}},
		{"app 2 own department", app2, []string{"department_id", "3"}, 0, []string{"chenxiaoming", "wangwu"}},
		{"app 2 outside", app2, []string{"department_id", "2"}, 60011, nil},
		{"missing id", app1, nil, 60123, nil},
		{"bad id", app1, []string{"department_id", "abc"}, 60123, nil},
		{"unknown id", app1, []string{"department_id", "99"}, 60003, nil},
	}
	for _, c := range cases {
		for _, path := range []string{"/cgi-bin/user/simplelist", "/cgi-bin/user/list"} {
			t.Run(c.name+" "+path, func(t *testing.T) {
				a := e.get(path, append([]string{"access_token", c.tok}, c.q...)...)
				wantCode(t, a, c.want)
				if got := userIDs(a); c.want == 0 && !slices.Equal(got, c.users) {
					t.Fatalf("users %v, want %v", got, c.users)
				}
				if c.want == 0 && path == "/cgi-bin/user/list" && !strings.Contains(a.raw, `"mobile"`) {
					t.Fatalf("user/list carries details: %s", a.raw)
				}
			})
		}
	}
}

func TestUserListID(t *testing.T) {
	e := newEnv(t, Options{})
	app, contact := e.token(DemoAppSecret), e.token(DemoContactSecret)
	wantCode(t, e.post("/cgi-bin/user/list_id", `{"limit":10}`, "access_token", app), 48002)
	wantCode(t, e.get("/cgi-bin/user/list_id", "access_token", contact), 40058)
	wantCode(t, e.post("/cgi-bin/user/list_id", `{"limit":20000}`, "access_token", contact), 40058)
	wantCode(t, e.post("/cgi-bin/user/list_id", `{"cursor":"%%%"}`, "access_token", contact), 40058)
	wantCode(t, e.post("/cgi-bin/user/list_id", `{`, "access_token", contact), 40058)

	var pairs []string
	cursor := ""
	for page := 0; page < 10; page++ {
		a := e.post("/cgi-bin/user/list_id", `{"cursor":"`+cursor+`","limit":3}`, "access_token", contact)
		wantCode(t, a, 0)
		list := a.m["dept_user"].([]any)
		if len(list) > 3 {
			t.Fatalf("page larger than limit: %s", a.raw)
		}
		for _, p := range list {
			m := p.(map[string]any)
			pairs = append(pairs, m["userid"].(string)+"@"+strconv.Itoa(int(m["department"].(float64))))
		}
		cursor = a.str("next_cursor")
		if cursor == "" {
			break
		}
	}
	want := []string{"zhangsan@1", "lisi@2", "wangwu@3", "zhaoliu@4", "chenxiaoming@4", "chenxiaoming@3", "alice@2"}
	if !slices.Equal(pairs, want) {
		t.Fatalf("pages gave %v, want %v", pairs, want)
	}
}

func deptIDs(a answer, key string) []int {
	var ids []int
	list, _ := a.m[key].([]any)
	for _, d := range list {
		ids = append(ids, int(d.(map[string]any)["id"].(float64)))
	}
	return ids
}

func TestDepartments(t *testing.T) {
	e := newEnv(t, Options{})
	app1, app2, contact := e.token(DemoAppSecret), e.token(DemoApp2Secret), e.token(DemoContactSecret)
	cases := []struct {
		name string
		tok  string
		q    []string
		want int
		ids  []int
	}{
		{"app 1 all", app1, nil, 0, []int{1, 2, 3, 4}},
		{"contact all", contact, nil, 0, []int{1, 2, 3, 4}},
		{"app 2 all", app2, nil, 0, []int{3}},
		{"subtree", app1, []string{"id", "2"}, 0, []int{2, 4}},
		{"app 2 outside", app2, []string{"id", "2"}, 60011, nil},
		{"bad id", app1, []string{"id", "x"}, 60123, nil},
		{"unknown", app1, []string{"id", "42"}, 60003, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := e.get("/cgi-bin/department/list", append([]string{"access_token", c.tok}, c.q...)...)
			wantCode(t, a, c.want)
			if c.want == 0 && !slices.Equal(deptIDs(a, "department"), c.ids) {
				t.Fatalf("department/list %s", a.raw)
			}
			s := e.get("/cgi-bin/department/simplelist", append([]string{"access_token", c.tok}, c.q...)...)
			wantCode(t, s, c.want)
			if c.want == 0 && !slices.Equal(deptIDs(s, "department_id"), c.ids) {
				t.Fatalf("department/simplelist %s", s.raw)
			}
		})
	}
	a := e.get("/cgi-bin/department/list", "access_token", app1, "id", "1")
	if !strings.Contains(a.raw, `"name":"演示科技"`) || !strings.Contains(a.raw, `"department_leader":["zhangsan"]`) {
		t.Fatalf("department fields %s", a.raw)
	}
}

func TestAgentGet(t *testing.T) {
	e := newEnv(t, Options{})
	app1, app2, contact := e.token(DemoAppSecret), e.token(DemoApp2Secret), e.token(DemoContactSecret)
	a := e.get("/cgi-bin/agent/get", "access_token", app2, "agentid", strconv.Itoa(DemoApp2AgentID))
	wantCode(t, a, 0)
	for _, frag := range []string{`"agentid":1000003`, `"name":"审批助手"`, `"redirect_domain":"approve.example.com"`,
		`"allow_userinfos":{"user":[{"userid":"zhangsan"}]}`, `"allow_partys":{"partyid":[3]}`, `"close":0`} {
		if !strings.Contains(a.raw, frag) {
			t.Fatalf("agent/get lacks %s: %s", frag, a.raw)
		}
	}
	wantCode(t, e.get("/cgi-bin/agent/get", "access_token", app1, "agentid", strconv.Itoa(DemoApp2AgentID)), 301002)
	wantCode(t, e.get("/cgi-bin/agent/get", "access_token", contact, "agentid", strconv.Itoa(DemoAgentID)), 301002)
	wantCode(t, e.get("/cgi-bin/agent/get", "access_token", app1), 41011)
	wantCode(t, e.get("/cgi-bin/agent/get", "access_token", app1, "agentid", "7"), 40056)
	wantCode(t, e.get("/cgi-bin/agent/get", "access_token", app1, "agentid", "abc"), 40056)
}

func TestIPLists(t *testing.T) {
	e := newEnv(t, Options{})
	app := e.token(DemoAppSecret)
	for _, path := range []string{"/cgi-bin/getcallbackip", "/cgi-bin/get_api_domain_ip"} {
		a := e.get(path, "access_token", app)
		wantCode(t, a, 0)
		if list, _ := a.m["ip_list"].([]any); len(list) == 0 {
			t.Fatalf("%s: %s", path, a.raw)
		}
		wantCode(t, e.get(path), 41001)
	}
}

func TestMessageSend(t *testing.T) {
	e := newEnv(t, Options{})
	app1, app2 := e.token(DemoAppSecret), e.token(DemoApp2Secret)
	const path = "/cgi-bin/message/send"
	text := func(to string, agent int) string {
		return `{"touser":"` + to + `","msgtype":"text","agentid":` + strconv.Itoa(agent) + `,"text":{"content":"你好"}}`
	}
	a := e.post(path, text("zhangsan|nobody", DemoAgentID), "access_token", app1)
	wantCode(t, a, 0)
	if a.str("invaliduser") != "nobody" || !strings.HasPrefix(a.str("msgid"), "sandbox_msg_") {
		t.Fatalf("partial send %s", a.raw)
	}
	cases := []struct {
		name, tok, body string
		want            int
	}{
		{"all invalid", app1, text("nobody|ghost", DemoAgentID), 81013},
		{"all empty", app1, `{"touser":"","toparty":"","msgtype":"text","agentid":1000002,"text":{"content":"x"}}`, 82001},
		{"outside visible range", app2, text("lisi", DemoApp2AgentID), 81013},
		{"empty content", app1, `{"touser":"lisi","msgtype":"text","agentid":1000002,"text":{"content":""}}`, 44004},
		{"bad msgtype", app1, `{"touser":"lisi","msgtype":"fax","agentid":1000002}`, 40008},
		{"missing agentid", app1, `{"touser":"lisi","msgtype":"text","text":{"content":"x"}}`, 41011},
		{"unknown agentid", app1, text("lisi", 42), 40056},
		{"other app's agentid", app1, text("lisi", DemoApp2AgentID), 301002},
		{"malformed json", app1, `{"touser":`, 40058},
		{"string agentid", app1, `{"touser":"lisi","msgtype":"text","agentid":"1000002","text":{"content":"x"}}`, 0},
		{"unknown tag only", app1, `{"totag":"9","msgtype":"text","agentid":1000002,"text":{"content":"x"}}`, 81013},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, e.post(path, c.body, "access_token", c.tok), c.want)
		})
	}
	wantCode(t, e.get(path, "access_token", app1), 40058)

	e.s.Reset()
	app1, app2 = e.token(DemoAppSecret), e.token(DemoApp2Secret)
	wantCode(t, e.post(path, text("@all", DemoApp2AgentID), "access_token", app2), 0)
	wantCode(t, e.post(path, `{"toparty":"2|77","msgtype":"markdown","agentid":1000002,"markdown":{"content":"**hi**"}}`,
		"access_token", app1), 0)
	msgs := e.s.Messages()
	if len(msgs) != 2 {
		t.Fatalf("recorded %d messages, want 2", len(msgs))
	}
	slices.Sort(msgs[0].ToUsers)
	if !slices.Equal(msgs[0].ToUsers, []string{"chenxiaoming", "wangwu", "zhangsan"}) || msgs[0].AgentID != DemoApp2AgentID {
		t.Fatalf("@all for app 2 = %v", msgs[0].ToUsers)
	}
	slices.Sort(msgs[1].ToUsers)
	if !slices.Equal(msgs[1].ToUsers, []string{"alice", "chenxiaoming", "lisi", "zhaoliu"}) ||
		!strings.Contains(string(msgs[1].Body), "**hi**") {
		t.Fatalf("toparty 2 = %+v", msgs[1])
	}
}

func TestDebugRateLimit(t *testing.T) {
	e := newEnv(t, Options{})
	tok, other := e.token(DemoAppSecret), e.token(DemoApp2Secret)
	for i := 0; i < 5; i++ {
		wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", tok, "debug", "1"), 0)
	}
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", tok, "debug", "1"), 45009)
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", tok), 0) // without debug: no cap
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", other, "debug", "1"), 0)
	e.s.Advance(time.Minute)
	wantCode(t, e.get("/cgi-bin/get_jsapi_ticket", "access_token", tok, "debug", "1"), 0)

	// gettoken with debug=1 is capped per caller IP.
	for i := 0; i < 5; i++ {
		wantCode(t, e.get("/cgi-bin/gettoken", "corpid", DemoCorpID, "corpsecret", DemoAppSecret, "debug", "1"), 0)
	}
	wantCode(t, e.get("/cgi-bin/gettoken", "corpid", DemoCorpID, "corpsecret", DemoAppSecret, "debug", "1"), 45009)
}

func TestTrustedIPs(t *testing.T) {
	e := newEnv(t, Options{TrustedIPs: []string{"10.1.2.3"}})
	tok := e.token(DemoAppSecret) // gettoken is not IP-restricted
	a := e.get("/cgi-bin/get_jsapi_ticket", "access_token", tok)
	wantCode(t, a, 60020)
	if !strings.HasPrefix(a.str("errmsg"), "not allow to access from your ip, hint: [") ||
		!strings.Contains(a.str("errmsg"), "from ip: 127.0.0.1, more info") {
		t.Fatalf("60020 errmsg %q", a.str("errmsg"))
	}

	ok := newEnv(t, Options{TrustedIPs: []string{"10.1.2.3", "127.0.0.0/8"}})
	wantCode(t, ok.get("/cgi-bin/get_jsapi_ticket", "access_token", ok.token(DemoAppSecret)), 0)

	fx := DemoFixtures()
	fx.Corps[0].Apps[1].TrustedIPs = []string{"192.0.2.10"}
	perApp := newEnv(t, Options{Fixtures: fx})
	wantCode(t, perApp.get("/cgi-bin/get_jsapi_ticket", "access_token", perApp.token(DemoAppSecret)), 0)
	wantCode(t, perApp.get("/cgi-bin/get_jsapi_ticket", "access_token", perApp.token(DemoApp2Secret)), 60020)
}

func TestUnknownPaths(t *testing.T) {
	e := newEnv(t, Options{})
	if a := e.get("/cgi-bin/no/such/api"); a.status != 404 || strings.Contains(a.raw, "errcode") || !strings.Contains(a.raw, "no such endpoint") {
		t.Fatalf("unknown API: %d %s", a.status, a.raw)
	}
	if a := e.get("/"); a.status != 404 {
		t.Fatalf("root: %d", a.status)
	}
}

func TestRequestLogRedactsSecrets(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token(DemoAppSecret)
	code := e.code(CodeRequest{UserID: "zhangsan"})
	e.get("/cgi-bin/auth/getuserinfo", "access_token", tok, "code", code)
	out := e.logText()
	for _, secret := range []string{DemoAppSecret, tok, code} {
		if strings.Contains(out, secret) {
			t.Fatalf("log leaks %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "GET /cgi-bin/gettoken?corpid="+DemoCorpID+"&corpsecret=*** -> 200 errcode=0") ||
		!strings.Contains(out, "access_token=***&code=***") {
		t.Fatalf("log lines:\n%s", out)
	}
	reqs := e.s.Requests()
	if len(reqs) != 2 || reqs[0].Path != "/cgi-bin/gettoken" || strings.Contains(reqs[1].Query, tok) {
		t.Fatalf("requests %+v", reqs)
	}
}
