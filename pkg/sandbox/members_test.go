package sandbox

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestMembersListsTheFixturesWithoutSecrets(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.get("/_sandbox/members")
	if a.status != 200 {
		t.Fatalf("members: %d %s", a.status, a.raw)
	}
	for _, want := range []string{`"userid":"zhangsan","name":"张三","department":[1],"position":"总经理","status":1`,
		`"agentid":1000002,"name":"演示应用","redirect_domain":"wwcli.example.com"`, `"id":4,"name":"前端组","parentid":2`} {
		if !strings.Contains(a.raw, want) {
			t.Errorf("members lacks %s:\n%s", want, a.raw)
		}
	}
	for _, secret := range []string{DemoAppSecret, DemoApp2Secret, DemoContactSecret, DemoRobotKey, "13800000001"} {
		if strings.Contains(a.raw, secret) {
			t.Errorf("members shows %q", secret)
		}
	}
	if a := e.post("/_sandbox/members", "{}"); a.status != http.StatusMethodNotAllowed {
		t.Errorf("POST members: %d", a.status)
	}
}

// The console is served to browsers at /_sandbox/; scripts asking the
// same URL still get the JSON info.
func TestConsoleAtSandboxRootForBrowsersOnly(t *testing.T) {
	e := newEnv(t, Options{})
	req, _ := http.NewRequest("GET", e.base+"/_sandbox/", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	res, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		res.Header.Get("Content-Security-Policy") == "" || !strings.Contains(string(body), "/_sandbox/console/console.js") {
		t.Fatalf("browser at /_sandbox/: %d %v", res.StatusCode, res.Header)
	}
	if a := e.get("/_sandbox/"); a.status != 200 || !strings.Contains(a.raw, `"corps":[{"corpid":"`+DemoCorpID) {
		t.Fatalf("script at /_sandbox/: %d %s", a.status, a.raw)
	}
	if a := e.get("/_sandbox/console/console.css"); a.status != 200 || !strings.Contains(a.raw, ".bubble") {
		t.Fatalf("asset: %d", a.status)
	}
}
