package cmdutiltest

import (
	"context"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

func TestNewFactoryIsSealed(t *testing.T) {
	h := NewFactory(t)
	dir, err := h.F.ConfigDir()
	if err != nil || !strings.HasPrefix(dir, h.Env["HOME"][:len(h.Env["HOME"])-len("home")]) {
		t.Fatalf("config dir %q (%v) must be inside the test's temp dir", dir, err)
	}
	h.F.Warnf("twice %d", 1)
	h.F.Warnf("twice %d", 1)
	if got := h.ErrOut.String(); got != "warning: twice 1\n" {
		t.Fatalf("a warning is printed once: %q", got)
	}
}

func TestStartSandboxServesTheDemoCorp(t *testing.T) {
	h := NewFactory(t)
	h.StartSandbox(t, sandbox.Options{})
	h.Env["WWCLI_CORP_ID"] = sandbox.DemoCorpID
	h.Env["WWCLI_SECRET"] = sandbox.DemoAppSecret
	s, err := h.F.Session(context.Background(), "token", cmdutil.CredInput{}, true)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Token(context.Background(), false)
	if err != nil || tok.Value == "" {
		t.Fatalf("token from the sandbox: %q, %v", tok.Value, err)
	}
}
