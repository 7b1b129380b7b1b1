package sandbox

import (
	"strings"
	"testing"
)

func TestTags(t *testing.T) {
	e := newEnv(t, Options{})
	ct := e.token(DemoContactSecret)
	at := e.token(DemoAppSecret)
	at2 := e.token(DemoApp2Secret)

	a := e.post("/cgi-bin/tag/create", `{"tagname":"值班"}`, "access_token", at)
	if wantCode(t, a, 0); a.str("errmsg") != "created" || a.m["tagid"] != float64(3) {
		t.Fatalf("create: %s", a.raw)
	}
	wantCode(t, e.post("/cgi-bin/tag/create", `{"tagname":"值班"}`, "access_token", ct), 40071)
	wantCode(t, e.post("/cgi-bin/tag/create", `{"tagname":""}`, "access_token", ct), 40071)
	wantCode(t, e.post("/cgi-bin/tag/create", `{"tagname":"`+strings.Repeat("长", 33)+`"}`, "access_token", ct), 40072)
	wantCode(t, e.post("/cgi-bin/tag/create", `{"tagname":"x","tagid":1}`, "access_token", ct), 40068)

	// the app owns its tag; another app may not change it, nor app 1 the fixtures' tags
	wantCode(t, e.post("/cgi-bin/tag/update", `{"tagid":3,"tagname":"x"}`, "access_token", at2), 60011)
	wantCode(t, e.post("/cgi-bin/tag/update", `{"tagid":1,"tagname":"x"}`, "access_token", at), 60011)
	wantCode(t, e.post("/cgi-bin/tag/update", `{"tagid":"3","tagname":"夜班"}`, "access_token", at), 0)

	a = e.post("/cgi-bin/tag/addtagusers", `{"tagid":3,"userlist":["LiSi","ghost"],"partylist":[3,99]}`, "access_token", at)
	if wantCode(t, a, 0); a.str("invalidlist") != "ghost" || !strings.Contains(a.raw, `"invalidparty":[99]`) {
		t.Fatalf("addtagusers: %s", a.raw)
	}
	wantCode(t, e.post("/cgi-bin/tag/addtagusers", `{"tagid":3,"userlist":["ghost"]}`, "access_token", at), 40070)
	a = e.get("/cgi-bin/tag/get", "access_token", at, "tagid", "3")
	if wantCode(t, a, 0); !strings.Contains(a.raw, `"tagname":"夜班","userlist":[{"userid":"lisi","name":"李四"}],"partylist":[3]`) {
		t.Fatalf("get: %s", a.raw)
	}
	wantCode(t, e.get("/cgi-bin/tag/get", "access_token", at, "tagid", "77"), 40068)
	if a = e.get("/cgi-bin/tag/list", "access_token", at); !strings.Contains(a.raw, `{"tagid":3,"tagname":"夜班"}`) || !strings.Contains(a.raw, `{"tagid":1,"tagname":"管理层"}`) {
		t.Fatalf("list: %s", a.raw)
	}

	// message/send totag resolves members and departments (市场部: wangwu, chenxiaoming)
	a = e.post("/cgi-bin/message/send", `{"totag":"3|88","msgtype":"text","agentid":1000002,"text":{"content":"hi"}}`, "access_token", at)
	if wantCode(t, a, 0); a.str("invalidtag") != "88" {
		t.Fatalf("send: %s", a.raw)
	}
	if m := e.s.Messages(); len(m) != 1 || strings.Join(m[0].ToUsers, ",") != "lisi,wangwu,chenxiaoming" {
		t.Fatalf("recipients: %+v", m[0].ToUsers)
	}

	a = e.post("/cgi-bin/tag/deltagusers", `{"tagid":3,"userlist":["lisi"]}`, "access_token", at)
	if wantCode(t, a, 0); a.str("errmsg") != "deleted" {
		t.Fatalf("deltagusers: %s", a.raw)
	}
	wantCode(t, e.get("/cgi-bin/tag/delete", "access_token", ct, "tagid", "3"), 0)
	wantCode(t, e.get("/cgi-bin/tag/get", "access_token", at, "tagid", "3"), 40068)
}

func TestAppChats(t *testing.T) {
	e := newEnv(t, Options{})
	at := e.token(DemoAppSecret)
	post := func(path, body string) answer { return e.post(path, body, "access_token", at) }

	wantCode(t, e.post("/cgi-bin/appchat/create", `{"name":"x","userlist":["zhangsan","lisi"]}`, "access_token", e.token(DemoContactSecret)), 48002)
	for body, code := range map[string]int{
		`{"name":"x","userlist":["zhangsan"]}`:                                      86006,
		`{"name":"x","userlist":["zhangsan","ghost"]}`:                              86007,
		`{"name":"x","owner":"wangwu","userlist":["zhangsan","lisi"]}`:              86005,
		`{"name":"` + strings.Repeat("群", 51) + `","userlist":["zhangsan","lisi"]}`: 86004,
		`{"name":"x","userlist":["zhangsan","lisi"],"chatid":"bad id"}`:             86001,
	} {
		wantCode(t, post("/cgi-bin/appchat/create", body), code)
	}
	a := post("/cgi-bin/appchat/create", `{"name":"项目群","owner":"LiSi","userlist":["zhangsan","lisi"],"chatid":"proj1"}`)
	if wantCode(t, a, 0); a.str("chatid") != "proj1" {
		t.Fatalf("create: %s", a.raw)
	}
	wantCode(t, post("/cgi-bin/appchat/create", `{"name":"x","userlist":["zhangsan","lisi"],"chatid":"proj1"}`), 86215)

	wantCode(t, post("/cgi-bin/appchat/update", `{"chatid":"proj1","name":"新名","add_user_list":["wangwu"],"del_user_list":["zhangsan"]}`), 0)
	wantCode(t, post("/cgi-bin/appchat/update", `{"chatid":"proj1","del_user_list":["lisi"]}`), 86005) // the owner
	wantCode(t, post("/cgi-bin/appchat/update", `{"chatid":"nope","name":"x"}`), 86003)
	a = e.get("/cgi-bin/appchat/get", "access_token", at, "chatid", "proj1")
	if wantCode(t, a, 0); !strings.Contains(a.raw, `"chat_info":{"chatid":"proj1","name":"新名","owner":"lisi","userlist":["lisi","wangwu"],"chat_type":0}`) {
		t.Fatalf("get: %s", a.raw)
	}
	wantCode(t, e.get("/cgi-bin/appchat/get", "access_token", e.token(DemoApp2Secret), "chatid", "proj1"), 86008)

	wantCode(t, post("/cgi-bin/appchat/send", `{"chatid":"proj1","msgtype":"text","text":{"content":"hello"}}`), 0)
	wantCode(t, post("/cgi-bin/appchat/send", `{"chatid":"proj1","msgtype":"text","text":{"content":""}}`), 44004)
	wantCode(t, post("/cgi-bin/appchat/send", `{"chatid":"proj1","msgtype":"image","image":{"media_id":"bogus"}}`), 40007)
	wantCode(t, post("/cgi-bin/appchat/send", `{"chatid":"proj1","msgtype":"template_card","template_card":{}}`), 40008)
	if m := e.s.Messages(); len(m) != 1 || m[0].ChatID != "proj1" || strings.Join(m[0].ToUsers, ",") != "lisi,wangwu" {
		t.Fatalf("messages: %+v", m)
	}
}

func TestAgentAndMenu(t *testing.T) {
	e := newEnv(t, Options{})
	at := e.token(DemoAppSecret)
	a := e.get("/cgi-bin/agent/list", "access_token", at)
	if wantCode(t, a, 0); !strings.Contains(a.raw, `"agentlist":[{"agentid":1000002,"name":"演示应用"`) {
		t.Fatalf("agent/list: %s", a.raw)
	}
	wantCode(t, e.get("/cgi-bin/agent/list", "access_token", e.token(DemoContactSecret)), 48002)
	wantCode(t, e.post("/cgi-bin/agent/set", `{"agentid":1000003,"name":"x"}`, "access_token", at), 301002)
	wantCode(t, e.post("/cgi-bin/agent/set", `{"agentid":1000002,"logo_mediaid":"bogus"}`, "access_token", at), 40007)
	wantCode(t, e.post("/cgi-bin/agent/set", `{"agentid":1000002,"name":"改名应用","isreportenter":1}`, "access_token", at), 0)
	if a = e.get("/cgi-bin/agent/get", "access_token", at, "agentid", "1000002"); a.str("name") != "改名应用" || a.m["isreportenter"] != float64(1) {
		t.Fatalf("agent/get after set: %s", a.raw)
	}

	q := []string{"access_token", at, "agentid", "1000002"}
	wantCode(t, e.get("/cgi-bin/menu/get", q...), 46003)
	for body, code := range map[string]int{
		`{"button":[]}`: 40016,
		`{"button":[{"type":"click","name":"a","key":"k"},{"type":"click","name":"b","key":"k"},{"type":"click","name":"c","key":"k"},{"type":"click","name":"d","key":"k"}]}`: 40016,
		`{"button":[{"type":"nope","name":"a","key":"k"}]}`:          40017,
		`{"button":[{"type":"click","name":"","key":"k"}]}`:          40018,
		`{"button":[{"name":"m","sub_button":[{},{},{},{},{},{}]}]}`: 40023,
		`{"button":[{"type":"view","name":"a"}]}`:                    40055,
	} {
		wantCode(t, e.post("/cgi-bin/menu/create", body, q...), code)
	}
	menu := `[{"type":"click","name":"今日","key":"today"},{"name":"菜单","sub_button":[{"type":"view","name":"官网","url":"https://wwcli.example.com/"}]}]`
	wantCode(t, e.post("/cgi-bin/menu/create", `{"button":`+menu+`}`, q...), 0)
	if a = e.get("/cgi-bin/menu/get", q...); !strings.Contains(a.raw, `"button":`+menu) {
		t.Fatalf("menu/get: %s", a.raw)
	}
	wantCode(t, e.get("/cgi-bin/menu/get", "access_token", at, "agentid", "1000003"), 301002)
	wantCode(t, e.get("/cgi-bin/menu/delete", q...), 0)
	wantCode(t, e.get("/cgi-bin/menu/get", q...), 46003)
}

func TestExternalContactBasics(t *testing.T) {
	e := newEnv(t, Options{})
	xt := e.token(DemoExternalContactSecret)
	at := e.token(DemoAppSecret) // in the 可调用应用 list
	at2 := e.token(DemoApp2Secret)

	// the trap: an app not in the 可调用应用 list, or the contact-sync secret
	wantCode(t, e.get("/cgi-bin/externalcontact/get_follow_user_list", "access_token", at2), 48002)
	wantCode(t, e.get("/cgi-bin/externalcontact/get_follow_user_list", "access_token", e.token(DemoContactSecret)), 48002)

	a := e.get("/cgi-bin/externalcontact/get_follow_user_list", "access_token", xt)
	if wantCode(t, a, 0); !strings.Contains(a.raw, `"follow_user":["zhangsan","wangwu"]`) {
		t.Fatalf("follow users: %s", a.raw)
	}
	a = e.get("/cgi-bin/externalcontact/list", "access_token", at, "userid", "WangWu")
	if wantCode(t, a, 0); !strings.Contains(a.raw, `"external_userid":["wmDemoCustomer0000000000000000001","wmDemoCustomer0000000000000000002"]`) {
		t.Fatalf("list: %s", a.raw)
	}
	wantCode(t, e.get("/cgi-bin/externalcontact/list", "access_token", xt, "userid", "lisi"), 84061)
	wantCode(t, e.get("/cgi-bin/externalcontact/list", "access_token", xt), 41009)

	a = e.get("/cgi-bin/externalcontact/get", "access_token", xt, "external_userid", "wmDemoCustomer0000000000000000002")
	if wantCode(t, a, 0); !strings.Contains(a.raw, `"type":2`) || !strings.Contains(a.raw, `"corp_name":"乙公司"`) || !strings.Contains(a.raw, `"follow_user":[{"userid":"wangwu"`) {
		t.Fatalf("get: %s", a.raw)
	}
	wantCode(t, e.get("/cgi-bin/externalcontact/get", "access_token", xt), 41035)
	wantCode(t, e.get("/cgi-bin/externalcontact/get", "access_token", xt, "external_userid", "wmNope"), 40096)

	// batch/get_by_user pages: 3 pairs for zhangsan + wangwu, limit 2
	a = e.post("/cgi-bin/externalcontact/batch/get_by_user", `{"userid_list":["zhangsan","wangwu"],"limit":2}`, "access_token", xt)
	wantCode(t, a, 0)
	next := a.str("next_cursor")
	if next == "" || strings.Count(a.raw, `"follow_info"`) != 2 {
		t.Fatalf("page 1: %s", a.raw)
	}
	a = e.post("/cgi-bin/externalcontact/batch/get_by_user", `{"userid_list":["zhangsan","wangwu"],"limit":2,"cursor":"`+next+`"}`, "access_token", xt)
	if wantCode(t, a, 0); a.str("next_cursor") != "" || strings.Count(a.raw, `"follow_info"`) != 1 {
		t.Fatalf("page 2: %s", a.raw)
	}
	wantCode(t, e.post("/cgi-bin/externalcontact/batch/get_by_user", `{"userid_list":[]}`, "access_token", xt), 41009)
	wantCode(t, e.post("/cgi-bin/externalcontact/batch/get_by_user", `{"userid_list":["zhangsan"],"limit":101}`, "access_token", xt), 40058)

	for body, code := range map[string]int{
		`{"scene":2,"user":["zhangsan"]}`:                 41037,
		`{"type":3,"scene":2,"user":["zhangsan"]}`:        41039,
		`{"type":1,"user":["zhangsan"]}`:                  41038,
		`{"type":1,"scene":3,"user":["zhangsan"]}`:        41040,
		`{"type":1,"scene":2,"user":["zhangsan","lisi"]}`: 40003,
		`{"type":2,"scene":2,"user":["ghost"]}`:           40003,
	} {
		wantCode(t, e.post("/cgi-bin/externalcontact/add_contact_way", body, "access_token", xt), code)
	}
	a = e.post("/cgi-bin/externalcontact/add_contact_way", `{"type":1,"scene":2,"user":["zhangsan"]}`, "access_token", xt)
	if wantCode(t, a, 0); a.str("config_id") == "" || a.str("qr_code") == "" {
		t.Fatalf("add_contact_way: %s", a.raw)
	}

	a = e.post("/cgi-bin/externalcontact/groupchat/list", `{"limit":10}`, "access_token", xt)
	if wantCode(t, a, 0); !strings.Contains(a.raw, `"group_chat_list":[{"chat_id":"wrDemoGroupChat000000000000000001","status":0}]`) {
		t.Fatalf("groupchat/list: %s", a.raw)
	}
	if a = e.post("/cgi-bin/externalcontact/groupchat/list", `{"limit":10,"owner_filter":{"userid_list":["zhangsan"]}}`, "access_token", xt); !strings.Contains(a.raw, `"group_chat_list":[]`) {
		t.Fatalf("owner filter: %s", a.raw)
	}
	wantCode(t, e.post("/cgi-bin/externalcontact/groupchat/list", `{}`, "access_token", xt), 40058)
	a = e.post("/cgi-bin/externalcontact/groupchat/get", `{"chat_id":"wrDemoGroupChat000000000000000001","need_name":1}`, "access_token", xt)
	if wantCode(t, a, 0); !strings.Contains(a.raw, `"owner":"wangwu"`) || !strings.Contains(a.raw, `"name":"王五"`) || !strings.Contains(a.raw, `"name":"客户甲"`) {
		t.Fatalf("groupchat/get: %s", a.raw)
	}
	wantCode(t, e.post("/cgi-bin/externalcontact/groupchat/get", `{"chat_id":"nope"}`, "access_token", xt), 40050)
}

// The customer-contact token is no contact-sync token: user/list_id is 48002.
func TestCustomerContactTokenIsNotContactSync(t *testing.T) {
	e := newEnv(t, Options{})
	wantCode(t, e.post("/cgi-bin/user/list_id", `{"limit":2}`, "access_token", e.token(DemoExternalContactSecret)), 48002)
	wantCode(t, e.post("/cgi-bin/user/create", `{"userid":"x","name":"X","mobile":"13900000001"}`, "access_token", e.token(DemoExternalContactSecret)), 48002)
}

func TestAppChatIDWhenNoneGiven(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.post("/cgi-bin/appchat/create", `{"name":"x","userlist":["zhangsan","lisi"]}`, "access_token", e.token(DemoAppSecret))
	if wantCode(t, a, 0); !chatIDPattern().MatchString(a.str("chatid")) {
		t.Fatalf("chatid %q is not of the documented alphabet", a.str("chatid"))
	}
}

func TestWorkbench(t *testing.T) {
	e := newEnv(t, Options{})
	at := e.token(DemoAppSecret)
	q := []string{"access_token", at}
	if a := e.post("/cgi-bin/agent/get_workbench_template", `{"agentid":1000002}`, q...); a.str("type") != "normal" {
		t.Fatalf("default template: %s", a.raw)
	}
	wantCode(t, e.post("/cgi-bin/agent/set_workbench_template", `{"agentid":1000002,"type":"nope"}`, q...), 40058)
	wantCode(t, e.post("/cgi-bin/agent/set_workbench_template", `{"agentid":1000002,"type":"keydata"}`, q...), 40058)
	wantCode(t, e.post("/cgi-bin/agent/set_workbench_template", `{"agentid":1000003,"type":"normal"}`, q...), 301002)
	wantCode(t, e.post("/cgi-bin/agent/set_workbench_template", `{"agentid":1000002,"type":"keydata","keydata":{"items":[{"key":"待审批","data":"2"}]},"replace_user_data":true}`, q...), 0)
	a := e.post("/cgi-bin/agent/get_workbench_template", `{"agentid":"1000002"}`, q...)
	if wantCode(t, a, 0); !strings.Contains(a.raw, `"type":"keydata","keydata":{"items":[{"key":"待审批","data":"2"}]},"replace_user_data":true`) {
		t.Fatalf("get: %s", a.raw)
	}
	wantCode(t, e.post("/cgi-bin/agent/set_workbench_data", `{"agentid":1000002,"userid":"ZhangSan","type":"keydata","keydata":{"items":[]}}`, q...), 0)
	wantCode(t, e.post("/cgi-bin/agent/set_workbench_data", `{"agentid":1000002,"userid":"ghost","type":"keydata","keydata":{}}`, q...), 60111)
	wantCode(t, e.post("/cgi-bin/agent/set_workbench_data", `{"agentid":1000002,"userid":"lisi","type":"normal"}`, q...), 40058)
}
