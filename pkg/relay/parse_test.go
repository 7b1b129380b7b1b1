package relay

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const hashA = "e202c13a9341f2216ea6ae595534d8706be411253bbbae86b7d5205aeb7504b3" // "ci-token-0123456789abcdef"

func TestParseClients(t *testing.T) {
	cs, err := ParseClients(strings.NewReader(`{"clients":[{"name":"ci","token_sha256":"` + strings.ToUpper(hashA) + `","paths":["/cgi-bin/*"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c, ok := cs.Authenticate("ci-token-0123456789abcdef")
	if !ok || c.Name != "ci" || c.RatePerMinute != DefaultRatePerMinute {
		t.Fatalf("Authenticate: %v %+v", ok, c)
	}
	if _, ok := cs.Authenticate("ci-token-0123456789abcdeF"); ok {
		t.Fatal("a different token authenticated")
	}
	if _, ok := cs.Authenticate(hashA); ok {
		t.Fatal("the hash itself authenticated")
	}
	if c.Debug {
		t.Fatal(`debug is on without "debug": true`)
	}
	cs, err = ParseClients(strings.NewReader(`{"clients":[{"name":"dev","token_sha256":"` + hashA + `","paths":["/cgi-bin/*"],"debug":true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := cs.Authenticate("ci-token-0123456789abcdef"); !c.Debug {
		t.Fatal(`"debug": true not parsed`)
	}
}

func TestParseClientsRefusals(t *testing.T) {
	client := func(fields string) string { return `{"clients":[{` + fields + `}]}` }
	ok := `"name":"ci","token_sha256":"` + hashA + `","paths":["/cgi-bin/*"]`
	for name, tc := range map[string]struct{ in, want string }{
		"not JSON":       {`{"clients":`, "not a clients file"},
		"empty":          {`{"clients":[]}`, "lists no client"},
		"plain token":    {client(ok + `,"token":"ci-token"`), "store only its hash"},
		"unknown field":  {client(ok + `,"readonly":true`), `unknown field "readonly"`},
		"no name":        {client(`"token_sha256":"` + hashA + `","paths":["/x"]`), "name must be"},
		"short hash":     {client(`"name":"ci","token_sha256":"abc","paths":["/x"]`), "64 hex digits"},
		"no paths":       {client(`"name":"ci","token_sha256":"` + hashA + `"`), "paths is empty"},
		"relative path":  {client(`"name":"ci","token_sha256":"` + hashA + `","paths":["cgi-bin/*"]`), "must start with /"},
		"bad pattern":    {client(`"name":"ci","token_sha256":"` + hashA + `","paths":["/cgi-bin/["]`), "syntax error"},
		"negative rate":  {client(ok + `,"rate_per_minute":-1`), "rate_per_minute"},
		"debug as text":  {client(ok + `,"debug":"yes"`), "not a clients file"},
		"two values":     {client(ok) + `{}`, "more than one JSON value"},
		"duplicate name": {`{"clients":[{` + ok + `},{"name":"ci","token_sha256":"` + strings.Repeat("0", 64) + `","paths":["/x"]}]}`, "appears twice"},
		"same hash":      {`{"clients":[{` + ok + `},{"name":"cd","token_sha256":"` + hashA + `","paths":["/x"]}]}`, "same token hash"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseClients(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestAllows(t *testing.T) {
	c := &Client{ClientConfig: ClientConfig{Paths: []string{"/cgi-bin/user/*", "/cgi-bin/message/send", "/cgi-bin/media/up*"}}}
	for p, want := range map[string]bool{
		"/cgi-bin/user/get": true, "/cgi-bin/user/a/b": true, "/cgi-bin/user": false, "/cgi-bin/user/": false,
		"/cgi-bin/message/send": true, "/cgi-bin/message/recall": false,
		"/cgi-bin/media/upload": true, "/cgi-bin/media/uploadimg": true, "/cgi-bin/media/get": false,
		"/cgi-bin/userx/get": false,
	} {
		if got := c.Allows(p); got != want {
			t.Errorf("Allows(%s) = %v, want %v", p, got, want)
		}
	}
}

func TestParseBearer(t *testing.T) {
	for in, want := range map[string]string{"Bearer abc": "abc", "bearer abc": "abc", "BEARER  abc": "abc"} {
		if got, err := ParseBearer(in); err != nil || got != want {
			t.Errorf("ParseBearer(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseBearer(""); !errors.Is(err, ErrNoToken) {
		t.Errorf("empty: %v", err)
	}
	for _, in := range []string{"Bearer", "Bearer ", "Basic abc", "abc", "Bearer a b", "Bearer a\tb", "Bearer ä", "Bearer " + strings.Repeat("a", 513)} {
		if _, err := ParseBearer(in); !errors.Is(err, ErrMalformedToken) {
			t.Errorf("ParseBearer(%q) = %v, want ErrMalformedToken", in, err)
		}
	}
}

func TestCheckPath(t *testing.T) {
	if p, err := CheckPath("/cgi-bin/user/get", ""); err != nil || p != "/cgi-bin/user/get" {
		t.Fatalf("clean path: %q %v", p, err)
	}
	for _, in := range []string{"", "/", "cgi-bin/x", "/cgi-bin//x", "/cgi-bin/./x", "/cgi-bin/../x", "/cgi-bin/x/", "/a b", "/a%2fb", "/a\\b", "/a\x00"} {
		if _, err := CheckPath(in, ""); err == nil {
			t.Errorf("CheckPath(%q) accepted", in)
		}
	}
	if _, err := CheckPath("/cgi-bin/gettoken", "/cgi-bin/get%74oken"); err == nil {
		t.Error("an escaped raw path accepted")
	}
}

func TestSecretPath(t *testing.T) {
	for _, p := range []string{"/cgi-bin/gettoken", "/CGI-BIN/GETTOKEN", "/cgi-bin/service/get_corp_token"} {
		if !SecretPath(p) {
			t.Errorf("%s not a secret path", p)
		}
	}
	if SecretPath("/cgi-bin/user/get") || SecretPath("/cgi-bin/get_jsapi_ticket") {
		t.Error("an ordinary path refused")
	}
}

func TestBucket(t *testing.T) {
	now := time.Unix(0, 0)
	b := newBucket(60, now) // 1 a second, burst 6
	for i := 0; i < 6; i++ {
		if ok, _ := b.take(now); !ok {
			t.Fatalf("burst token %d refused", i+1)
		}
	}
	ok, wait := b.take(now)
	if ok || wait != time.Second {
		t.Fatalf("7th: %v wait %v, want refused, 1s", ok, wait)
	}
	if ok, _ := b.take(now.Add(time.Second)); !ok {
		t.Fatal("refilled token refused")
	}
	// a long idle time refills up to the burst, not more
	later := now.Add(time.Hour)
	for i := 0; i < 6; i++ {
		if ok, _ := b.take(later); !ok {
			t.Fatalf("after idle, token %d refused", i+1)
		}
	}
	if ok, _ := b.take(later); ok {
		t.Fatal("the bucket grew past its burst")
	}
}

func FuzzParseClients(f *testing.F) {
	f.Add(`{"clients":[{"name":"ci","token_sha256":"` + hashA + `","paths":["/cgi-bin/*"],"read_only":true,"rate_per_minute":6}]}`)
	f.Add(`{"clients":[{"name":"","token_sha256":"zz","paths":["["]}]}`)
	f.Add(`{"clients":null}`)
	f.Fuzz(func(t *testing.T, in string) {
		cs, err := ParseClients(strings.NewReader(in))
		if err != nil {
			return
		}
		// whatever parsed is usable: every client has a rate, a hash, and
		// patterns that Allows can use without panicking
		for _, c := range cs.list {
			if c.RatePerMinute <= 0 || len(c.Paths) == 0 || c.Name == "" {
				t.Fatalf("accepted an unusable client %+v", c.ClientConfig)
			}
			c.Allows("/cgi-bin/user/get")
			newBucket(c.RatePerMinute, time.Unix(0, 0)).take(time.Unix(1, 0))
		}
		if _, ok := cs.Authenticate(""); ok && HashToken("") == "" {
			t.Fatal("unreachable")
		}
	})
}

func FuzzParseBearer(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer  x", "Basic abc", "", "Bearer a b", "Bearer \x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tok, err := ParseBearer(in)
		if err != nil {
			if tok != "" {
				t.Fatal("a token with an error")
			}
			return
		}
		if tok == "" || len(tok) > maxTokenLen || strings.ContainsAny(tok, " \t\r\n") || !strings.HasSuffix(in, tok) {
			t.Fatalf("ParseBearer(%q) = %q", in, tok)
		}
	})
}

func FuzzCheckPath(f *testing.F) {
	for _, s := range []string{"/cgi-bin/user/get", "/cgi-bin//gettoken", "/cgi-bin/../gettoken", "/", "/a%2F"} {
		f.Add(s, "")
	}
	f.Add("/cgi-bin/gettoken", "/cgi-bin/get%74oken")
	f.Fuzz(func(t *testing.T, p, raw string) {
		got, err := CheckPath(p, raw)
		if err != nil {
			return
		}
		// an accepted path is canonical, so the deny-list sees what WeCom sees
		dotSegment := false
		for _, seg := range strings.Split(got, "/") {
			dotSegment = dotSegment || seg == "." || seg == ".."
		}
		if got != p || !strings.HasPrefix(got, "/") || strings.Contains(got, "//") || dotSegment ||
			strings.HasSuffix(got, "/") || strings.ContainsAny(got, "%\\ ") {
			t.Fatalf("CheckPath(%q, %q) accepted %q", p, raw, got)
		}
		if strings.EqualFold(strings.TrimRight(got, "/"), "/cgi-bin/gettoken") && !SecretPath(got) {
			t.Fatalf("gettoken %q slips past the deny-list", got)
		}
	})
}
