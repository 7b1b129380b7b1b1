package suite

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/qrterm/qrtermtest"
)

const (
	testSuiteID     = "ww9c3e7b1a5d2f8e60"
	testCorpID      = "wwcorp000000000001"
	testPermanent   = "PERMANENT-CODE-secret-0123456789"
	testAuthCode    = "AUTH-CODE-0123456789"
	permanentAnswer = `{"errcode":0,"errmsg":"ok","access_token":"CORP_TOKEN","expires_in":7200,"permanent_code":"` + testPermanent + `",
 "auth_corp_info":{"corpid":"` + testCorpID + `","corp_name":"Demo Corp"},
 "auth_info":{"agent":[{"agentid":1000012,"name":"Demo App","auth_mode":0}]},"auth_user_info":{"userid":"zhangsan"}}`
)

// fakeWeCom answers the suite endpoints and records each path called.
type fakeWeCom struct {
	mu      sync.Mutex
	paths   []string
	answers map[string]string
}

func (f *fakeWeCom) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.paths = append(f.paths, r.URL.Path+" "+string(body))
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

func (f *fakeWeCom) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...)
}

type flowResult struct {
	code           int
	stdout, stderr string
}

// harness: a sealed factory pointed at a fake WeCom, with the suite in
// the environment (as in CI).
func harness(t *testing.T, answers map[string]string) (*cmdutiltest.Harness, *fakeWeCom) {
	t.Helper()
	h := cmdutiltest.NewFactory(t)
	fake := &fakeWeCom{answers: answers}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	h.Env["WWCLI_BASE_URL"], h.F.Global.BaseURL = srv.URL, srv.URL
	h.Env["WWCLI_SUITE_ID"], h.Env["WWCLI_SUITE_SECRET"], h.Env["WWCLI_SUITE_TICKET"] = testSuiteID, "suite-secret", "suite-ticket"
	return h, fake
}

func runFlow(t *testing.T, h *cmdutiltest.Harness, cmd *cobra.Command, args ...string) flowResult {
	t.Helper()
	h.Out.Reset()
	h.ErrOut.Reset()
	root := &cobra.Command{Use: "wwcli", SilenceErrors: true, SilenceUsage: true}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
	root.SetOut(h.ErrOut)
	root.SetErr(h.ErrOut)
	root.AddCommand(cmd)
	root.SetArgs(append([]string{cmd.Name()}, args...))
	err := root.ExecuteContext(context.Background())
	if err != nil {
		h.ErrOut.WriteString(err.Error() + "\n")
	}
	return flowResult{cmdutil.ExitCode(err), h.Out.String(), h.ErrOut.String()}
}

func TestInstallURLParsesFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *InstallURLOptions
	cmd := NewInstallURLCmd(h.F, func(_ context.Context, o *InstallURLOptions) error { got = o; return nil })
	if r := runFlow(t, h, cmd, "--redirect-uri", "https://a.example.com/i", "--state", "s1", "--test", "--qr", "--no-cache", "--jq", ".url"); r.code != 0 {
		t.Fatalf("exit %d %s", r.code, r.stderr)
	}
	if got.RedirectURI != "https://a.example.com/i" || got.State != "s1" || !got.Test || !got.QR || !got.NoCache || got.Exporter.JQ != ".url" || got.SuiteSession == nil {
		t.Fatalf("parsed %+v", got)
	}
}

func TestInstallURL(t *testing.T) {
	h, fake := harness(t, map[string]string{
		"/cgi-bin/service/get_pre_auth_code": `{"errcode":0,"errmsg":"ok","pre_auth_code":"PRE123","expires_in":1200}`,
		"/cgi-bin/service/set_session_info":  `{"errcode":0,"errmsg":"ok"}`,
	})
	r := runFlow(t, h, NewInstallURLCmd(h.F, nil), "--redirect-uri", "https://app.example.com/installed", "--state", "s1", "--test")
	want := "https://open.work.weixin.qq.com/3rdapp/install?suite_id=" + testSuiteID + "&pre_auth_code=PRE123" +
		"&redirect_uri=https%3A%2F%2Fapp.example.com%2Finstalled&state=s1\n"
	if r.code != 0 || r.stdout != want || !strings.Contains(r.stderr, "test install link for suite "+testSuiteID) {
		t.Fatalf("exit %d\nstdout %q\nstderr %s", r.code, r.stdout, r.stderr)
	}
	calls := strings.Join(fake.called(), "\n")
	if !strings.Contains(calls, `/cgi-bin/service/set_session_info {"pre_auth_code":"PRE123","session_info":{"auth_type":1}}`) {
		t.Fatalf("calls:\n%s", calls)
	}
	r = runFlow(t, h, NewInstallURLCmd(h.F, nil), "--json")
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc["auth_type"] != float64(0) || doc["pre_auth_code"] != "PRE123" ||
		!strings.Contains(r.stderr, "warning: no --redirect-uri") {
		t.Fatalf("--json: %s %v\n%s", r.stdout, err, r.stderr)
	}
}

func TestInstallURLErrors(t *testing.T) {
	h, fake := harness(t, map[string]string{"/cgi-bin/service/get_pre_auth_code": `{"errcode":40082,"errmsg":"invalid suite_token"}`})
	for _, args := range [][]string{{"--state", "a-b"}, {"--redirect-uri", "/relative"}, {"https://app.example.com/i"}} {
		if r := runFlow(t, h, NewInstallURLCmd(h.F, nil), args...); r.code != 2 || r.stdout != "" {
			t.Errorf("%q: exit %d %s", args, r.code, r.stderr)
		}
	}
	if n := len(fake.called()); n != 0 {
		t.Fatalf("bad input reached WeCom (%d calls)", n)
	}
	if r := runFlow(t, h, NewInstallURLCmd(h.F, nil)); r.code != 3 || !strings.Contains(r.stderr, "40082") {
		t.Fatalf("WeCom error: exit %d %s", r.code, r.stderr)
	}
	delete(h.Env, "WWCLI_SUITE_SECRET")
	delete(h.Env, "WWCLI_SUITE_ID")
	if r := runFlow(t, h, NewInstallURLCmd(h.F, nil)); r.code != 4 || !strings.Contains(r.stderr, "needs a suite") {
		t.Fatalf("no suite: exit %d %s", r.code, r.stderr)
	}
}

func TestPermanentCodeStoresAndPrints(t *testing.T) {
	h, fake := harness(t, map[string]string{"/cgi-bin/service/get_permanent_code": permanentAnswer})
	r := runFlow(t, h, NewPermanentCodeCmd(h.F, nil), testAuthCode)
	if r.code != 0 || r.stdout != "corp_id\t"+testCorpID+"\ncorp_name\tDemo Corp\nagent\t1000012\tDemo App\n" {
		t.Fatalf("exit %d\nstdout %q\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "use --auth-corp "+testCorpID) || strings.Contains(r.stdout+r.stderr, testPermanent) {
		t.Fatalf("stderr %s", r.stderr)
	}
	got, err := h.Keyring.Get(context.Background(), config.PermanentCodeAccount(testSuiteID, testCorpID))
	if err != nil || got != testPermanent {
		t.Fatalf("stored %q, %v", got, err)
	}
	if calls := fake.called(); calls[len(calls)-1] != `/cgi-bin/service/get_permanent_code {"auth_code":"`+testAuthCode+`"}` {
		t.Fatalf("calls %q", calls)
	}
}

func TestPermanentCodeJSONAndSecret(t *testing.T) {
	h, _ := harness(t, map[string]string{"/cgi-bin/service/get_permanent_code": permanentAnswer})
	r := runFlow(t, h, NewPermanentCodeCmd(h.F, nil), "--json", testAuthCode)
	if r.code != 0 || strings.Contains(r.stdout, testPermanent) || !strings.Contains(r.stdout, `"auth_corp_id":"`+testCorpID+`"`) ||
		!strings.Contains(r.stdout, `"stored":true`) || !strings.Contains(r.stdout, `"endpoint":"v1"`) {
		t.Fatalf("--json: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = runFlow(t, h, NewPermanentCodeCmd(h.F, nil), "--json", "--show-secret", testAuthCode)
	if r.code != 0 || !strings.Contains(r.stdout, `"permanent_code":"`+testPermanent+`"`) {
		t.Fatalf("--show-secret: exit %d %s", r.code, r.stdout)
	}
	if r := runFlow(t, h, NewPermanentCodeCmd(h.F, nil), "--show-secret", testAuthCode); r.code != 2 || !strings.Contains(r.stderr, "--show-secret goes with --json") {
		t.Fatalf("--show-secret alone: exit %d %s", r.code, r.stderr)
	}
}

func TestPermanentCodeFromStdinAndV2(t *testing.T) {
	h, fake := harness(t, map[string]string{
		"/cgi-bin/service/v2/get_permanent_code": `{"permanent_code":"` + testPermanent + `","auth_corp_info":{"corpid":"` + testCorpID + `","corp_name":"Demo"}}`,
		"/cgi-bin/service/get_auth_info":         `{"errcode":0,"errmsg":"ok","auth_corp_info":{"corpid":"` + testCorpID + `","corp_name":"Demo Corp"},"auth_info":{"agent":[{"agentid":1000012,"name":"Demo App"}]}}`,
	})
	h.In.WriteString(testAuthCode + "\n")
	r := runFlow(t, h, NewPermanentCodeCmd(h.F, nil), "--v2", "-")
	if r.code != 0 || r.stdout != "corp_id\t"+testCorpID+"\ncorp_name\tDemo Corp\nagent\t1000012\tDemo App\n" {
		t.Fatalf("exit %d\nstdout %q\nstderr %s", r.code, r.stdout, r.stderr)
	}
	calls := strings.Join(fake.called(), "\n")
	if !strings.Contains(calls, `/cgi-bin/service/v2/get_permanent_code {"auth_code":"`+testAuthCode+`"}`) ||
		!strings.Contains(calls, `/cgi-bin/service/get_auth_info {"auth_corpid":"`+testCorpID+`","permanent_code":"`+testPermanent+`"}`) {
		t.Fatalf("calls:\n%s", calls)
	}
}

// A store that fails after the code was spent: exit 4 naming what was
// lost; with --json --show-secret a warning and the code in the JSON.
func TestPermanentCodeStoreFailure(t *testing.T) {
	h, _ := harness(t, map[string]string{"/cgi-bin/service/get_permanent_code": permanentAnswer})
	newCmd := func() *cobra.Command {
		return NewPermanentCodeCmd(h.F, func(ctx context.Context, o *PermanentCodeOptions) error {
			o.Store = func(context.Context, string, string, string) error { return errors.New("keyring unavailable") }
			return runPermanentCode(ctx, o)
		})
	}
	r := runFlow(t, h, newCmd(), testAuthCode)
	if r.code != 4 || !strings.Contains(r.stderr, "the auth_code is spent") || r.stdout != "" || strings.Contains(r.stderr, testPermanent) {
		t.Fatalf("exit %d\nstdout %q\nstderr %s", r.code, r.stdout, r.stderr)
	}
	r = runFlow(t, h, newCmd(), "--json", "--show-secret", testAuthCode)
	if r.code != 0 || !strings.Contains(r.stdout, testPermanent) || !strings.Contains(r.stdout, `"stored":false`) || !strings.Contains(r.stderr, "could not be stored") {
		t.Fatalf("--show-secret: exit %d\nstdout %q\nstderr %s", r.code, r.stdout, r.stderr)
	}
}

func TestPermanentCodeErrors(t *testing.T) {
	h, fake := harness(t, map[string]string{"/cgi-bin/service/get_permanent_code": `{"errcode":40078,"errmsg":"invalid auth_code"}`})
	for _, args := range [][]string{{}, {"a", "b"}, {"with space"}, {strings.Repeat("x", 513)}} {
		if r := runFlow(t, h, NewPermanentCodeCmd(h.F, nil), args...); r.code != 2 {
			t.Errorf("%q: exit %d %s", args, r.code, r.stderr)
		}
	}
	if n := len(fake.called()); n != 0 {
		t.Fatalf("bad input reached WeCom (%d calls)", n)
	}
	if r := runFlow(t, h, NewPermanentCodeCmd(h.F, nil), testAuthCode); r.code != 3 || !strings.Contains(r.stderr, "40078") || r.stdout != "" {
		t.Fatalf("WeCom error: exit %d %s", r.code, r.stderr)
	}
}

// --qr: the link alone on a piped stdout, the QR code on stderr, and it
// scans back to the link; on a terminal stdout it follows the link there.
func TestInstallURLQR(t *testing.T) {
	h, _ := harness(t, map[string]string{
		"/cgi-bin/service/get_pre_auth_code": `{"errcode":0,"errmsg":"ok","pre_auth_code":"PRE123","expires_in":1200}`,
	})
	r := runFlow(t, h, NewInstallURLCmd(h.F, nil), "--redirect-uri", "https://app.example.com/installed", "--qr")
	link := strings.TrimSuffix(r.stdout, "\n")
	if r.code != 0 || strings.Contains(link, "\n") || !strings.HasPrefix(link, "https://open.work.weixin.qq.com/3rdapp/install?") {
		t.Fatalf("exit %d stdout %q", r.code, r.stdout)
	}
	_, qrText, ok := strings.Cut(r.stderr, "admin:\n")
	if !ok {
		t.Fatalf("no QR on stderr:\n%s", r.stderr)
	}
	if got, err := qrtermtest.Decode(qrText, qrtermtest.Dark); err != nil || got != link {
		t.Fatalf("QR holds %q (%v), want %q", got, err, link)
	}
	h.F.IO.SetStdoutTTY(true)
	r = runFlow(t, h, NewInstallURLCmd(h.F, nil), "--redirect-uri", "https://app.example.com/installed", "--qr")
	link, qrText, _ = strings.Cut(r.stdout, "\n")
	if got, err := qrtermtest.Decode(qrText, qrtermtest.Dark); r.code != 0 || err != nil || got != link {
		t.Fatalf("tty: exit %d, QR holds %q (%v), want %q", r.code, got, err, link)
	}
}

// An auth_code may start with "-": the error says to put -- before it,
// and with -- it is taken as the code.
func TestPermanentCodeLeadingDash(t *testing.T) {
	h, _ := harness(t, map[string]string{"/cgi-bin/service/get_permanent_code": permanentAnswer})
	r := runFlow(t, h, NewPermanentCodeCmd(h.F, nil), "-e77Bfan4b8pC22Z")
	if r.code != 2 || !strings.Contains(r.stderr, "put -- before it") {
		t.Fatalf("exit %d %s", r.code, r.stderr)
	}
	if r := runFlow(t, h, NewPermanentCodeCmd(h.F, nil), "--", "-e77Bfan4b8pC22Z"); r.code != 0 || !strings.Contains(r.stdout, "corp_id\t"+testCorpID) {
		t.Fatalf("with --: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
}
