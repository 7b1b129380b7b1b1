package recording

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRedactJSONMasksSecretsAndPersonalDataKeepingOrder(t *testing.T) {
	in := `{"errcode":0,"errmsg":"ok","access_token":"tok123","expires_in":7200,
	"userlist":[{"userid":"zhangsan","name":"张三","mobile":"13800000000","email":"z@example.com","department":[1,2]}],
	"department":[{"id":2,"name":"研发部"}],"ticket":"T1","nested":{"permanent_code":"P","big":12345678901234567890}}`
	got := string(RedactJSON([]byte(in)))
	want := `{"errcode":0,"errmsg":"ok","access_token":"***","expires_in":7200,` +
		`"userlist":[{"userid":"zhangsan","name":"***","mobile":"***","email":"***","department":[1,2]}],` +
		`"department":[{"id":2,"name":"研发部"}],"ticket":"***","nested":{"permanent_code":"***","big":12345678901234567890}}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	for _, secret := range []string{"tok123", "13800000000", "z@example.com", "张三", `"P"`, "T1"} {
		if strings.Contains(got, secret) {
			t.Errorf("%s survived", secret)
		}
	}
}

func TestRedactJSONReplacesWhatIsNotJSON(t *testing.T) {
	for _, in := range []string{"corpsecret=abc", `{"a":1} trailing`, `{"a":`} {
		if got := string(RedactJSON([]byte(in))); strings.Contains(got, "abc") || !strings.Contains(got, "not JSON") {
			t.Errorf("%q -> %s", in, got)
		}
	}
	if RedactJSON(nil) != nil {
		t.Error("empty body should stay empty")
	}
}

func TestRedactQuery(t *testing.T) {
	q := url.Values{"access_token": {"t"}, "userid": {"zhangsan"}, "key": {"robotkey"}, "mobile": {"138"}}
	got := RedactQuery(q)
	if got["access_token"][0] != Mask || got["key"][0] != Mask || got["mobile"][0] != Mask || got["userid"][0] != "zhangsan" {
		t.Fatalf("%v", got)
	}
	if q.Get("access_token") != "t" {
		t.Fatal("the caller's query was changed")
	}
}

func TestWriteLoadAndMatch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rec")
	now := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	a := New(now, "GET", "/cgi-bin/tag/get", url.Values{"tagid": {"1"}, "access_token": {"secret-token"}}, nil,
		[]byte(`{"errcode":0,"errmsg":"ok","tagname":"A"}`), 200)
	b := New(now, "GET", "/cgi-bin/tag/get", url.Values{"tagid": {"2"}}, nil, []byte(`{"errcode":0,"errmsg":"ok","tagname":"B"}`), 200)
	c := New(now, "POST", "/cgi-bin/tag/addtagusers", nil, []byte(`{"tagid":1,"userlist":["lisi"]}`), []byte(`{"errcode":0,"errmsg":"ok"}`), 200)
	for _, e := range []Exchange{a, b, c} {
		if _, err := Write(dir, e); err != nil {
			t.Fatal(err)
		}
	}
	info, err := os.Stat(dir)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("dir %v %v", info, err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(names) != 3 {
		t.Fatalf("files %v (same timestamp must not overwrite)", names)
	}
	for _, n := range names {
		data, _ := os.ReadFile(n)
		if strings.Contains(string(data), "secret-token") {
			t.Fatalf("%s holds the token", n)
		}
	}
	recs, err := Load(dir)
	if err != nil || len(recs) != 3 {
		t.Fatalf("%d %v", len(recs), err)
	}
	m := Match(recs, "GET", "/cgi-bin/tag/get", url.Values{"tagid": {"2"}, "access_token": {"other"}, "debug": {"1"}}, nil)
	if m == nil || !strings.Contains(string(m.Response), `"B"`) {
		t.Fatalf("tagid=2 -> %+v", m)
	}
	for _, miss := range []url.Values{{"tagid": {"3"}}, {}, {"tagid": {"2"}, "extra": {"x"}}} {
		if m := Match(recs, "GET", "/cgi-bin/tag/get", miss, nil); m != nil {
			t.Errorf("%v matched %s", miss, m.File)
		}
	}
	if Match(recs, "POST", "/cgi-bin/tag/get", url.Values{"tagid": {"2"}}, nil) != nil {
		t.Error("the method must match")
	}
	if Match(recs, "POST", "/cgi-bin/tag/addtagusers", nil, []byte(`{"userlist":["lisi"],"tagid":1}`)) == nil {
		t.Error("a body with the same fields in another order must match")
	}
	if Match(recs, "POST", "/cgi-bin/tag/addtagusers", nil, []byte(`{"tagid":1,"userlist":["wangwu"]}`)) != nil {
		t.Error("another body must not match")
	}
	if Count(recs, "GET", "/cgi-bin/tag/get") != 2 {
		t.Error("count")
	}
}

func TestLoadRefusesWhatIsNotARecording(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x.json"), []byte(`{"hello":1}`), 0o600)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "x.json") {
		t.Fatalf("err %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("a missing directory must be an error")
	}
}

func TestWriteClipsLongFileNames(t *testing.T) {
	dir := t.TempDir()
	e := New(time.Now(), "GET", "/cgi-bin/"+strings.Repeat("a", 400), nil, nil, []byte(`{"errcode":0}`), 200)
	name, err := Write(dir, e)
	if err != nil || len(filepath.Base(name)) > 200 {
		t.Fatalf("%s %v", name, err)
	}
}
