package jssdk

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

type vector struct {
	Source    string `json:"source"`
	Ticket    string `json:"jsapi_ticket"`
	NonceStr  string `json:"noncestr"`
	Timestamp string `json:"timestamp"`
	URL       string `json:"url"`
	Signature string `json:"signature"`
}

func loadVectors(t *testing.T) (wecom, wechatMP vector) {
	t.Helper()
	raw, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []vector `json:"jssdk_signature"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) != 2 {
		t.Fatalf("want the WeCom and the WeChat-MP vector, got %d", len(file.Vectors))
	}
	return file.Vectors[0], file.Vectors[1]
}

const officialString1 = "jsapi_ticket=sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg&noncestr=Wm3WZYTPz0wzccnW&timestamp=1414587457&url=http://mp.weixin.qq.com?params=value"

func TestOfficialVector(t *testing.T) {
	v, _ := loadVectors(t)
	if got := String1(v.Ticket, v.NonceStr, v.Timestamp, v.URL); got != officialString1 {
		t.Fatalf("string1:\n got %s\nwant %s", got, officialString1)
	}
	if got := Signature(v.Ticket, v.NonceStr, v.Timestamp, v.URL); got != v.Signature {
		t.Fatalf("Signature = %s, want %s", got, v.Signature)
	}
	res, err := Request{Ticket: v.Ticket, NonceStr: v.NonceStr, Timestamp: v.Timestamp, URL: v.URL}.Sign()
	if err != nil {
		t.Fatal(err)
	}
	if res.Signature != v.Signature || res.String1 != officialString1 || res.URL != v.URL ||
		res.NonceStr != v.NonceStr || strconv.FormatInt(res.Timestamp, 10) != v.Timestamp {
		t.Fatalf("Sign() = %+v", res)
	}
}

// The WeChat Official Account doc reuses the inputs without the query; we
// must reproduce each document's own value and never confuse the two.
func TestWeChatMPVectorIsDifferent(t *testing.T) {
	wecom, mp := loadVectors(t)
	if mp.Ticket != wecom.Ticket || mp.NonceStr != wecom.NonceStr || mp.Timestamp != wecom.Timestamp {
		t.Fatal("the two vectors should share ticket, nonce and timestamp")
	}
	got := Signature(mp.Ticket, mp.NonceStr, mp.Timestamp, mp.URL)
	if got != mp.Signature {
		t.Fatalf("WeChat-MP vector: got %s, want %s", got, mp.Signature)
	}
	if got == wecom.Signature {
		t.Fatal("the WeChat-MP URL must not give the WeCom signature")
	}
}

func TestSignatureIsSHA1OfUTF8(t *testing.T) {
	u := "https://例子.com/页面?a=中文"
	s1 := String1("t", "n", "1", u)
	sum := sha1.Sum([]byte(s1))
	if got := Signature("t", "n", "1", u); got != hex.EncodeToString(sum[:]) {
		t.Fatalf("got %s", got)
	}
}

func TestSignStripsFragment(t *testing.T) {
	v, _ := loadVectors(t)
	res, err := Request{Ticket: v.Ticket, NonceStr: v.NonceStr, Timestamp: v.Timestamp, URL: v.URL + "#/route?x=1"}.Sign()
	if err != nil {
		t.Fatal(err)
	}
	if res.Signature != v.Signature || res.URL != v.URL {
		t.Fatalf("fragment not stripped: %+v", res)
	}
	if !hasWarning(res.Warnings, WarnFragmentStripped, "#/route?x=1") {
		t.Fatalf("no fragment warning: %+v", res.Warnings)
	}
}

func hasWarning(ws []Warning, code, substr string) bool {
	for _, w := range ws {
		if w.Code == code && strings.Contains(w.Message, substr) {
			return true
		}
	}
	return false
}

func TestSignRejectsBadInput(t *testing.T) {
	good := Request{Ticket: "TICKET", NonceStr: "abc123", Timestamp: "1414587457", URL: "https://example.com/p"}
	tests := []struct {
		name   string
		modify func(*Request)
		field  string
		msg    string
	}{
		{"empty ticket", func(r *Request) { r.Ticket = "" }, "ticket", "ticket is empty"},
		{"ticket with newline", func(r *Request) { r.Ticket = "abc\n" }, "ticket", "whitespace"},
		{"empty nonce", func(r *Request) { r.NonceStr = "" }, "nonce", "nonce is empty"},
		{"nonce with dash", func(r *Request) { r.NonceStr = "ab-cd" }, "nonce", "letters and digits only"},
		{"nonce with ampersand", func(r *Request) { r.NonceStr = "a&b" }, "nonce", "A-Z, a-z, 0-9"},
		{"nonce non-ASCII", func(r *Request) { r.NonceStr = "随机" }, "nonce", "letters and digits"},
		{"nonce too long", func(r *Request) { r.NonceStr = strings.Repeat("a", 33) }, "nonce", "at most 32"},
		{"empty timestamp", func(r *Request) { r.Timestamp = "" }, "timestamp", "timestamp is empty"},
		{"milliseconds", func(r *Request) { r.Timestamp = "1414587457000" }, "timestamp", "seconds, not milliseconds"},
		{"negative", func(r *Request) { r.Timestamp = "-1" }, "timestamp", "digits only"},
		{"decimal", func(r *Request) { r.Timestamp = "1414587457.5" }, "timestamp", "digits only"},
		{"too long", func(r *Request) { r.Timestamp = "14145874570" }, "timestamp", "11 digits"},
		{"leading zero", func(r *Request) { r.Timestamp = "0414587457" }, "timestamp", "leading zero"},
		{"zero", func(r *Request) { r.Timestamp = "0" }, "timestamp", "zero"},
		{"empty url", func(r *Request) { r.URL = "" }, "url", "URL is empty"},
		{"only a fragment", func(r *Request) { r.URL = "#top" }, "url", "URL is empty"},
		{"relative url", func(r *Request) { r.URL = "/page?x=1" }, "url", "relative"},
		{"host without scheme", func(r *Request) { r.URL = "example.com/page" }, "url", "relative"},
		{"ftp", func(r *Request) { r.URL = "ftp://example.com/f" }, "url", "not http or https"},
		{"javascript", func(r *Request) { r.URL = "javascript:alert(1)" }, "url", "not http or https"},
		{"no host", func(r *Request) { r.URL = "https:///path" }, "url", "no host"},
		{"opaque", func(r *Request) { r.URL = "https:example.com" }, "url", "no host"},
		{"space", func(r *Request) { r.URL = "https://example.com/a b" }, "url", "%20"},
		{"space in host", func(r *Request) { r.URL = "https://exa mple.com" }, "url", "whitespace"},
		{"bad port", func(r *Request) { r.URL = "https://example.com:port/" }, "url", "does not parse"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := good
			tc.modify(&r)
			_, err := r.Sign()
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("want *InputError, got %v", err)
			}
			if ie.Field != tc.field || !strings.Contains(ie.Msg, tc.msg) {
				t.Fatalf("got field %q msg %q; want field %q containing %q", ie.Field, ie.Msg, tc.field, tc.msg)
			}
		})
	}
	if _, err := good.Sign(); err != nil {
		t.Fatalf("the good request failed: %v", err)
	}
}

func TestSignAcceptsValidEdges(t *testing.T) {
	for _, r := range []Request{
		{Ticket: "T", NonceStr: strings.Repeat("Z", 32), Timestamp: "1", URL: "HTTPS://EXAMPLE.COM/"},
		{Ticket: "T", NonceStr: "a", Timestamp: "9999999999", URL: "http://127.0.0.1:8080/x?y=%E4%B8%AD"},
		{Ticket: "T", NonceStr: "a", Timestamp: "1700000000", URL: "https://[::1]:8443/"},
		{Ticket: "T", NonceStr: "a", Timestamp: "1700000000", URL: "https://例子.com/页面"},
	} {
		if _, err := r.Sign(); err != nil {
			t.Errorf("%+v: %v", r, err)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	v, err := ParseTimestamp("1414587457")
	if err != nil || v != 1414587457 {
		t.Fatalf("got %d, %v", v, err)
	}
	_, err = ParseTimestamp("1700000000123")
	if err == nil || !strings.Contains(err.Error(), "seconds, not milliseconds") || !strings.Contains(err.Error(), "1700000000") {
		t.Fatalf("millisecond message: %v", err)
	}
	for _, bad := range []string{" 1", "1 ", "+1", "1e9", "0x10", "١٢٣"} {
		if _, err := ParseTimestamp(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseSignature(t *testing.T) {
	got, err := ParseSignature("0F9DE62FCE790F9A083D5C99E95740CEB90C27ED")
	if err != nil || got != "0f9de62fce790f9a083d5c99e95740ceb90c27ed" {
		t.Fatalf("got %q, %v", got, err)
	}
	for bad, msg := range map[string]string{
		"": "not 40 hex digits",
		"0f9de62fce790f9a083d5c99e95740ceb90c27e":   "not 40 hex digits",
		"0f9de62fce790f9a083d5c99e95740ceb90c27edd": "not 40 hex digits",
		"0f9de62fce790f9a083d5c99e95740ceb90c27eg":  "not hexadecimal",
	} {
		_, err := ParseSignature(bad)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != "verify" || !strings.Contains(ie.Msg, msg) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestEqual(t *testing.T) {
	a := "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
	if !Equal(a, strings.ToUpper(a)) || !Equal(a, a) {
		t.Fatal("equal signatures compared unequal")
	}
	if Equal(a, "f4d90daf4b3bca3078ab155816175ba34c443a7b") || Equal(a, a[:39]) || Equal(a, "") {
		t.Fatal("different signatures compared equal")
	}
}

func TestStripFragment(t *testing.T) {
	for in, want := range map[string][3]string{
		"https://a.com/p":         {"https://a.com/p", "", "false"},
		"https://a.com/p#":        {"https://a.com/p", "", "true"},
		"https://a.com/p?x=1#a#b": {"https://a.com/p?x=1", "a#b", "true"},
		"#only":                   {"", "only", "true"},
	} {
		s, f, had := StripFragment(in)
		if s != want[0] || f != want[1] || strconv.FormatBool(had) != want[2] {
			t.Errorf("%q: got %q %q %v", in, s, f, had)
		}
	}
}
