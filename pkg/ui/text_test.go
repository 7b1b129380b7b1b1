package ui

import (
	"bytes"
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	const s = "add this IP to 企业可信IP under 应用管理 and wait about a minute"
	got := Wrap(s, 24)
	for _, l := range got {
		if w := Width(l); w == 0 || w > 24 {
			t.Errorf("line %q is %d cells wide, want 1..24", l, w)
		}
	}
	if strings.Join(got, " ") != s || len(got) < 3 {
		t.Errorf("wrap lost words or did not wrap: %q", got)
	}
	const link = "https://open.work.weixin.qq.com/devtool/query?e=60020"
	if got := Wrap("see "+link, 24); got[len(got)-1] != link {
		t.Errorf("a link must stay whole: %q", got)
	}
	// a run of Chinese without spaces is cut at a character, two cells each
	got = Wrap("需要先配置可信域名或者回调地址然后再等待一分钟生效", 20)
	if len(got) != 3 || Width(got[0]) != 20 {
		t.Errorf("Chinese run: %q", got)
	}
	if got := Wrap(s, 10); len(got) != 1 {
		t.Errorf("under 20 cells nothing wraps: %q", got)
	}
}

func TestFitAndPad(t *testing.T) {
	// a double-width character that does not fit leaves a space: always exactly 8 cells
	if got := Fit("不安全的访问IP", 8); got != "不安全… " {
		t.Errorf("Fit cut: %q (%d cells)", got, Width(got))
	}
	if got := Fit("中文", 6); got != "中文  " {
		t.Errorf("Fit pad: %q", got)
	}
	if got := PadRight("from ip", 9); got != "from ip  " {
		t.Errorf("PadRight: %q", got)
	}
	if got := PadRight("too long label", 9); got != "too long label " {
		t.Errorf("PadRight keeps a space after a long label: %q", got)
	}
}

func TestWriteDetail(t *testing.T) {
	var b bytes.Buffer
	d := Detail{Title: "errcode 60020 (不安全的访问IP)", Fields: []DetailField{
		{Label: "from ip", Value: "139.227.20.128"},
		{Label: "fix", Value: "add this IP to 企业可信IP under 应用管理 and wait about a minute"},
	}}
	New(&b, false).WriteDetail(&b, d, 0)
	want := "errcode 60020 (不安全的访问IP)\n  from ip  139.227.20.128\n  fix      add this IP to 企业可信IP under 应用管理 and wait about a minute\n"
	if b.String() != want {
		t.Errorf("piped:\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	New(&b, false).WriteDetail(&b, d, 40)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) < 4 || !strings.HasPrefix(lines[3], strings.Repeat(" ", 11)) {
		t.Fatalf("wrapped value must continue under its first line:\n%s", b.String())
	}
	for _, l := range lines {
		if Width(l) > 40 {
			t.Errorf("line wider than 40 cells: %q", l)
		}
	}
}

func TestWriteGrid(t *testing.T) {
	g := &Grid{Header: []string{"CODE", "中文", "English"}, Max: []int{0, 8}}
	g.Row("60020", "不安全的访问IP", "Untrusted source IP (not in trusted-IP / IP whitelist)")
	g.Row("-1", "系统繁忙", "System busy")
	g.Section("Other")
	g.Row("-40001", "签名校验错误", "msg_signature mismatch")
	var b bytes.Buffer
	New(&b, false).WriteGrid(&b, g, 40)
	want := "  CODE  中文      English\n" +
		" 60020  不安全…   Untrusted source IP (…\n" +
		"    -1  系统繁忙  System busy\n" +
		"\n" +
		"Other\n" +
		"-40001  签名校…   msg_signature mismatch\n"
	if b.String() != want {
		t.Errorf("grid:\n%q\nwant\n%q", b.String(), want)
	}
}
