package apicatalog

import (
	"strings"
	"testing"
)

func TestEmbeddedTableParses(t *testing.T) {
	c, err := Parse(endpointsTSV)
	if err != nil {
		t.Fatal(err)
	}
	total, sim := c.Counts()
	if total < 90 || sim < 20 {
		t.Fatalf("%d endpoints, %d simulated", total, sim)
	}
	for _, e := range c.All() {
		if e.DocID == "" {
			t.Errorf("%s has no doc id: every row names its source", e.Path)
		}
		if e.Summary == "" {
			t.Errorf("%s has no summary", e.Path)
		}
		if len(e.Summary) > 60 {
			t.Errorf("%s: summary longer than 60 bytes breaks the list table", e.Path)
		}
	}
}

func TestParseRejectsBadRows(t *testing.T) {
	for _, line := range []string{
		"GET\t/cgi-bin/a\tapp\tyes\t1\t\t",                                         // 7 columns
		"PUT\t/cgi-bin/a\tapp\tyes\t1\t\t\ts",                                      // method
		"GET\tcgi-bin/a\tapp\tyes\t1\t\t\ts",                                       // path
		"GET\t/cgi-bin/a\tcorp\tyes\t1\t\t\ts",                                     // kind
		"GET\t/cgi-bin/a\tapp\tmaybe\t1\t\t\ts",                                    // simulated
		"GET\t/cgi-bin/a\tapp\tyes\tx1\t\t\ts",                                     // doc id
		"GET\t/cgi-bin/a\tapp\tyes\t1\ta,,b\t\ts",                                  // empty param
		"GET\t/cgi-bin/a\tapp\tyes\t1\t\t\ts\nGET\t/cgi-bin/a\tapp\tyes\t1\t\t\ts", // duplicate
	} {
		if _, err := Parse(line); err == nil {
			t.Errorf("accepted %q", line)
		}
	}
}

func TestLookupSearchComplete(t *testing.T) {
	c := Load()
	for _, p := range []string{"user/get", "/cgi-bin/user/get", "cgi-bin/user/get?userid=x", "/user/get/"} {
		e, ok := c.Lookup(p)
		if !ok || e.Method != "GET" || e.DocURL() != DocURL+"90196" {
			t.Errorf("%s -> %+v %v", p, e, ok)
		}
	}
	if _, ok := c.Lookup("user/nonesuch"); ok {
		t.Error("found an endpoint that is not there")
	}
	tags := c.Search("TAG/")
	if len(tags) != 7 {
		t.Errorf("tag/ endpoints: %d", len(tags))
	}
	if got := c.Search("contact"); len(got) < 10 {
		t.Errorf("search by kind: %d", len(got))
	}
	comp := c.Complete("/cgi-bin/appchat/")
	if strings.Join(comp, " ") != "appchat/create appchat/get appchat/send appchat/update" {
		t.Errorf("complete: %v", comp)
	}
	all := c.All()
	all[0].Path = "changed"
	if c.All()[0].Path == "changed" {
		t.Error("All must return a copy")
	}
}

func TestFieldIn(t *testing.T) {
	c := Load()
	get, _ := c.Lookup("user/get")
	menu, _ := c.Lookup("menu/create")
	send, _ := c.Lookup("message/send")
	for _, tc := range []struct {
		e     Endpoint
		field string
		want  In
	}{
		{get, "userid", InQuery}, {get, "lang", InQuery},
		{menu, "agentid", InQuery}, {menu, "button", InBody},
		{send, "touser", InBody}, {send, "anything", InBody},
	} {
		if got := tc.e.FieldIn(tc.field); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.e.Path, tc.field, got, tc.want)
		}
	}
}

func TestMismatch(t *testing.T) {
	c := Load()
	for _, tc := range []struct {
		path string
		have SecretKind
		want string // "" = fits
	}{
		{"user/get", KindApp, ""},
		{"user/list_id", KindApp, "contact-sync"},
		{"user/list_id", "", ""},
		{"externalcontact/list", KindApp, "48002"},
		{"gettoken", "", "wwcli token"},
		{"webhook/send", KindApp, "wwcli webhook"},
		{"service/get_pre_auth_code", "", "suite_access_token"},
		{"batch/userid_to_openuserid", KindApp, "third-party"},
		// An authorized corp's token (wwcli api --auth-corp) fits app and
		// third-party endpoints; its contact permissions are unknown.
		{"batch/userid_to_openuserid", KindCorpViaSuite, ""},
		{"user/get", KindCorpViaSuite, ""},
		{"user/create", KindCorpViaSuite, ""},
		{"service/get_corp_token", KindCorpViaSuite, "suite_access_token"},
	} {
		e, ok := c.Lookup(tc.path)
		if !ok {
			t.Fatalf("%s missing", tc.path)
		}
		got := e.Mismatch(tc.have)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s with %q: %q, want %q", tc.path, tc.have, got, tc.want)
		}
	}
}

func TestEveryKindIsExplained(t *testing.T) {
	for _, kt := range kindText {
		if kt.kind.Describe() == string(kt.kind) || kt.text == "" {
			t.Errorf("%s", kt.kind)
		}
	}
	if KindSuite.TokenParam() != "suite_access_token" || KindWebhook.TokenParam() != "" || KindContact.TokenParam() != "access_token" {
		t.Error("token params")
	}
}

func TestMarkdownTable(t *testing.T) {
	c, err := Parse("GET\t/cgi-bin/b\tapp\tyes\t1\tx\t\tread b\nPOST\t/cgi-bin/a\tcontact\tno\t2\t\ty\ta | b\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "2 endpoints, 1 simulated by the sandbox.\n\n" +
		"| endpoint | method | secret | sandbox | doc | what |\n| --- | --- | --- | --- | --- | --- |\n" +
		"| `a` | POST | contact | no | [2](" + DocURL + "2) | a \\| b |\n" +
		"| `b` | GET | app | **yes** | [1](" + DocURL + "1) | read b |\n"
	if got := c.MarkdownTable(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	doc := "intro\n" + BeginMarker + "\nold\n" + EndMarker + "\nafter\n"
	out, err := ReplaceTable(doc, "new\n")
	if err != nil || out != "intro\n"+BeginMarker+"\nnew\n"+EndMarker+"\nafter\n" {
		t.Fatalf("%q %v", out, err)
	}
	if _, err := ReplaceTable("no markers", "x"); err == nil {
		t.Fatal("missing markers accepted")
	}
}

// BenchmarkParse: the cost `wwcli api` (and a sandbox's first unknown
// path) pays once per process; nothing is parsed at init.
func BenchmarkParse(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Parse(endpointsTSV); err != nil {
			b.Fatal(err)
		}
	}
}
