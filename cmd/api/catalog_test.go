package api

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/apicatalog"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/recording"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

func TestFieldsGoWhereTheCatalogSays(t *testing.T) {
	for _, tc := range []struct {
		args   []string // path, then -f fields
		method string   // -X
		want   string   // method ?query body
	}{
		{[]string{"user/get", "userid=zhangsan"}, "", "GET ?userid=zhangsan "},
		{[]string{"/cgi-bin/agent/get", "agentid=1000002"}, "", "GET ?agentid=1000002 "},
		{[]string{"menu/create", "agentid=1000002", "button=[]"}, "", `POST ?agentid=1000002 {"button":"[]"}`},
		{[]string{"message/send", "agentid=1000002", "msgtype=text"}, "", `POST ? {"agentid":1000002,"msgtype":"text"}`},
		{[]string{"user/list_id"}, "", "POST ? {}"},
		{[]string{"tag/list"}, "", "GET ? "},
		// -X against the docs: the user wins, as before the catalog.
		{[]string{"user/get", "userid=zhangsan"}, "POST", `POST ? {"userid":"zhangsan"}`},
		{[]string{"menu/create", "agentid=1"}, "GET", "GET ?agentid=1 "},
		// A path the catalog does not know keeps gh-api rules.
		{[]string{"some/new_api", "a=1"}, "", `POST ? {"a":1}`},
		{[]string{"some/new_api"}, "", "GET ? "},
	} {
		opts := &Options{Path: tc.args[0], Fields: tc.args[1:], Method: tc.method, Catalog: apicatalog.Load}
		p, err := prepare(opts)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		body := ""
		if p.body != nil {
			b, _ := json.Marshal(p.body)
			body = string(b)
		}
		if got := p.method + " ?" + p.query.Encode() + " " + body; got != tc.want {
			t.Errorf("%v -X %q: %s, want %s", tc.args, tc.method, got, tc.want)
		}
	}
}

// The example: user/get -f userid=... used to POST a body that
// user/get ignores (41009); now it reads the member.
func TestUserGetWithFieldIsAQuery(t *testing.T) {
	h := newHarness(t, sandbox.Options{})
	out, errOut, code := h.run(t, "", "user/get", "-f", "userid=zhangsan", "--jq", ".name")
	if code != 0 || out != "张三\n" {
		t.Fatalf("exit %d out %q err %q", code, out, errOut)
	}
	if strings.Contains(errOut, "warning") {
		t.Errorf("unexpected warning: %s", errOut)
	}
}

func TestSecretKindWarning(t *testing.T) {
	h := newHarness(t, sandbox.Options{})
	// An app secret (it has an agent id) on a contact-sync endpoint.
	_, errOut, code := h.run(t, "", "user/list_id", "-f", "limit=1", "--agent-id", "1000002")
	if code != 3 || !strings.Contains(errOut, "warning: user/list_id needs the contact-sync (通讯录同步) secret") ||
		strings.Contains(errOut, "note: user/list_id takes") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// Without an agent id wwcli cannot tell: no warning, a hint after 48002.
	_, errOut, code = h.run(t, "", "user/list_id", "-f", "limit=1")
	if code != 3 || strings.Contains(errOut, "warning:") || !strings.Contains(errOut, "note: user/list_id takes the access_token of the contact-sync") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// The right secret: no warning.
	h.env["WWCLI_SECRET"] = sandbox.DemoContactSecret
	_, errOut, code = h.run(t, "", "user/list_id", "-f", "limit=1")
	if code != 0 || strings.Contains(errOut, "warning") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// -X against the docs is warned about, and WeCom's refusal follows.
	_, errOut, code = h.run(t, "", "message/send", "-X", "GET")
	if code != 3 || !strings.Contains(errOut, "warning: WeCom documents message/send as POST, not GET (https://developer.work.weixin.qq.com/document/path/90236)") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// unsimulated picks n endpoints of the catalog that srv does not simulate
// (app-token ones first), so the tests hold as the sandbox grows.
func unsimulated(t *testing.T, srv *sandbox.Server, n int) []apicatalog.Endpoint {
	t.Helper()
	var app, other []apicatalog.Endpoint
	for _, e := range apicatalog.Load().Search("") {
		switch {
		case srv.Simulates(e.Path):
		case e.Secret == apicatalog.KindApp:
			app = append(app, e)
		case e.Secret.TokenParam() == "access_token":
			other = append(other, e)
		}
	}
	all := append(app, other...)
	if len(all) < n {
		t.Fatalf("only %d endpoints of the catalog are not simulated; the test needs %d", len(all), n)
	}
	return all[:n]
}

func TestNotSimulatedEndpointExits3NamingTheDoc(t *testing.T) {
	h := newHarness(t, sandbox.Options{})
	ep := unsimulated(t, h.srv, 1)[0]
	_, errOut, code := h.run(t, "", ep.ShortPath())
	if code != 3 || !strings.Contains(errOut, "does not simulate") || !strings.Contains(errOut, ep.DocURL()) {
		t.Fatalf("%s: exit %d: %s", ep.Path, code, errOut)
	}
}

func TestListAndDescribe(t *testing.T) {
	h := newHarness(t, sandbox.Options{})
	out, _, code := h.run(t, "", "list", "--search", "appchat")
	if code != 0 || strings.Count(out, "\n") != 4 || !strings.Contains(out, "POST\tappchat/send\tapp\t") ||
		!strings.Contains(out, "\tsend to an app group chat\n") {
		t.Fatalf("exit %d: %q", code, out)
	}
	out, _, code = h.run(t, "", "list", "--search", "contact", "--jq", ".[0].doc_url")
	if code != 0 || !strings.HasPrefix(out, apicatalog.DocURL) {
		t.Fatalf("exit %d: %q", code, out)
	}
	if _, errOut, code := h.run(t, "", "list", "--search", "zzz"); code != 1 || !strings.Contains(errOut, "no endpoint") {
		t.Fatalf("no match: exit %d %s", code, errOut)
	}
	if out, _, code := h.run(t, "", "list", "--search", "zzz", "--json"); code != 0 || out != "[]\n" {
		t.Fatalf("no match, --json: exit %d %q", code, out)
	}
	out, _, code = h.run(t, "", "describe", "/cgi-bin/menu/create")
	for _, want := range []string{"POST /cgi-bin/menu/create", "secret   app:", "doc      https://developer.work.weixin.qq.com/document/path/90231",
		"sandbox  ", "query    agentid\n", "body     button\n", "example  wwcli api menu/create -f agentid=... -f button=..."} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("describe lacks %q (exit %d):\n%s", want, code, out)
		}
	}
	out, _, code = h.run(t, "", "describe", "user/get", "--json")
	var e struct {
		Method    string `json:"method"`
		Simulated bool   `json:"simulated"`
		DocURL    string `json:"doc_url"`
		Params    []struct {
			Name, In string
			Required bool
		} `json:"params"`
	}
	if err := json.Unmarshal([]byte(out), &e); err != nil || code != 0 || e.Method != "GET" || !e.Simulated ||
		e.DocURL != apicatalog.DocURL+"90196" || len(e.Params) != 1 || e.Params[0].In != "query" || !e.Params[0].Required {
		t.Fatalf("exit %d %v: %s", code, err, out)
	}
	if out, _, code := h.run(t, "", "describe", "tag/list", "--json", "--jq", ".params"); code != 0 || out != "[]\n" {
		t.Fatalf("params of tag/list: exit %d %q", code, out)
	}
	_, errOut, code := h.run(t, "", "describe", "user/nonesuch")
	if code != 2 || !strings.Contains(errOut, "'wwcli api list --search user'") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	_, errOut, code = h.run(t, "", "describe", "zzz/nonesuch")
	if code != 2 || !strings.Contains(errOut, "'wwcli api list' shows") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestCompletionOfPaths(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	cmd := NewCmd(h.F, nil)
	got, _ := cmd.ValidArgsFunction(cmd, nil, "tag/d")
	if strings.Join(got, " ") != "tag/delete tag/deltagusers" {
		t.Fatalf("api: %v", got)
	}
	if got, _ := cmd.ValidArgsFunction(cmd, []string{"tag/list"}, ""); len(got) != 0 {
		t.Fatalf("after PATH: %v", got)
	}
	desc, _, err := cmd.Find([]string{"describe"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := desc.ValidArgsFunction(desc, nil, "/cgi-bin/menu/"); strings.Join(got, " ") != "menu/create menu/delete menu/get" {
		t.Fatalf("describe: %v", got)
	}
}

func TestNewListCmdParsesFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *ListOptions
	cmd := newListCmd(h.F, func(_ context.Context, o *ListOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--search", "tag", "--jq", ".[].path"})
	if err := cmd.Execute(); err != nil || got.Search != "tag" || got.Exporter.JQ != ".[].path" || got.Catalog == nil {
		t.Fatalf("%v %+v", err, got)
	}
	var d *DescribeOptions
	dc := newDescribeCmd(h.F, func(_ context.Context, o *DescribeOptions) error { d = o; return nil })
	dc.SetArgs([]string{"user/get", "--json"})
	if err := dc.Execute(); err != nil || d.Path != "user/get" || !d.Exporter.JSON {
		t.Fatalf("%v %+v", err, d)
	}
}

// Round trip: record calls against a stand-in for WeCom (an endpoint the
// sandbox lacks), replay them through the sandbox, get the same answer;
// no secret, token or personal value is in the files.
func TestRecordThenReplay(t *testing.T) {
	const (
		secret   = "RealAppSecret-0123456789abcdef"
		token    = "REAL-TOKEN-must-not-be-recorded"
		answerA  = `{"errcode":0,"errmsg":"ok","join_qrcode":"https://work.weixin.qq.com/wework_admin/genqrcode?x=1"}`
		mobile   = "13912345678"
		answerB  = `{"errcode":0,"errmsg":"ok"}`
		ticketRe = `{"errcode":0,"errmsg":"ok","ticket":"REAL-TICKET-xyz","expires_in":7200}`
	)
	mux := http.NewServeMux()
	mux.HandleFunc("/cgi-bin/gettoken", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("corpsecret") != secret {
			w.Write([]byte(`{"errcode":40001,"errmsg":"invalid credential"}`))
			return
		}
		w.Write([]byte(`{"errcode":0,"errmsg":"ok","access_token":"` + token + `","expires_in":7200}`))
	})
	authed := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("access_token") != token {
				w.Write([]byte(`{"errcode":40014,"errmsg":"invalid access_token"}`))
				return
			}
			w.Write([]byte(body))
		}
	}
	// Two endpoints the sandbox does not simulate.
	eps := unsimulated(t, sandbox.New(sandbox.Options{}), 2)
	a, b := eps[0].ShortPath(), eps[1].ShortPath()
	mux.HandleFunc(eps[0].Path, authed(answerA))
	mux.HandleFunc(eps[1].Path, authed(answerB))
	mux.HandleFunc("/cgi-bin/ticket/get", authed(ticketRe))
	ts := httptest.NewUnstartedServer(mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)

	dir := filepath.Join(t.TempDir(), "fixtures")
	rec := cmdutiltest.NewFactory(t)
	rec.Env["WWCLI_BASE_URL"], rec.F.Global.BaseURL = ts.URL, ts.URL
	rec.Env["WWCLI_CORP_ID"], rec.Env["WWCLI_SECRET"] = "wwrealcorp", secret
	hr := &harness{h: rec, env: rec.Env}
	for _, args := range [][]string{
		{a, "-f", "size_type=2"},
		{b, "-f", "userid=zhangsan", "-f", "external_userid=wmX", "-f", "remark_mobiles=" + mobile},
		{"ticket/get", "-f", "type=agent_config"},
	} {
		if out, errOut, code := hr.run(t, "", append(args, "--record", dir)...); code != 0 {
			t.Fatalf("record %v: exit %d %s %s", args, code, out, errOut)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 3 {
		t.Fatalf("files: %v", files)
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		for _, leak := range []string{secret, token, mobile, "REAL-TICKET"} {
			if strings.Contains(string(data), leak) {
				t.Errorf("%s holds %q:\n%s", f, leak, data)
			}
		}
		if info, _ := os.Stat(f); info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", f, info.Mode())
		}
	}

	recs, err := recording.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, sandbox.Options{Replay: recs})
	out, errOut, code := h.run(t, "", a, "-f", "size_type=2")
	if code != 0 || out != answerA+"\n" {
		t.Fatalf("replayed %s: exit %d %q %s", a, code, out, errOut)
	}
	// The recorded mobile was redacted, so any mobile matches that call.
	out, errOut, code = h.run(t, "", b, "-f", "userid=zhangsan", "-f", "external_userid=wmX", "-f", "remark_mobiles=13800000000")
	if code != 0 || out != answerB+"\n" {
		t.Fatalf("replayed %s: exit %d %q %s", b, code, out, errOut)
	}
	// Another size was not recorded: the sandbox says so (exit 3).
	if _, errOut, code := h.run(t, "", a, "-f", "size_type=4"); code != 3 || !strings.Contains(errOut, "none of the 1 recordings") {
		t.Fatalf("unrecorded query: exit %d %s", code, errOut)
	}
	// A simulated endpoint is still the sandbox's, not the recording's.
	out, _, code = h.run(t, "", "ticket/get", "-f", "type=agent_config", "--jq", ".ticket")
	if code != 0 || strings.Contains(out, "***") || strings.TrimSpace(out) == "" {
		t.Fatalf("ticket/get: exit %d %q", code, out)
	}
}

func TestCredKind(t *testing.T) {
	app := apicatalog.KindApp
	for _, tc := range []struct {
		in   cmdutil.CredInput
		c    credentials.Credentials
		want apicatalog.SecretKind
	}{
		{cmdutil.CredInput{AgentID: "1000002"}, credentials.Credentials{AgentID: "1000002", Source: "arguments"}, app},
		{cmdutil.CredInput{}, credentials.Credentials{AgentID: "1000002", Profile: "default"}, app},
		{cmdutil.CredInput{}, credentials.Credentials{AgentID: "1000002", Source: "sandbox demo app"}, app},
		// A profile's agent id lent to explicit credentials of its corp
		// (maybe the contact-sync secret): unknown.
		{cmdutil.CredInput{Args: []string{"ww1", "s"}}, credentials.Credentials{AgentID: "1000002", Source: "arguments"}, ""},
		{cmdutil.CredInput{}, credentials.Credentials{Source: "WWCLI_SECRET"}, ""},
		// --auth-corp: the token is the corp's, from get_corp_token
		{cmdutil.CredInput{AuthCorp: "ww1"}, credentials.Credentials{AgentID: "1000010", Profile: "default"}, apicatalog.KindCorpViaSuite},
	} {
		if got := credKind(tc.in, tc.c); got != tc.want {
			t.Errorf("%+v %+v: %q, want %q", tc.in, tc.c, got, tc.want)
		}
	}
}
