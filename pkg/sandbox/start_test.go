package sandbox

import (
	"errors"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/internal/serve"
)

// Start is for loopback: the control API has no login, so an address other
// machines reach needs Listen with Public (--insecure-listen). The policy
// is checked before anything listens.
func TestStartRefusesAnAddressOthersReach(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	_, err := s.Start("0.0.0.0:0")
	if !errors.Is(err, serve.ErrNotLoopback) || !strings.Contains(err.Error(), "--insecure-listen") ||
		!strings.Contains(err.Error(), PublicRisk) {
		t.Fatalf("Start(0.0.0.0:0) = %v, want the loopback refusal naming --insecure-listen and why", err)
	}
	if err := (ListenOptions{Addr: "0.0.0.0:0"}).Check(); !errors.Is(err, serve.ErrNotLoopback) {
		t.Fatalf("Check = %v", err)
	}
	if err := (ListenOptions{Addr: "127.0.0.1:0", AllowHosts: []string{"http://x"}}).Check(); !errors.Is(err, serve.ErrBadHost) {
		t.Fatalf("Check with a bad --allow-host = %v", err)
	}
	// the refusal did not use up the server's one listen
	base, err := s.Start("127.0.0.1:0")
	if err != nil || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("Start(127.0.0.1:0) = %q, %v", base, err)
	}
	if _, err := s.Start("127.0.0.1:0"); err == nil {
		t.Fatal("a sandbox listens once")
	}
}
