package sandbox

import (
	"strings"
	"testing"
)

func TestUserWrites(t *testing.T) {
	e := newEnv(t, Options{})
	ct := e.token(DemoContactSecret)
	at := e.token(DemoAppSecret)
	post := func(path, body string, tok string) answer { return e.post(path, body, "access_token", tok) }

	// only the contact-sync secret writes (48002)
	wantCode(t, post("/cgi-bin/user/create", `{"userid":"x","name":"X","mobile":"13900000001"}`, at), 48002)

	a := post("/cgi-bin/user/create", `{"userid":"NewHire","name":"新人","department":[2,3],"is_leader_in_dept":[0,1],"mobile":"+86 13900000009","email":"nh@example.com"}`, ct)
	if wantCode(t, a, 0); a.str("errmsg") != "created" {
		t.Fatalf("create: %s", a.raw)
	}
	for body, code := range map[string]int{
		`{"name":"X","mobile":"13900000001"}`:                                                          41009, // no userid
		`{"userid":"bad id!","name":"X","mobile":"13900000001"}`:                                       40003,
		`{"userid":"newhire","name":"X","mobile":"13900000001"}`:                                       60102, // exists, in another case
		`{"userid":"y","mobile":"13900000001"}`:                                                        60112, // no name
		`{"userid":"y","name":"Y"}`:                                                                    60129, // neither mobile nor email
		`{"userid":"y","name":"Y","mobile":"12ab5"}`:                                                   60103,
		`{"userid":"y","name":"Y","mobile":"13900000009"}`:                                             60104,
		`{"userid":"y","name":"Y","email":"nope"}`:                                                     60105,
		`{"userid":"y","name":"Y","email":"NH@example.com"}`:                                           60106,
		`{"userid":"y","name":"Y","email":"y@example.com","department":[99]}`:                          60003,
		`{"userid":"y","name":"Y","email":"y@example.com","department":[2],"is_leader_in_dept":[1,0]}`: 60132,
	} {
		wantCode(t, post("/cgi-bin/user/create", body, ct), code)
	}
	a = e.get("/cgi-bin/user/get", "access_token", at, "userid", "newhire")
	wantCode(t, a, 0)
	if !strings.Contains(a.raw, `"department":[2,3]`) || !strings.Contains(a.raw, `"is_leader_in_dept":[0,1]`) {
		t.Fatalf("user/get after create: %s", a.raw)
	}

	a = post("/cgi-bin/user/update", `{"userid":"NEWHIRE","position":"工程师","main_department":3}`, ct)
	if wantCode(t, a, 0); a.str("errmsg") != "updated" {
		t.Fatalf("update: %s", a.raw)
	}
	a = e.get("/cgi-bin/user/get", "access_token", at, "userid", "newhire")
	if !strings.Contains(a.raw, `"position":"工程师"`) || !strings.Contains(a.raw, `"main_department":3`) || !strings.Contains(a.raw, `"name":"新人"`) {
		t.Fatalf("user/get after update: %s", a.raw)
	}
	wantCode(t, post("/cgi-bin/user/update", `{"userid":"ghost","name":"G"}`, ct), 60111)
	wantCode(t, post("/cgi-bin/user/update", `{"userid":"newhire","mobile":"13800000001"}`, ct), 60104) // zhangsan's

	// look-ups
	if a = post("/cgi-bin/user/getuserid", `{"mobile":"13900000009"}`, at); a.str("userid") != "NewHire" {
		t.Fatalf("getuserid: %s", a.raw)
	}
	wantCode(t, post("/cgi-bin/user/getuserid", `{"mobile":"13999999999"}`, at), 46004)
	if a = post("/cgi-bin/user/get_userid_by_email", `{"email":"zhangsan@demo.wecom.work"}`, at); a.str("userid") != "zhangsan" {
		t.Fatalf("by biz_mail: %s", a.raw)
	}
	if a = post("/cgi-bin/user/get_userid_by_email", `{"email":"lisi@example.com","email_type":2}`, at); a.str("userid") != "lisi" {
		t.Fatalf("by email: %s", a.raw)
	}
	wantCode(t, post("/cgi-bin/user/get_userid_by_email", `{"email":"lisi@example.com"}`, at), 46004) // not a corp mailbox
	open := post("/cgi-bin/user/convert_to_openid", `{"userid":"ZhangSan"}`, at).str("openid")
	if open == "" {
		t.Fatal("no openid")
	}
	if a = post("/cgi-bin/user/convert_to_userid", `{"openid":"`+open+`"}`, at); a.str("userid") != "zhangsan" {
		t.Fatalf("convert_to_userid: %s", a.raw)
	}
	wantCode(t, post("/cgi-bin/user/convert_to_userid", `{"openid":"oBogus"}`, at), 40073)

	// delete: references go too
	a = e.get("/cgi-bin/user/delete", "access_token", ct, "userid", "newhire")
	if wantCode(t, a, 0); a.str("errmsg") != "deleted" {
		t.Fatalf("delete: %s", a.raw)
	}
	wantCode(t, e.get("/cgi-bin/user/get", "access_token", at, "userid", "newhire"), 60111)
	wantCode(t, e.get("/cgi-bin/user/delete", "access_token", ct, "userid", "newhire"), 60111)
	if err := e.s.fx.Validate(); err != nil {
		t.Fatalf("fixtures after delete: %v", err)
	}
	wantCode(t, post("/cgi-bin/user/batchdelete", `{"useridlist":["lisi","ghost"]}`, ct), 60111)
	wantCode(t, post("/cgi-bin/user/batchdelete", `{"useridlist":[]}`, ct), 40031)
	wantCode(t, post("/cgi-bin/user/batchdelete", `{"useridlist":["lisi","alice"]}`, ct), 0)
	wantCode(t, e.get("/cgi-bin/user/get", "access_token", ct, "userid", "alice"), 60111)
	if err := e.s.fx.Validate(); err != nil { // lisi led 研发部
		t.Fatalf("fixtures after batchdelete: %v", err)
	}
}

func TestDepartmentWrites(t *testing.T) {
	e := newEnv(t, Options{})
	ct := e.token(DemoContactSecret)
	at := e.token(DemoAppSecret)
	post := func(path, body string) answer { return e.post(path, body, "access_token", ct) }

	wantCode(t, e.post("/cgi-bin/department/create", `{"name":"新部门","parentid":1}`, "access_token", at), 48002)
	a := post("/cgi-bin/department/create", `{"name":"新部门","parentid":2}`)
	if wantCode(t, a, 0); a.str("errmsg") != "created" || a.m["id"] != float64(5) {
		t.Fatalf("create: %s", a.raw)
	}
	for body, code := range map[string]int{
		`{"name":"","parentid":1}`:         60001,
		`{"name":"a:b","parentid":1}`:      60009,
		`{"name":"x","parentid":99}`:       60004,
		`{"name":"x"}`:                     60004,
		`{"name":"新部门","parentid":2}`:      60008, // same name under one parent
		`{"name":"y","parentid":1,"id":3}`: 60008, // id taken
	} {
		wantCode(t, post("/cgi-bin/department/create", body), code)
	}
	wantCode(t, post("/cgi-bin/department/create", `{"name":"指定","parentid":1,"id":40}`), 0)

	a = e.get("/cgi-bin/department/get", "access_token", at, "id", "5")
	if wantCode(t, a, 0); !strings.Contains(a.raw, `"department":{"id":5,"name":"新部门","name_en":"","department_leader":[],"parentid":2`) {
		t.Fatalf("get: %s", a.raw)
	}
	wantCode(t, e.get("/cgi-bin/department/get", "access_token", at, "id", "77"), 60003)
	wantCode(t, e.get("/cgi-bin/department/get", "access_token", e.token(DemoApp2Secret), "id", "2"), 60011)

	wantCode(t, post("/cgi-bin/department/update", `{"id":5,"name":"改名"}`), 0)
	wantCode(t, post("/cgi-bin/department/update", `{"id":2,"parentid":5}`), 60010) // under its own child
	wantCode(t, post("/cgi-bin/department/update", `{"id":77,"name":"x"}`), 60003)
	wantCode(t, post("/cgi-bin/department/update", `{"id":5,"parentid":99}`), 60004)

	wantCode(t, e.get("/cgi-bin/department/delete", "access_token", ct, "id", "1"), 60007)
	wantCode(t, e.get("/cgi-bin/department/delete", "access_token", ct, "id", "2"), 60006)
	wantCode(t, e.get("/cgi-bin/department/delete", "access_token", ct, "id", "4"), 60005)
	a = e.get("/cgi-bin/department/delete", "access_token", ct, "id", "5")
	if wantCode(t, a, 0); a.str("errmsg") != "deleted" {
		t.Fatalf("delete: %s", a.raw)
	}
	wantCode(t, e.get("/cgi-bin/department/get", "access_token", ct, "id", "5"), 60003)
}
