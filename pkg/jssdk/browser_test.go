package jssdk

import (
	"strings"
	"testing"
)

// TestASCIIHost: expected values are what WHATWG URL (node's new URL) gives
// for these hosts; RFC 3492 section 7.1 samples (A) and (L) check punycode.
func TestASCIIHost(t *testing.T) {
	for in, want := range map[string]string{
		"例子.com":                "xn--fsqu00a.com",
		"ＡＢＣ.com":               "abc.com",          // fullwidth letters map to ASCII
		"Ｅxample。ＣＯＭ":           "example.com",      // and an ideographic full stop to "."
		"Straße.de":             "xn--strae-oqa.de", // nontransitional: ß is kept, not "ss"
		"faß.DE":                "xn--fa-hia.de",
		"MÜNCHEN.de":            "xn--mnchen-3ya.de", // uppercase non-ASCII lowercased first
		"ﬁnance.com":            "finance.com",       // compatibility ligature
		"例子.中国":                 "xn--fsqu00a.xn--fiqs8s",
		"xn--Mnchen-3ya.de":     "xn--mnchen-3ya.de",
		"a_b.com":               "a_b.com", // no STD3 rules, as in browsers
		"[::1]":                 "[::1]",
		"ليهمابتكلموشعربي؟.com": "xn--egbpdaj6bu4bxfgehfvwxn.com",
		"3年b組金八先生.jp":           "xn--3b-ww4c5e180e575a65lsy2b.jp",
	} {
		if got := asciiHost(in); got != want {
			t.Errorf("asciiHost(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBrowserForm(t *testing.T) {
	for in, want := range map[string]string{
		"https://example.com/p?q=1":             "https://example.com/p?q=1",
		"http://mp.weixin.qq.com?params=value":  "http://mp.weixin.qq.com/?params=value",
		"HTTPS://Example.COM:443":               "https://example.com/",
		"http://example.com:80/a":               "http://example.com/a",
		"http://example.com:443/a":              "http://example.com:443/a",
		"https://example.com:8443/a":            "https://example.com:8443/a",
		"http://例子.com/页面?a=中文":                 "http://xn--fsqu00a.com/%E9%A1%B5%E9%9D%A2?a=%E4%B8%AD%E6%96%87",
		"https://MÜNCHEN.de/Straße":             "https://xn--mnchen-3ya.de/Stra%C3%9Fe",
		"https://Straße.de/":                    "https://xn--strae-oqa.de/",
		"https://ＡＢＣ.com:443/x":                 "https://abc.com/x",
		"https://例子。com/":                       "https://xn--fsqu00a.com/",
		"https://user:pä@example.com/":          "https://user:p%C3%A4@example.com/",
		"https://[::1]:443/x":                   "https://[::1]/x",
		"https://[::1]:8443/x?y=%E4%B8%AD":      "https://[::1]:8443/x?y=%E4%B8%AD",
		"https://example.com/a/?x=/b?c=%2F&d=Ä": "https://example.com/a/?x=/b?c=%2F&d=%C3%84",
		"not a url":                             "not a url",
	} {
		if got := BrowserForm(in); got != want {
			t.Errorf("BrowserForm(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

func TestNonASCII(t *testing.T) {
	got := NonASCII("http://例子.com/页面?a=中文&b=例")
	if strings.Join(got, ",") != "例,子,页,面,中,文" {
		t.Fatalf("got %q", got)
	}
	if got := NonASCII("https://a.com/\xff"); len(got) != 1 || got[0] != `\xff` {
		t.Fatalf("invalid byte: %q", got)
	}
	if NonASCII("https://a.com/%E4%B8%AD") != nil || HasNonASCII("https://a.com/") || !HasNonASCII("é") {
		t.Fatal("ASCII misreported")
	}
}

func TestURLWarnings(t *testing.T) {
	tests := []struct {
		url, code string
		substr    []string
	}{
		{"https://example.com/p?x=1", "", nil},
		{"http://例子.com/页面?a=中文", WarnNonASCII, []string{"例 子 页 面 中 文", "UTF-8", "@wecom/jssdk", "percent-encode",
			"http://xn--fsqu00a.com/%E9%A1%B5%E9%9D%A2?a=%E4%B8%AD%E6%96%87"}},
		{"https://example.com/é", WarnNonASCII, []string{"https://example.com/%C3%A9"}},
		{"http://mp.weixin.qq.com?params=value", WarnNotBrowserForm, []string{"http://mp.weixin.qq.com/?params=value"}},
		{"https://Example.com/", WarnNotBrowserForm, []string{"https://example.com/"}},
		{"https://example.com:443/", WarnNotBrowserForm, []string{"https://example.com/"}},
	}
	for _, tc := range tests {
		ws := URLWarnings(tc.url)
		if tc.code == "" {
			if len(ws) != 0 {
				t.Errorf("%s: unexpected %+v", tc.url, ws)
			}
			continue
		}
		if len(ws) != 1 || ws[0].Code != tc.code {
			t.Errorf("%s: got %+v, want one %s", tc.url, ws, tc.code)
			continue
		}
		for _, s := range tc.substr {
			if !strings.Contains(ws[0].Message, s) {
				t.Errorf("%s: message %q lacks %q", tc.url, ws[0].Message, s)
			}
		}
	}
}
