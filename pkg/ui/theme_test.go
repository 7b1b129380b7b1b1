package ui

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestNoColourIsPlainText(t *testing.T) {
	th := New(&bytes.Buffer{}, false)
	if th.Success("done") != "done" || th.Bold("x") != "x" {
		t.Fatal("styles must be identity without colour")
	}
	if th.SuccessIcon() != "ok" || th.FailIcon() != "fail" || th.WarnIcon() != "warn" {
		t.Fatal("icons must be words without colour")
	}
}

func TestColourAddsEscapes(t *testing.T) {
	th := New(&bytes.Buffer{}, true)
	if !strings.Contains(th.Fail("bad"), "\x1b[") {
		t.Fatalf("expected ANSI escapes, got %q", th.Fail("bad"))
	}
	if !strings.Contains(th.SuccessIcon(), "✓") {
		t.Fatal("expected the check-mark symbol with colour")
	}
}

func TestWriteCheck(t *testing.T) {
	var b bytes.Buffer
	New(&b, false).WriteCheck(&b, Check{Status: Fail, Title: "gettoken", Detail: "errcode 40001", Fix: "re-copy the secret\nof this app"})
	want := "fail gettoken: errcode 40001\n    re-copy the secret\n    of this app\n"
	if b.String() != want {
		t.Fatalf("got %q want %q", b.String(), want)
	}
	if Pass.String() != "pass" || Warn.String() != "warn" || Fail.String() != "fail" || Info.String() != "info" {
		t.Fatal("status names")
	}
}

func TestStatusJSONNames(t *testing.T) {
	for _, s := range []Status{Pass, Warn, Fail, Info, Skip} {
		b, err := s.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Status
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Fatalf("%s: round trip gave %v, %v", b, back, err)
		}
	}
	var s Status
	if err := s.UnmarshalText([]byte("ok")); err == nil {
		t.Fatal("an unknown name must be an error")
	}
}

func TestWriteCheckSkip(t *testing.T) {
	var b bytes.Buffer
	New(&b, false).WriteCheck(&b, Check{Status: Skip, Title: "gettoken", Detail: "needs credentials"})
	if b.String() != "skip gettoken: needs credentials\n" {
		t.Fatalf("got %q", b.String())
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		40 * time.Microsecond:   "<0.1ms",
		400 * time.Microsecond:  "0.4ms",
		3250 * time.Microsecond: "3.2ms",
		42 * time.Millisecond:   "42ms",
		1500 * time.Millisecond: "1.5s",
	} {
		if got := Duration(d); got != want {
			t.Errorf("%s: %s, want %s", d, got, want)
		}
	}
}
