package sandbox

import (
	"strings"
	"testing"
)

func TestMoreContactEndpoints(t *testing.T) {
	e := newEnv(t, Options{})
	ct := e.token(DemoContactSecret)
	at := e.token(DemoAppSecret)

	wantCode(t, e.get("/cgi-bin/user/authsucc", "access_token", at, "userid", "LiSi"), 0)
	wantCode(t, e.get("/cgi-bin/user/authsucc", "access_token", at, "userid", "ghost"), 60111)
	wantCode(t, e.get("/cgi-bin/user/authsucc", "access_token", e.token(DemoApp2Secret), "userid", "lisi"), 60011)

	a := e.post("/cgi-bin/batch/invite", `{"user":["zhangsan","ghost"],"party":[2,99],"tag":[1,77]}`, "access_token", at)
	if wantCode(t, a, 0); !strings.Contains(a.raw, `"invaliduser":["ghost"],"invalidparty":[99],"invalidtag":[77]`) {
		t.Fatalf("invite: %s", a.raw)
	}
	wantCode(t, e.post("/cgi-bin/batch/invite", `{}`, "access_token", at), 82001)

	wantCode(t, e.get("/cgi-bin/corp/get_join_qrcode", "access_token", at), 48002)
	if a = e.get("/cgi-bin/corp/get_join_qrcode", "access_token", ct, "size_type", "2"); !strings.HasPrefix(a.str("join_qrcode"), "https://") {
		t.Fatalf("join qrcode: %s", a.raw)
	}
	wantCode(t, e.get("/cgi-bin/corp/get_join_qrcode", "access_token", ct, "size_type", "9"), 40035)

	today := e.s.Now().Format("2006-01-02")
	if a = e.post("/cgi-bin/user/get_active_stat", `{"date":"`+today+`"}`, "access_token", ct); a.m["active_cnt"] != float64(6) {
		t.Fatalf("active stat: %s", a.raw)
	}
	wantCode(t, e.post("/cgi-bin/user/get_active_stat", `{"date":"2001-01-01"}`, "access_token", ct), 40058)

	// replaceuser: members missing from the file are deleted
	csvFile := []byte("姓名,帐号,手机号,邮箱,所在部门\n张三,zhangsan,,,1\n新人,newhire,13900000009,,2\n")
	up := e.upload("/cgi-bin/media/upload", "media", "all.csv", csvFile, "access_token", ct, "type", "file")
	a = e.post("/cgi-bin/batch/replaceuser", `{"media_id":"`+up.str("media_id")+`"}`, "access_token", ct)
	wantCode(t, a, 0)
	if r := e.get("/cgi-bin/batch/getresult", "access_token", ct, "jobid", a.str("jobid")); r.str("type") != "replace_user" || r.m["total"] != float64(2) {
		t.Fatalf("getresult: %s", r.raw)
	}
	wantCode(t, e.get("/cgi-bin/user/get", "access_token", ct, "userid", "lisi"), 60111)
	wantCode(t, e.get("/cgi-bin/user/get", "access_token", ct, "userid", "newhire"), 0)
	if err := e.s.fx.Validate(); err != nil {
		t.Fatalf("fixtures after replaceuser: %v", err)
	}
}

func TestBatchReplaceParty(t *testing.T) {
	e := newEnv(t, Options{})
	ct := e.token(DemoContactSecret)
	wantCode(t, e.post("/cgi-bin/department/create", `{"name":"空部门","parentid":1,"id":9}`, "access_token", ct), 0)
	// 子部 comes before its parent 新部 in the file
	csvFile := []byte("部门名称,部门ID,父部门ID,排序\n演示科技,1,0,1\n研发中心,2,1,2\n子部,8,7,1\n新部,7,2,3\n孤儿,11,99,1\n")
	up := e.upload("/cgi-bin/media/upload", "media", "parties.csv", csvFile, "access_token", ct, "type", "file")
	wantCode(t, e.post("/cgi-bin/batch/replaceparty", `{"media_id":"`+up.str("media_id")+`"}`, "access_token", e.token(DemoAppSecret)), 48002)
	a := e.post("/cgi-bin/batch/replaceparty", `{"media_id":"`+up.str("media_id")+`"}`, "access_token", ct)
	wantCode(t, a, 0)
	r := e.get("/cgi-bin/batch/getresult", "access_token", ct, "jobid", a.str("jobid"))
	for _, want := range []string{
		`"type":"replace_party"`,
		`{"action":2,"partyid":2,"errcode":0`,
		`{"action":1,"partyid":7,"errcode":0`,
		`{"action":1,"partyid":8,"errcode":0`,
		`{"action":1,"partyid":11,"errcode":60004`,
		`{"action":3,"partyid":9,"errcode":0`,     // empty, not listed: deleted
		`{"action":3,"partyid":3,"errcode":60005`, // has members: kept
	} {
		if !strings.Contains(r.raw, want) {
			t.Fatalf("getresult lacks %s: %s", want, r.raw)
		}
	}
	if d := e.get("/cgi-bin/department/get", "access_token", ct, "id", "8"); !strings.Contains(d.raw, `"parentid":7`) {
		t.Fatalf("8: %s", d.raw)
	}
	wantCode(t, e.get("/cgi-bin/department/get", "access_token", ct, "id", "9"), 60003)
	if err := e.s.fx.Validate(); err != nil {
		t.Fatalf("fixtures after replaceparty: %v", err)
	}
}

func TestBatchSyncUser(t *testing.T) {
	e := newEnv(t, Options{})
	ct := e.token(DemoContactSecret)
	csvFile := []byte("姓名,帐号,手机号,邮箱,所在部门\n新人,newhire,13900000009,,2\n张三改,ZhangSan,,,1\n坏,bad id,,,1\n")
	up := e.upload("/cgi-bin/media/upload", "media", "members.csv", csvFile, "access_token", ct, "type", "file")
	if up.code() != 0 {
		t.Fatalf("upload: %s", up.raw)
	}
	wantCode(t, e.post("/cgi-bin/batch/syncuser", `{"media_id":"bogus"}`, "access_token", ct), 40007)
	wantCode(t, e.post("/cgi-bin/batch/syncuser", `{"media_id":"`+up.str("media_id")+`"}`, "access_token", e.token(DemoAppSecret)), 48002)
	a := e.post("/cgi-bin/batch/syncuser", `{"media_id":"`+up.str("media_id")+`"}`, "access_token", ct)
	wantCode(t, a, 0)
	r := e.get("/cgi-bin/batch/getresult", "access_token", ct, "jobid", a.str("jobid"))
	wantCode(t, r, 0)
	if r.m["status"] != float64(3) || r.m["total"] != float64(3) || r.str("type") != "sync_user" ||
		!strings.Contains(r.raw, `{"userid":"bad id","errcode":40003`) || !strings.Contains(r.raw, `{"userid":"newhire","errcode":0`) {
		t.Fatalf("getresult: %s", r.raw)
	}
	if u := e.get("/cgi-bin/user/get", "access_token", ct, "userid", "zhangsan"); u.str("name") != "张三改" {
		t.Fatalf("zhangsan not updated: %s", u.raw)
	}
	wantCode(t, e.get("/cgi-bin/batch/getresult", "access_token", ct, "jobid", "nope"), 40058)
}
