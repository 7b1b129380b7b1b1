package doctor

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/check"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

// egressSetup is setup with the sandbox at hand, to read its counters.
func egressSetup(t *testing.T, opts sandbox.Options) (*cmdutiltest.Harness, *sandbox.Server, func() Env) {
	t.Helper()
	h := cmdutiltest.NewFactory(t)
	srv, _ := h.StartSandbox(t, opts)
	h.Env["WWCLI_CORP_ID"], h.Env["WWCLI_SECRET"] = sandbox.DemoCorpID, sandbox.DemoAppSecret
	h.F.Global.Timeout = 5 * time.Second
	return h, srv, func() Env { return envOf(h.F, cmdutil.CredInput{}) }
}

func findEgress(rep EgressReport, name string) Check {
	return find(Report{Checks: rep.Checks}, name)
}

func TestEgressAccepted(t *testing.T) {
	_, srv, env := egressSetup(t, sandbox.Options{})
	rep := RunEgress(context.Background(), env())
	if !rep.OK || rep.IP != "127.0.0.1" || rep.Accepted != Accepted {
		t.Fatalf("%+v", rep)
	}
	if c := findEgress(rep, CheckEgressIP); c.Status != check.Pass || !strings.Contains(c.Detail, "127.0.0.1") {
		t.Fatalf("%+v", c)
	}
	if c := findEgress(rep, CheckEgressAccepted); c.Status != check.Pass || !strings.Contains(c.Detail, sandbox.DemoCorpID) {
		t.Fatalf("%+v", c)
	}
	// One token, no ticket: the egress check spends no capped quota.
	if n := srv.Count("/cgi-bin/get_jsapi_ticket") + srv.Count("/cgi-bin/ticket/get"); n != 0 {
		t.Fatalf("%d ticket fetches", n)
	}
}

func TestEgressRefusedNamesTheIPToAdd(t *testing.T) {
	_, env := setup(t, sandbox.Options{TrustedIPs: []string{"192.0.2.7"}})
	rep := RunEgress(context.Background(), env())
	if rep.OK || rep.IP != "127.0.0.1" || rep.Accepted != NotAccepted {
		t.Fatalf("%+v", rep)
	}
	c := findEgress(rep, CheckEgressAccepted)
	if c.Status != check.Fail || !strings.Contains(c.Detail, "60020") || !strings.Contains(c.Fix, "add 127.0.0.1 to") || !strings.Contains(c.Fix, "企业可信IP") {
		t.Fatalf("%+v", c)
	}
}

func TestEgressWithoutCredentialsStillNamesTheIP(t *testing.T) {
	h, srv, env := egressSetup(t, sandbox.Options{})
	delete(h.Env, "WWCLI_SECRET")
	rep := RunEgress(context.Background(), env())
	if !rep.OK || rep.IP != "127.0.0.1" || rep.Accepted != Unknown {
		t.Fatalf("%+v", rep)
	}
	if c := findEgress(rep, CheckEgressAccepted); c.Status != check.Warn || !strings.Contains(c.Fix, "WWCLI_CORP_ID + WWCLI_SECRET") {
		t.Fatalf("%+v", c)
	}
	if n := srv.Count("/cgi-bin/gettoken"); n != 0 {
		t.Fatalf("%d gettoken without credentials", n)
	}
}

func TestEgressWhenWeComLeavesFromIPEmpty(t *testing.T) {
	// Observed in a reported 40014 answer: "from ip: , more info at ...".
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"errcode":41001,"errmsg":"access_token missing, hint: [1706848717432011565347844], from ip: , more info at https://open.work.weixin.qq.com/devtool/query?e=41001"}`))
	}))
	defer api.Close()
	h, env := setup(t, sandbox.Options{})
	delete(h.Env, "WWCLI_SECRET")
	h.F.Global.BaseURL = api.URL
	rep := RunEgress(context.Background(), env())
	if rep.IP != "" || rep.Accepted != Unknown {
		t.Fatalf("%+v", rep)
	}
	if c := findEgress(rep, CheckEgressIP); c.Status != check.Warn || !strings.Contains(c.Detail, "without a from ip") {
		t.Fatalf("%+v", c)
	}
}
