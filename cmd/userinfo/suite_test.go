package userinfo

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
)

// fakeSuiteWeCom answers get_suite_token and the third-party identity
// endpoints, and records the paths called.
type fakeSuiteWeCom struct {
	mu      sync.Mutex
	paths   []string
	answers map[string]string
}

func (f *fakeSuiteWeCom) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.paths = append(f.paths, r.URL.Path+"?"+r.URL.Query().Get("code")+" "+string(body))
	ans, ok := f.answers[r.URL.Path]
	f.mu.Unlock()
	switch {
	case r.URL.Path == "/cgi-bin/service/get_suite_token":
		ans = `{"suite_access_token":"SUITE_TOKEN","expires_in":7200}`
	case r.URL.Query().Get("suite_access_token") != "SUITE_TOKEN":
		ans = `{"errcode":40082,"errmsg":"invalid suite_token"}`
	case !ok:
		ans = `{"errcode":-1,"errmsg":"not in this fake"}`
	}
	_, _ = io.WriteString(w, ans)
}

func suiteHarness(t *testing.T, suiteID string, answers map[string]string) (*cmdutiltest.Harness, *fakeSuiteWeCom) {
	t.Helper()
	h := cmdutiltest.NewFactory(t)
	fake := &fakeSuiteWeCom{answers: answers}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	h.F.Global.BaseURL = srv.URL
	h.Env["WWCLI_SUITE_ID"], h.Env["WWCLI_SUITE_SECRET"], h.Env["WWCLI_SUITE_TICKET"] = suiteID, "suite-secret", "suite-ticket"
	return h, fake
}

const (
	member3rd = `{"errcode":0,"errmsg":"ok","corpid":"wwcorp1","userid":"zhangsan","user_ticket":"UT","expires_in":7200,"open_userid":"wo1"}`
	detail3rd = `{"errcode":0,"errmsg":"ok","corpid":"wwcorp1","userid":"zhangsan","name":"zhangsan","gender":"1","avatar":"https://a.example/a.png"}`
)

func TestSuiteMember(t *testing.T) {
	h, fake := suiteHarness(t, "ww9c3e7b1a5d2f8e60", map[string]string{"/cgi-bin/service/auth/getuserinfo3rd": member3rd})
	r := execute(t, h, "--suite", "CODE3RD")
	if r.exit != 0 || r.out != "zhangsan\twwcorp1\n" {
		t.Fatalf("exit %d out %q err %v %s", r.exit, r.out, r.err, r.errOut)
	}
	if got := strings.Join(fake.paths, "\n"); !strings.Contains(got, "/cgi-bin/service/auth/getuserinfo3rd?CODE3RD") {
		t.Fatalf("calls:\n%s", got)
	}
}

func TestSuiteNonMemberAndJSON(t *testing.T) {
	h, _ := suiteHarness(t, "ww9c3e7b1a5d2f8e60", map[string]string{"/cgi-bin/service/auth/getuserinfo3rd": `{"errcode":0,"errmsg":"ok","openid":"oABC"}`})
	if r := execute(t, h, "--suite", "CODE3RD"); r.exit != 0 || r.out != "oABC\n" {
		t.Fatalf("exit %d out %q %v", r.exit, r.out, r.err)
	}
	h, _ = suiteHarness(t, "ww9c3e7b1a5d2f8e60", map[string]string{"/cgi-bin/service/auth/getuserinfo3rd": member3rd})
	if r := execute(t, h, "--suite", "--jq", ".open_userid", "CODE3RD"); r.exit != 0 || r.out != "wo1\n" {
		t.Fatalf("--jq: exit %d out %q %v", r.exit, r.out, r.err)
	}
}

func TestSuiteDetail(t *testing.T) {
	h, fake := suiteHarness(t, "ww9c3e7b1a5d2f8e60", map[string]string{"/cgi-bin/service/auth/getuserinfo3rd": member3rd,
		"/cgi-bin/service/auth/getuserdetail3rd": detail3rd})
	r := execute(t, h, "--suite", "--detail", "CODE3RD")
	if r.exit != 0 || r.out != "corpid\twwcorp1\nuserid\tzhangsan\nname\tzhangsan\ngender\t1\navatar\thttps://a.example/a.png\n" {
		t.Fatalf("exit %d out %q %v", r.exit, r.out, r.err)
	}
	if got := strings.Join(fake.paths, "\n"); !strings.Contains(got, `/cgi-bin/service/auth/getuserdetail3rd? {"user_ticket":"UT"}`) {
		t.Fatalf("calls:\n%s", got)
	}
	// No user_ticket: the identity, then exit 1 with the reason.
	h, _ = suiteHarness(t, "ww9c3e7b1a5d2f8e60", map[string]string{"/cgi-bin/service/auth/getuserinfo3rd": `{"errcode":0,"errmsg":"ok","corpid":"wwcorp1","userid":"zhangsan"}`})
	if r := execute(t, h, "--suite", "--detail", "CODE3RD"); r.exit != 1 || r.out != "zhangsan\twwcorp1\n" || !strings.Contains(r.err.Error(), "no user_ticket") {
		t.Fatalf("no ticket: exit %d out %q %v", r.exit, r.out, r.err)
	}
}

func TestSuiteErrors(t *testing.T) {
	h, fake := suiteHarness(t, "ww9c3e7b1a5d2f8e60", map[string]string{"/cgi-bin/service/auth/getuserinfo3rd": `{"errcode":40029,"errmsg":"invalid code"}`})
	if r := execute(t, h, "--suite", "CODE3RD"); r.exit != 3 || !strings.Contains(r.err.Error(), "40029") {
		t.Fatalf("WeCom error: exit %d %v", r.exit, r.err)
	}
	for _, args := range [][]string{{"--suite", "--legacy", "C"}, {"--suite", "--miniprogram", "C"}, {"--suite", "C", "ww1", "S"}, {"--suite", "--corp-id", "ww1", "C"}} {
		if r := execute(t, h, args...); r.exit != 2 {
			t.Errorf("%q: exit %d %v", args, r.exit, r.err)
		}
	}
	n := len(fake.paths)
	h, fake = suiteHarness(t, "dk3b7e1f9a2c5d8e40", nil)
	if r := execute(t, h, "--suite", "CODE3RD"); r.exit != 2 || !strings.Contains(r.err.Error(), "代开发 template") || !strings.Contains(r.err.Error(), "--auth-corp") {
		t.Fatalf("template: exit %d %v", r.exit, r.err)
	}
	if n != 2 || len(fake.paths) != 0 { // n: get_suite_token + the 40029 call
		t.Fatalf("usage errors reached WeCom: %d, %q", n, fake.paths)
	}
}
