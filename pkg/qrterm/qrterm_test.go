package qrterm

import (
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/qrterm/qrtermtest"
)

var (
	darkTerm  = qrtermtest.Dark
	lightTerm = qrtermtest.Light
)

func decode(rendered string, term qrtermtest.Terminal) (string, error) {
	return qrtermtest.Decode(rendered, term)
}

const sampleURL = "https://open.weixin.qq.com/connect/oauth2/authorize?appid=ww0123456789abcdef&redirect_uri=https%3A%2F%2Fexample.com%2Fcallback%3Fa%3D1&response_type=code&scope=snsapi_base&state=xyz&agentid=1000002#wechat_redirect"

func TestRenderDecodesOnMatchingTerminals(t *testing.T) {
	cases := []struct {
		style Style
		term  qrtermtest.Terminal
	}{
		{Explicit, darkTerm},
		{Explicit, lightTerm},
		{LightBlocks, darkTerm},
		{DarkBlocks, lightTerm},
	}
	for _, text := range []string{"hi", sampleURL, strings.Repeat("https://example.com/", 20)} {
		for _, c := range cases {
			out, err := Render(text, c.style)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decode(out, c.term)
			if err != nil {
				t.Fatalf("style %d on a %s terminal, %d bytes: decode: %v", c.style, c.term.Name, len(text), err)
			}
			if got != text {
				t.Errorf("style %d on a %s terminal decodes to %q, want %q", c.style, c.term.Name, got, text)
			}
		}
	}
}

// The plain styles are each right for one kind of terminal only; on the
// other the code is inverted (light and dark swapped), which a standard
// reader does not accept. This pins that LightBlocks really is the dark-
// terminal style and not the other way round.
func TestPlainStyleOnWrongTerminalIsInverted(t *testing.T) {
	for _, c := range []struct {
		style Style
		term  qrtermtest.Terminal
	}{{LightBlocks, lightTerm}, {DarkBlocks, darkTerm}} {
		out, err := Render(sampleURL, c.style)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := decode(out, c.term); err == nil {
			t.Errorf("style %d on a %s terminal decoded to %q; expected an inverted, unreadable code", c.style, c.term.Name, got)
		}
	}
}

func TestQuietZone(t *testing.T) {
	m, err := Encode("quiet")
	if err != nil {
		t.Fatal(err)
	}
	if m.Size != 21+2*QuietZone {
		t.Fatalf("size %d, want %d (version 1 plus the quiet zone)", m.Size, 21+2*QuietZone)
	}
	for i := 0; i < m.Size; i++ {
		for q := 0; q < QuietZone; q++ {
			if m.Dark(i, q) || m.Dark(q, i) || m.Dark(i, m.Size-1-q) || m.Dark(m.Size-1-q, i) {
				t.Fatalf("module in the quiet zone is dark near (%d, %d)", i, q)
			}
		}
	}
	// The finder pattern's corner sits right inside the quiet zone.
	if !m.Dark(QuietZone, QuietZone) {
		t.Error("top-left finder corner is not dark")
	}
	if w, _ := Width("quiet"); w != m.Size {
		t.Errorf("Width = %d, want %d", w, m.Size)
	}
}

func TestRenderShape(t *testing.T) {
	out, err := Render("shape", Explicit)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if want := (29 + 1) / 2; len(lines) != want {
		t.Errorf("%d lines, want %d (two modules per line)", len(lines), want)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, explicitOn) || !strings.HasSuffix(l, explicitOff) {
			t.Fatalf("explicit line not wrapped in colour codes: %q", l)
		}
	}
	plain, _ := Render("shape", DarkBlocks)
	if strings.Contains(plain, "\x1b") {
		t.Error("plain style contains escape codes")
	}
	// First line of DarkBlocks is the quiet zone: blank.
	if first, _, _ := strings.Cut(plain, "\n"); strings.TrimSpace(first) != "" {
		t.Errorf("first line %q is not blank", first)
	}
}

func TestEncodeTooLong(t *testing.T) {
	if _, err := Render(strings.Repeat("x", 5000), Explicit); err == nil || !strings.Contains(err.Error(), "5000 bytes") {
		t.Errorf("err = %v, want a too-long error naming the size", err)
	}
}

func FuzzRender(f *testing.F) {
	f.Add("https://example.com/")
	f.Add("")
	f.Add("中文")
	f.Fuzz(func(t *testing.T, s string) {
		out, err := Render(s, DarkBlocks)
		if err != nil {
			return
		}
		// The reader guesses the charset of byte-mode data (Shift_JIS,
		// Latin-1...), so only ASCII, what URLs are made of, must round-trip.
		if strings.ContainsFunc(s, func(r rune) bool { return r >= 0x80 }) {
			return
		}
		img, err := qrtermtest.Rasterise(out, qrtermtest.Light, 3)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := qrtermtest.DecodePure(img); err != nil || got != s {
			t.Fatalf("round trip of %q: %q, %v", s, got, err)
		}
	})
}
