package safetext

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"":                               "",
		"plain ascii, 中文 and emoji 🙂":    "plain ascii, 中文 and emoji 🙂",
		"lines\n\tand tabs stay":         "lines\n\tand tabs stay",
		"title\x1b]0;PWNED\x07":          `title\x1b]0;PWNED\x07`,
		"clear\x1b[2J\x1b[31mred":        `clear\x1b[2J\x1b[31mred`,
		"clip\x1b]52;c;cm0gLXJmIH4K\x07": `clip\x1b]52;c;cm0gLXJmIH4K\x07`,
		"over\rwrite":                    `over\x0dwrite`,
		"nul\x00 del\x7f":                `nul\x00 del\x7f`,
		"c1 csi \u009b31m osc \u009d":    `c1 csi \u009b31m osc \u009d`,
		"raw byte \x9b31m":               `raw byte \x9b31m`, // not UTF-8: an 8-bit terminal's CSI
		"bidi \u202eevil\u202c \u2066":   `bidi \u202eevil\u202c \u2066`,
		`a literal \x1b stays as typed`:  `a literal \x1b stays as typed`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEscapeLeavesNoControlCharacter(t *testing.T) {
	var all strings.Builder
	for r := rune(0); r < 0x300; r++ {
		all.WriteRune(r)
	}
	for b := 0x80; b < 0x100; b++ {
		all.WriteByte(byte(b)) // lone bytes, not UTF-8
	}
	for _, r := range Escape(all.String()) {
		if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) || r == 0xfffd {
			t.Fatalf("%U survived", r)
		}
	}
}

func TestIsSecretParam(t *testing.T) {
	for _, name := range []string{"access_token", "ACCESS_TOKEN", "corpsecret", "code", "js_code", "user_ticket",
		"suite_ticket", "permanent_code", "provider_secret", "key", "secret", "suite_secret"} {
		if !IsSecretParam(name) {
			t.Errorf("%s is a secret", name)
		}
	}
	for _, name := range []string{"corpid", "agentid", "type", "debug", "userid", "grant_type", "codes", ""} {
		if IsSecretParam(name) {
			t.Errorf("%s is not a secret", name)
		}
	}
}

func TestRedactQuery(t *testing.T) {
	for raw, want := range map[string]string{
		"":                                   "",
		"corpid=ww1&corpsecret=S":            "corpid=ww1&corpsecret=M",
		"corp%73ecret=S&corpid=ww1":          "corpsecret=M&corpid=ww1",
		"access%5Ftoken=T&type=agent_config": "access_token=M&type=agent_config",
		"Access_Token=T":                     "Access_Token=M",
		"js_code=J&code=C&user_ticket=U":     "js_code=M&code=M&user_ticket=M",
		"corpsecret%zz=S":                    "corpsecret%25zz=M",
		"corpid=%zz":                         "corpid=M",
		"a;corpsecret=S":                     "a%3Bcorpsecret=M",
		"flag&x=%1b%5b2J&y=a+b":              "flag&x=%1B%5B2J&y=a+b",
	} {
		if got := RedactQuery(raw, "M"); got != want {
			t.Errorf("RedactQuery(%q) = %q, want %q", raw, got, want)
		}
	}
}
