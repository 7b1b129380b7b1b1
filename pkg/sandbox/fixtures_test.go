package sandbox

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestDemoCredentialsLookReal(t *testing.T) {
	if !regexp.MustCompile(`^ww[0-9a-f]{16}$`).MatchString(DemoCorpID) {
		t.Fatalf("corp id %q is not in WeCom's format", DemoCorpID)
	}
	secret := regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
	for _, s := range []string{DemoAppSecret, DemoApp2Secret, DemoContactSecret, DemoMiniProgramSecret, DemoExternalContactSecret} {
		if !secret.MatchString(s) {
			t.Errorf("secret %q must be 43 characters of [A-Za-z0-9_-]", s)
		}
	}
	if err := DemoFixtures().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadFixturesRoundTrip(t *testing.T) {
	data, err := json.Marshal(DemoFixtures())
	if err != nil {
		t.Fatal(err)
	}
	fx, err := LoadFixtures(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	if fx.Corps[0].Users[0].Name != "张三" || len(fx.Corps[0].Apps) != 3 {
		t.Fatalf("round trip lost data: %+v", fx.Corps[0])
	}
}

func TestLoadFixturesExampleFile(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "fixtures.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fx, err := LoadFixtures(f)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, Options{Fixtures: fx})
	a := e.get("/cgi-bin/gettoken", "corpid", "wwfeedc0ffee000001", "corpsecret", "acme-ops-secret-for-tests-only")
	wantCode(t, a, 0)
	u := e.get("/cgi-bin/user/get", "access_token", a.str("access_token"), "userid", "liuyang")
	if u.str("name") != "刘洋" {
		t.Fatalf("fixture member: %s", u.raw)
	}
}

func TestLoadFixturesErrors(t *testing.T) {
	valid := func(mutate string) string {
		// a minimal valid corp, with one spot replaced by mutate's JSON
		return strings.Replace(`{"corps":[{"corpid":"ww1","apps":[{"agentid":1,"name":"a","secret":"s"}],
"departments":[{"id":1,"name":"root","parentid":0}],"users":[{"userid":"u","name":"U","department":[1]}]}]}`,
			`"users":[{"userid":"u","name":"U","department":[1]}]`, mutate, 1)
	}
	cases := []struct{ name, in, want string }{
		{"empty", ``, "empty input"},
		{"syntax", "{\n  \"corps\": [,]\n}", "line 2"},
		{"unknown field", `{"corp":[]}`, `unknown field "corp"`},
		{"wrong type", `{"corps":[{"corpid":1}]}`, "corps.corpid: expected string"},
		{"trailing data", `{"corps":[]} {}`, "after the JSON object"},
		{"no corps", `{"corps":[]}`, "at least one corp"},
		{"empty corpid", `{"corps":[{"corpid":""}]}`, "corps[0].corpid: must not be empty"},
		{"no apps", `{"corps":[{"corpid":"ww1"}]}`, "corps[0].apps: a corp needs at least one app"},
		{"duplicate corp", `{"corps":[{"corpid":"ww1","contact_secret":"c"},{"corpid":"ww1","contact_secret":"c"}]}`, "corps[1].corpid"},
		{"bad user id", valid(`"users":[{"userid":"bad id","name":"U","department":[1]}]`), "corps[0].users[0].userid"},
		{"duplicate user", valid(`"users":[{"userid":"u","name":"U","department":[1]},{"userid":"u","name":"V","department":[1]}]`), "corps[0].users[1].userid"},
		{"user without name", valid(`"users":[{"userid":"u","department":[1]}]`), "corps[0].users[0].name"},
		{"user without department", valid(`"users":[{"userid":"u","name":"U"}]`), "corps[0].users[0].department"},
		{"user unknown department", valid(`"users":[{"userid":"u","name":"U","department":[9]}]`), "corps[0].users[0].department[0]: department 9"},
		{"bad gender", valid(`"users":[{"userid":"u","name":"U","department":[1],"gender":"m"}]`), "corps[0].users[0].gender"},
		{"bad parent", `{"corps":[{"corpid":"ww1","contact_secret":"c","departments":[{"id":1,"name":"a","parentid":5}]}]}`, "corps[0].departments[0].parentid"},
		{"cycle", `{"corps":[{"corpid":"ww1","contact_secret":"c","departments":[{"id":1,"name":"a","parentid":2},{"id":2,"name":"b","parentid":1}]}]}`, "own ancestor"},
		{"self parent", `{"corps":[{"corpid":"ww1","contact_secret":"c","departments":[{"id":1,"name":"a","parentid":1}]}]}`, "corps[0].departments[0].parentid: department 1 is its own ancestor"},
		{"chain into a cycle", `{"corps":[{"corpid":"ww1","contact_secret":"c","departments":[{"id":3,"name":"c","parentid":1},{"id":1,"name":"a","parentid":2},{"id":2,"name":"b","parentid":1}]}]}`, "corps[0].departments[1].parentid: department 1 is its own ancestor"},
		// Used to panic (nil pointer): the walk up from 1 reached 2's missing parent.
		{"grandparent missing", `{"corps":[{"corpid":"ww1","contact_secret":"c","departments":[{"id":1,"name":"a","parentid":2},{"id":2,"name":"b","parentid":99}]}]}`, "corps[0].departments[1].parentid: department 99 does not exist"},
		{"duplicate department", `{"corps":[{"corpid":"ww1","contact_secret":"c","departments":[{"id":1,"name":"a"},{"id":1,"name":"b"}]}]}`, "corps[0].departments[1].id"},
		{"department id 0", `{"corps":[{"corpid":"ww1","contact_secret":"c","departments":[{"id":0,"name":"a"}]}]}`, "corps[0].departments[0].id"},
		{"unknown leader", `{"corps":[{"corpid":"ww1","contact_secret":"c","departments":[{"id":1,"name":"a","department_leader":["x"]}]}]}`, "department_leader[0]"},
		{"app without secret", `{"corps":[{"corpid":"ww1","apps":[{"agentid":1,"name":"a"}]}]}`, "corps[0].apps[0].secret"},
		{"app agentid", `{"corps":[{"corpid":"ww1","apps":[{"agentid":0,"name":"a","secret":"s"}]}]}`, "corps[0].apps[0].agentid"},
		{"duplicate agentid", `{"corps":[{"corpid":"ww1","apps":[{"agentid":1,"name":"a","secret":"s"},{"agentid":1,"name":"b","secret":"t"}]}]}`, "corps[0].apps[1].agentid"},
		{"shared secret", `{"corps":[{"corpid":"ww1","contact_secret":"s","apps":[{"agentid":1,"name":"a","secret":"s"}]}]}`, "corps[0].apps[0].secret: already used"},
		{"app unknown user", `{"corps":[{"corpid":"ww1","apps":[{"agentid":1,"name":"a","secret":"s","allow_users":["x"]}]}]}`, "corps[0].apps[0].allow_users[0]"},
		{"app unknown party", `{"corps":[{"corpid":"ww1","apps":[{"agentid":1,"name":"a","secret":"s","allow_partys":[3]}]}]}`, "corps[0].apps[0].allow_partys[0]"},
		{"app bad ip", `{"corps":[{"corpid":"ww1","apps":[{"agentid":1,"name":"a","secret":"s","trusted_ips":["1.2.3"]}]}]}`, "corps[0].apps[0].trusted_ips[0]"},
		{"duplicate user in another case", valid(`"users":[{"userid":"u","name":"U","department":[1]},{"userid":"U","name":"V","department":[1]}]`), "case-insensitive"},
		{"tag unknown user", `{"corps":[{"corpid":"ww1","contact_secret":"c","tags":[{"tagid":1,"tagname":"t","userlist":["x"]}]}]}`, "corps[0].tags[0].userlist[0]"},
		{"tag id twice", `{"corps":[{"corpid":"ww1","contact_secret":"c","tags":[{"tagid":1,"tagname":"t"},{"tagid":1,"tagname":"u"}]}]}`, "corps[0].tags[1].tagid"},
		{"shared customer secret", `{"corps":[{"corpid":"ww1","contact_secret":"c","externalcontact_secret":"c"}]}`, "externalcontact_secret: already used"},
		{"bad callback ip", `{"corps":[{"corpid":"ww1","contact_secret":"c"}],"callback_ips":["x"]}`, "callback_ips[0]"},
		{"bad api ip", `{"corps":[{"corpid":"ww1","contact_secret":"c"}],"api_domain_ips":["10.0.0.0/33"]}`, "api_domain_ips[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadFixtures(strings.NewReader(c.in))
			if err == nil {
				t.Fatalf("accepted %s", c.in)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "fixtures: ") {
				t.Fatalf("error %q should mention %q", err, c.want)
			}
		})
	}
	if _, err := LoadFixtures(strings.NewReader(valid(`"users":[{"userid":"u","name":"U","department":[1]}]`))); err != nil {
		t.Fatalf("the base of the table must be valid: %v", err)
	}
}

// A deep department tree is checked in linear time: a 40,000-deep chain
// took 74 s (walking up from every department) before.
func TestValidateDeepTreeIsFast(t *testing.T) {
	const n = 40000
	depts := make([]Department, n)
	for i := range depts {
		depts[i] = Department{ID: int64(i + 1), Name: "d", ParentID: int64(i)}
	}
	fx := &Fixtures{Corps: []Corp{{CorpID: "ww1", ContactSecret: "c", Departments: depts,
		Users: []User{{UserID: "u", Name: "U", Department: []int64{n}}}}}}
	start := time.Now()
	if err := fx.Validate(); err != nil {
		t.Fatal(err)
	}
	depts[0].ParentID = n // close the chain into one big loop
	if err := fx.Validate(); err == nil || !strings.Contains(err.Error(), "own ancestor") {
		t.Fatalf("a %d-long loop must be found, got %v", n, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("validating %d departments twice took %s", n, d)
	}
}

func TestNewPanicsOnInvalidFixtures(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("New must refuse invalid fixtures")
		}
	}()
	New(Options{Fixtures: &Fixtures{}})
}

// FuzzLoadFixtures: any input either fails with a "fixtures:" error or
// yields fixtures a server can be built from.
func FuzzLoadFixtures(f *testing.F) {
	demo, _ := json.Marshal(DemoFixtures())
	f.Add(string(demo))
	f.Add(`{"corps":[{"corpid":"ww1","contact_secret":"c","departments":[{"id":1,"name":"a","parentid":1}]}]}`)
	f.Add(`{"corps":[{"corpid":"ww1","apps":[{"agentid":1,"name":"a","secret":"s","allow_partys":[1]}],"departments":[{"id":1,"name":"r"}]}]}`)
	f.Add(`{"corps":[{"corpid":"ww1","contact_secret":"c","departments":[{"id":1,"name":"a","parentid":2},{"id":2,"name":"b","parentid":3}]}]}`)
	f.Add(`{"corps":null}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, in string) {
		fx, err := LoadFixtures(strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fixtures: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		New(Options{Fixtures: fx})
	})
}
