package domaincheck

import (
	"strings"
	"testing"
)

func TestHasUsualNameOnObservedNames(t *testing.T) {
	// Names seen in the wild (admin-console screenshots and WeCom staff answers).
	for _, tok := range []string{"gPO4DZteSvyQZNRk", "6sik8XFNVixfjUNp", "YnFHxjvF3Gtkueuq", "4cGCrBYqlrxt0MJj", "DDzKZAh4svwfgX39"} {
		name := "WW_verify_" + tok + ".txt"
		if !HasUsualName(name) {
			t.Errorf("%s does not match", name)
		}
		if got, ok := TokenFromName(name); !ok || got != tok {
			t.Errorf("TokenFromName(%s) = %q, %v", name, got, ok)
		}
	}
	for _, name := range []string{"WW_verify_short.txt", "WW_verify_AbCdEfGh12345678.TXT", "MP_verify_AbCdEfGh12345678.txt", "WW_verify_AbCdEfGh1234567-.txt", "WW_verify_AbCdEfGh12345678.txt\n"} {
		if HasUsualName(name) {
			t.Errorf("%q matches", name)
		}
	}
}

func TestTokenFromName(t *testing.T) {
	for name, want := range map[string]string{
		"WW_verify_abc.txt":  "abc", // short but still derivable: the pattern check only warns
		"WW_verify_.txt":     "",
		"WW_verify_a-b.txt":  "",
		"MP_verify_abc.txt":  "",
		"WW_verify_abc.html": "",
	} {
		got, ok := TokenFromName(name)
		if got != want || ok != (want != "") {
			t.Errorf("TokenFromName(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}

func TestCheckName(t *testing.T) {
	if err := CheckName("WW_verify_AbCdEfGh12345678.txt"); err != nil {
		t.Error(err)
	}
	for name, frag := range map[string]string{
		"":                  "empty",
		"weixin/WW_a.txt":   "path separator",
		`..\WW_a.txt`:       "path separator",
		"..":                "not a file",
		"WW verify.txt":     "spaces",
		"WW_verify_a.txt?x": "URL syntax",
	} {
		if err := CheckName(name); err == nil || !strings.Contains(err.Error(), frag) {
			t.Errorf("CheckName(%q) = %v, want %q", name, err, frag)
		}
	}
}

func TestParseHost(t *testing.T) {
	for in, want := range map[string][2]string{
		"example.com":      {"example.com", ""},
		"example.com:8080": {"example.com", "8080"},
		"127.0.0.1:443":    {"127.0.0.1", "443"},
		"::1":              {"::1", ""},
		"[::1]":            {"::1", ""},
		"[::1]:8443":       {"::1", "8443"},
	} {
		h, p, err := ParseHost(in)
		if err != nil || h != want[0] || p != want[1] {
			t.Errorf("ParseHost(%q) = %q, %q, %v", in, h, p, err)
		}
	}
	for in, frag := range map[string]string{
		"":                       "empty",
		"https://example.com":    "is a URL",
		"example.com/path":       "is a URL",
		"example.com:0":          "1 to 65535",
		"example.com:http":       "1 to 65535",
		"example.com:99999":      "1 to 65535",
		":80":                    "no host",
		"exa mple.com":           "not a host name",
		"user@example.com":       "not a host name",
		"example.com:80:90":      "not HOST or HOST:PORT",
		strings.Repeat("a", 254): "254 characters long: a host name has at most 253",
	} {
		if _, _, err := ParseHost(in); err == nil || !strings.Contains(err.Error(), frag) {
			t.Errorf("ParseHost(%q) = %v, want %q", in, err, frag)
		}
	}
}

func TestLongInputIsNotEchoedWhole(t *testing.T) {
	huge := strings.Repeat("x", 120<<10)
	for _, err := range []error{
		func() error { _, _, err := ParseHost(huge); return err }(),
		func() error { _, _, err := ParseHost("https://" + huge); return err }(),
		func() error { _, _, err := ParseHost(huge + ":80"); return err }(),
		CheckName("a/" + huge),
		CheckName(huge),
	} {
		if err == nil || len(err.Error()) > 200 || !strings.Contains(err.Error(), "bytes") {
			t.Errorf("%.300s (%d bytes)", err, len(err.Error()))
		}
	}
	if got := Quote("short"); got != `"short"` {
		t.Errorf("Quote(short) = %s", got)
	}
	if got := Quote(strings.Repeat("é", 50)); !strings.HasSuffix(got, "… (100 bytes)") || !strings.HasPrefix(got, `"éé`) {
		t.Errorf("Quote cuts inside a rune or not at all: %s", got)
	}
}
