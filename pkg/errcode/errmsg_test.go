package errcode

import (
	"strings"
	"testing"
)

func TestParseErrmsg(t *testing.T) {
	cases := []struct {
		name, in             string
		hint, ip, more, head string
	}{
		{
			name: "new 25-digit hint",
			in:   "not allow to access from your ip, hint: [1706848717432011565347844], from ip: 139.227.20.128, more info at https://open.work.weixin.qq.com/devtool/query?e=60020",
			hint: "1706848717432011565347844", ip: "139.227.20.128",
			more: "https://open.work.weixin.qq.com/devtool/query?e=60020", head: "not allow to access from your ip",
		},
		{
			name: "old ts_n_hex hint",
			in:   "access_token expired, hint: [1576065934_28_e0fae07666aa64636023c1fa7e8f49a4], from ip: 9.30.0.138, more info at https://open.work.weixin.qq.com/devtool/query?e=42001",
			hint: "1576065934_28_e0fae07666aa64636023c1fa7e8f49a4", ip: "9.30.0.138",
			more: "https://open.work.weixin.qq.com/devtool/query?e=42001", head: "access_token expired",
		},
		{
			name: "empty from ip",
			in:   "invalid access_token, hint: [1681069200365201005041566], from ip: , more info at https://open.work.weixin.qq.com/devtool/query?e=40014",
			hint: "1681069200365201005041566", ip: "",
			more: "https://open.work.weixin.qq.com/devtool/query?e=40014", head: "invalid access_token",
		},
		{
			name: "IPv6",
			in:   "not allow to access from your ip, hint: [1740671476450144148366218], from ip: 2408:8207:1850:2a60::1, more info at https://open.work.weixin.qq.com/devtool/query?e=60020",
			hint: "1740671476450144148366218", ip: "2408:8207:1850:2a60::1",
			more: "https://open.work.weixin.qq.com/devtool/query?e=60020", head: "not allow to access from your ip",
		},
		{name: "message only", in: "invalid code", head: "invalid code"},
		{name: "empty", in: ""},
		{name: "hint only, no more info", in: "secret is invalid, hint: [abc]", hint: "abc", head: "secret is invalid"},
		{name: "unclosed hint bracket", in: "x, hint: [1706848717432011565347844, from ip: 1.2.3.4", hint: "1706848717432011565347844", ip: "1.2.3.4", head: "x"},
		{name: "hint without brackets", in: "x, hint: 12345, from ip: 1.2.3.4", hint: "12345", ip: "1.2.3.4", head: "x"},
		{name: "from ip at end", in: "y, from ip: 10.0.0.1", ip: "10.0.0.1", head: "y"},
		{name: "from ip not an address", in: "y, from ip: localhost, more info at x", head: "y"},
		{name: "upper-case markers", in: "Z, HINT: [h1], FROM IP: 1.1.1.1, MORE INFO AT https://open.work.weixin.qq.com/devtool/query?e=1", hint: "h1", ip: "1.1.1.1", more: "https://open.work.weixin.qq.com/devtool/query?e=1", head: "Z"},
		{name: "url with trailing dot", in: "more info at https://open.work.weixin.qq.com/devtool/query?e=45009.", more: "https://open.work.weixin.qq.com/devtool/query?e=45009"},
		{name: "bare devtool link", in: "see https://open.work.weixin.qq.com/devtool/query?e=40029 please", more: "https://open.work.weixin.qq.com/devtool/query?e=40029", head: "see https://open.work.weixin.qq.com/devtool/query?e=40029 please"},
		{name: "more info not a url", in: "more info at nowhere", more: ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hint, ip, more := ParseErrmsg(c.in)
			if hint != c.hint || ip != c.ip || more != c.more {
				t.Errorf("ParseErrmsg(%q) = %q, %q, %q; want %q, %q, %q", c.in, hint, ip, more, c.hint, c.ip, c.more)
			}
			if head := TrimErrmsg(c.in); head != c.head {
				t.Errorf("TrimErrmsg = %q, want %q", head, c.head)
			}
		})
	}
}

func TestCodeFromErrmsg(t *testing.T) {
	cases := []struct {
		in   string
		code int
		ok   bool
	}{
		{"not allow to access from your ip, hint: [1], from ip: 1.2.3.4, more info at https://open.work.weixin.qq.com/devtool/query?e=60020", 60020, true},
		{"https://open.work.weixin.qq.com/devtool/query?lang=en&e=40014", 40014, true},
		{"https://open.work.weixin.qq.com/devtool/query?e=-1", -1, true},
		{"more info at https://open.work.weixin.qq.com/devtool/query?e=", 0, false},
		{"more info at https://open.work.weixin.qq.com/devtool/query?e=abc", 0, false},
		{"more info at https://open.work.weixin.qq.com/devtool/query", 0, false},
		{"more info at https://open.work.weixin.qq.com/devtool/query?e=99999999999", 0, false},
		{"invalid code", 0, false},
	}
	for _, c := range cases {
		code, ok := CodeFromErrmsg(c.in)
		if code != c.code || ok != c.ok {
			t.Errorf("CodeFromErrmsg(%q) = %d, %v; want %d, %v", c.in, code, ok, c.code, c.ok)
		}
	}
}

// FuzzParseErrmsg: the parser never panics and only ever returns pieces of
// its input (it must not invent an IP or a URL).
func FuzzParseErrmsg(f *testing.F) {
	for _, s := range []string{
		"not allow to access from your ip, hint: [1706848717432011565347844], from ip: 139.227.20.128, more info at https://open.work.weixin.qq.com/devtool/query?e=60020",
		"access_token expired, hint: [1576065934_28_e0fae07666aa64636023c1fa7e8f49a4], from ip: 9.30.0.138, more info at https://open.work.weixin.qq.com/devtool/query?e=42001",
		"invalid access_token, hint: [x], from ip: , more info at ",
		"from ip: ::1", "hint: [", "hint:", "more info at", "more info at http://", "HINT: ]]", "",
		"from ip: 2408:8207::1%eth0, more info at https://open.work.weixin.qq.com/devtool/query?e=1#x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hint, ip, more := ParseErrmsg(s)
		for name, v := range map[string]string{"hint": hint, "from ip": ip, "more info": more, "head": TrimErrmsg(s)} {
			if !strings.Contains(s, v) {
				t.Fatalf("%s %q is not a substring of %q", name, v, s)
			}
		}
		if code, ok := CodeFromErrmsg(s); ok && !strings.Contains(s, "e=") {
			t.Fatalf("code %d read from %q which has no e= parameter", code, s)
		}
		_ = Explain(0, s).Short()
	})
}
