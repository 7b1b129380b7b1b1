package ui

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/check"
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
	New(&b, false).WriteCheck(&b, check.Line{Status: check.Fail, Title: "gettoken", Detail: "errcode 40001", Fix: "re-copy the secret\nof this app"})
	want := "fail gettoken: errcode 40001\n    re-copy the secret\n    of this app\n"
	if b.String() != want {
		t.Fatalf("got %q want %q", b.String(), want)
	}
}

func TestWriteCheckSkip(t *testing.T) {
	var b bytes.Buffer
	New(&b, false).WriteCheck(&b, check.Line{Status: check.Skip, Title: "gettoken", Detail: "needs credentials"})
	if b.String() != "skip gettoken: needs credentials\n" {
		t.Fatalf("got %q", b.String())
	}
}
