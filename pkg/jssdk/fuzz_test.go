package jssdk

import (
	"crypto/sha1"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzSign(f *testing.F) {
	f.Add("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg", "Wm3WZYTPz0wzccnW", "1414587457", "http://mp.weixin.qq.com?params=value")
	f.Add("T", "n", "1414587457000", "https://a.com/#frag")
	f.Add("T", "n", "1", "http://例子.com/页面?a=中文")
	f.Add("T", "a&b", "01", "/rel")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, ticket, nonce, ts, url string) {
		res, err := Request{Ticket: ticket, NonceStr: nonce, Timestamp: ts, URL: url}.Sign()
		if err != nil {
			if _, ok := err.(*InputError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if strings.Contains(res.URL, "#") || !strings.HasPrefix(url, res.URL) {
			t.Fatalf("signed URL %q from %q", res.URL, url)
		}
		if strconv.FormatInt(res.Timestamp, 10) != ts {
			t.Fatalf("timestamp %d from %q", res.Timestamp, ts)
		}
		want := "jsapi_ticket=" + ticket + "&noncestr=" + nonce + "&timestamp=" + ts + "&url=" + res.URL
		sum := sha1.Sum([]byte(want))
		if res.String1 != want || res.Signature != hex.EncodeToString(sum[:]) {
			t.Fatalf("got %+v", res)
		}
	})
}

func FuzzBrowserForm(f *testing.F) {
	for _, s := range []string{"http://mp.weixin.qq.com?params=value", "HTTPS://Ex.com:443", "http://例子.com/页面?a=中文",
		"https://[::1]:80/x", "https://u:p@h/", "https://a.com:/", "x", "http://\xff/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		if ValidateURL(u) != nil {
			return
		}
		form := BrowserForm(u)
		if HasNonASCII(form) && !HasNonASCII(u) {
			t.Fatalf("non-ASCII introduced: %q -> %q", u, form)
		}
		if utf8.ValidString(u) && HasNonASCII(form) {
			t.Fatalf("non-ASCII left: %q -> %q", u, form)
		}
		if again := BrowserForm(form); again != form {
			t.Fatalf("not idempotent: %q -> %q -> %q", u, form, again)
		}
	})
}
