package sandbox

import (
	"flag"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/apicatalog"
	"github.com/wwcli/wwcli/pkg/recording"
)

var updateCatalog = flag.Bool("update-catalog", false, "rewrite the simulated column of pkg/apicatalog/endpoints.tsv from the route table")

// TestCatalogMatchesSandboxRoutes: the API catalog's "simulated" column is
// exactly the sandbox's route table, and its method is what the route
// accepts. After adding routes, run it with -update-catalog (and add a row
// for a path the catalog lacks).
func TestCatalogMatchesSandboxRoutes(t *testing.T) {
	routes := New(Options{}).apiRoutes()
	cat := apicatalog.Load()
	if *updateCatalog {
		rewriteSimulated(t, routes)
		return
	}
	var missing []string
	for path, rt := range routes {
		e, ok := cat.Lookup(path)
		if !ok {
			missing = append(missing, path)
			continue
		}
		if !e.Simulated {
			t.Errorf("%s is routed in the sandbox but the catalog says simulated=no (run with -update-catalog)", path)
		}
		if rt.postOnly && e.Method != http.MethodPost {
			t.Errorf("%s: the sandbox wants POST, the catalog says %s", path, e.Method)
		}
		if !rt.postOnly && e.Method != http.MethodGet {
			t.Errorf("%s: the sandbox takes GET, the catalog says %s", path, e.Method)
		}
	}
	sort.Strings(missing)
	for _, p := range missing {
		t.Errorf("%s is routed in the sandbox but has no row in pkg/apicatalog/endpoints.tsv", p)
	}
	for _, e := range cat.All() {
		if _, ok := routes[e.Path]; e.Simulated && !ok {
			t.Errorf("%s: the catalog says simulated=yes but the sandbox has no route (run with -update-catalog)", e.Path)
		}
	}
}

func rewriteSimulated(t *testing.T, routes map[string]route) {
	const file = "../apicatalog/endpoints.tsv"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		f := strings.Split(line, "\t")
		if strings.HasPrefix(line, "#") || len(f) != 8 {
			continue
		}
		f[3] = "no"
		if _, ok := routes[f[1]]; ok {
			f[3] = "yes"
		}
		lines[i] = strings.Join(f, "\t")
	}
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("rewrote %s", file)
}

// unsimulated returns an endpoint of the catalog the sandbox does not
// simulate (an app-token one when there is one), picked at run time so
// that the tests keep working as the sandbox grows.
func unsimulated(t *testing.T) apicatalog.Endpoint {
	t.Helper()
	routes := New(Options{}).apiRoutes()
	var found []apicatalog.Endpoint
	for _, e := range apicatalog.Load().Search("") {
		if _, routed := routes[e.Path]; !routed {
			found = append(found, e)
		}
	}
	if len(found) == 0 {
		t.Fatal("the sandbox simulates every endpoint of the catalog: the not-simulated answer needs a new test")
	}
	for _, e := range found {
		if e.Secret == apicatalog.KindApp {
			return e
		}
	}
	return found[0]
}

// An endpoint WeCom has but the sandbox does not simulate answers a clear
// errcode naming the doc and --replay, with HTTP 200 like every WeCom error.
func TestNotSimulatedAnswerNamesTheDocAndReplay(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token(DemoAppSecret)
	ep := unsimulated(t)
	a := e.do(ep.Method, ep.Path, url.Values{"access_token": {tok}}, `{}`)
	wantCode(t, a, NotSimulatedErrCode)
	for _, want := range []string{ep.Method + " " + ep.Path, "does not simulate", ep.DocURL(), "--record", "--replay"} {
		if !strings.Contains(a.str("errmsg"), want) {
			t.Errorf("errmsg lacks %q: %s", want, a.raw)
		}
	}
	// Without a token, and with the other method: the answer is about the sandbox.
	other := http.MethodGet
	if ep.Method == http.MethodGet {
		other = http.MethodPost
	}
	wantCode(t, e.do(other, ep.Path, nil, ""), NotSimulatedErrCode)
	// A path WeCom does not have is not "not simulated".
	if a := e.get("/cgi-bin/no/such/api"); a.code() == NotSimulatedErrCode || strings.Contains(a.raw, "does not simulate") {
		t.Fatalf("unknown path answered as not simulated: %s", a.raw)
	}
	// A simulated endpoint is untouched.
	wantCode(t, e.get("/cgi-bin/user/get", "access_token", tok, "userid", "zhangsan"), 0)
	if !e.s.Simulates("/cgi-bin/user/get") || e.s.Simulates(ep.Path) {
		t.Error("Simulates disagrees with the route table")
	}
}

func TestReplayServesRecordedEndpoints(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	recs := []recording.Exchange{
		recording.New(at, "GET", "/cgi-bin/wwcli_test/get", url.Values{"tagid": {"1"}, "access_token": {"real"}}, nil,
			[]byte(`{"errcode":0,"errmsg":"ok","tagname":"乒乓球协会","userlist":[{"userid":"zhangsan","name":"张三"}],"partylist":[2]}`), 200),
		recording.New(at, "GET", "/cgi-bin/user/get", url.Values{"userid": {"zhangsan"}}, nil, []byte(`{"errcode":0,"errmsg":"recorded"}`), 200),
	}
	e := newEnv(t, Options{Replay: recs})
	tok := e.token(DemoAppSecret)

	a := e.get("/cgi-bin/wwcli_test/get", "access_token", tok, "tagid", "1")
	want := `{"errcode":0,"errmsg":"ok","tagname":"乒乓球协会","userlist":[{"userid":"zhangsan","name":"***"}],"partylist":[2]}` + "\n"
	if a.status != 200 || a.raw != want {
		t.Fatalf("replayed %d %q", a.status, a.raw)
	}
	// The path is in no catalog, but the request carries a token: checked.
	wantCode(t, e.get("/cgi-bin/wwcli_test/get", "access_token", "", "tagid", "1"), 41001)
	wantCode(t, e.get("/cgi-bin/wwcli_test/get", "access_token", "stale", "tagid", "1"), 40014)
	miss := e.get("/cgi-bin/wwcli_test/get", "access_token", tok, "tagid", "9")
	wantCode(t, miss, NotSimulatedErrCode)
	if !strings.Contains(miss.str("errmsg"), "none of the 1 recordings") {
		t.Fatalf("no-match answer: %s", miss.raw)
	}
	// A simulated endpoint is answered by the sandbox, never a recording.
	if a := e.get("/cgi-bin/user/get", "access_token", tok, "userid", "zhangsan"); strings.Contains(a.raw, "recorded") {
		t.Fatalf("recording served for a simulated endpoint: %s", a.raw)
	}
	if !strings.Contains(e.logText(), "GET /cgi-bin/wwcli_test/get?access_token=***&tagid=1 -> 200 errcode=0") {
		t.Fatalf("replayed call not logged: %s", e.logText())
	}
}
