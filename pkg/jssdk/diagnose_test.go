package jssdk

import (
	"strings"
	"testing"
)

func TestLowByteSignature(t *testing.T) {
	v, _ := loadVectors(t)
	if got := LowByteSignature(v.Ticket, v.NonceStr, v.Timestamp, v.URL); got != v.Signature {
		t.Fatalf("ASCII input must hash the same: %s", got)
	}
	// The values the reference notes give for @wecom/crypto (UTF-8) and
	// @wecom/jssdk on this URL with ticket "T", nonce "N", timestamp 1.
	u := "http://例子.com/页面?a=中文"
	if got := Signature("T", "N", "1", u); got != "74a1e58798bc9a52e77d02126536ffafe500e131" {
		t.Fatalf("UTF-8 signature %s", got)
	}
	if got := LowByteSignature("T", "N", "1", u); got != "eead99baf7d3cce6bce640ee90f5adc020b5240c" {
		t.Fatalf("low-byte signature %s", got)
	}
}

func TestDiagnoseMismatch(t *testing.T) {
	const tk, n, ts = "TICKET", "abc", "1700000000"
	tests := []struct {
		name, url, signedAs, want string
		lowByte                   bool
	}{
		{"fragment kept", "https://a.com/p#x", "https://a.com/p#x", "#fragment", false},
		{"browser form", "https://A.com/p", "https://a.com/p", "browser form", false},
		{"non-ASCII in jssdk", "https://a.com/页", "https://a.com/页", "byte-truncating", true},
		{"query dropped", "https://a.com/p?x=1", "https://a.com/p", "without its query", false},
		{"slash added", "https://a.com/p", "https://a.com/p/", "trailing slash", false},
		{"slash dropped", "https://a.com/p/?q", "https://a.com/p?q", "trailing slash", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			given := Signature(tk, n, ts, tc.signedAs)
			if tc.lowByte {
				given = LowByteSignature(tk, n, ts, tc.signedAs)
			}
			got := DiagnoseMismatch(Request{Ticket: tk, NonceStr: n, Timestamp: ts, URL: tc.url}, given)
			if len(got) != 1 || !strings.Contains(got[0], tc.want) {
				t.Fatalf("got %q, want one hint with %q", got, tc.want)
			}
		})
	}
	ms := Signature(tk, n, ts+"000", "https://a.com/")
	if got := DiagnoseMismatch(Request{Ticket: tk, NonceStr: n, Timestamp: ts, URL: "https://a.com/"}, ms); len(got) != 1 || !strings.Contains(got[0], "milliseconds") {
		t.Fatalf("milliseconds: %q", got)
	}
	other := Signature("OTHER", n, ts, "https://a.com/")
	if got := DiagnoseMismatch(Request{Ticket: tk, NonceStr: n, Timestamp: ts, URL: "https://a.com/"}, other); len(got) != 0 {
		t.Fatalf("unexplainable mismatch explained: %q", got)
	}
	if got := DiagnoseMismatch(Request{URL: "bad"}, other); got != nil {
		t.Fatalf("invalid request diagnosed: %q", got)
	}
}

func TestToggleTrailingSlash(t *testing.T) {
	for in, want := range map[string]string{
		"https://a.com/p":    "https://a.com/p/",
		"https://a.com/p/":   "https://a.com/p",
		"https://a.com/p?q":  "https://a.com/p/?q",
		"https://a.com/":     "",
		"https://a.com?q":    "",
		"https://a.com/a/b/": "https://a.com/a/b",
	} {
		if got := toggleTrailingSlash(in); got != want {
			t.Errorf("%q: got %q want %q", in, got, want)
		}
	}
}
