package callbackserve

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/internal/testutil"
)

func TestRefusedHostNamesTheExactFlag(t *testing.T) {
	for host, flag := range map[string]string{
		"abc.ngrok-free.app":             "--allow-host abc.ngrok-free.app",
		"abc.ngrok-free.app:443":         "--allow-host abc.ngrok-free.app",
		"Tunnel.Example.COM.":            "--allow-host tunnel.example.com",
		"bad host\x1b[2J":                "--allow-host NAME",
		"*.example.com":                  "--allow-host NAME",
		"evil.example/../x":              "--allow-host NAME",
		strings.Repeat("a", 300) + ".io": "--allow-host NAME",
	} {
		msg := refusedHost(host)
		if !strings.HasSuffix(msg, "restart with "+flag) {
			t.Errorf("Host %q: %s", host, msg)
		}
		if strings.ContainsAny(msg, "\x1b\n") || len(msg) > 400 {
			t.Errorf("Host %q: the message is unsafe to print or too long: %q", host, msg)
		}
	}
}

// Listen goes through the foundation: loopback only unless Public, and the
// Host allow-list, whose every refusal is in the log.
func TestListenChecksAddressAndHost(t *testing.T) {
	streams := NewOutputs(io.Discard, io.Discard, 0)
	defer streams.Close(0)
	s, err := New(Options{Crypter: crypter(t, corpID), Out: streams.Out, Log: streams.Log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Listen(serve.Config{Addr: "0.0.0.0:0", Why: PublicRisk, OptOut: "--insecure-listen"}); !strings.Contains(err.Error(), PublicRisk) {
		t.Fatalf("a public address without the opt-out: %v", err)
	}

	log := &testutil.Buffer{}
	streams2 := NewOutputs(io.Discard, log, 0)
	defer streams2.Close(0)
	s, _ = New(Options{Crypter: crypter(t, corpID), Out: streams2.Out, Log: streams2.Log})
	srv, err := s.Listen(serve.Config{Addr: "127.0.0.1:0", AllowHosts: []string{"tunnel.example"}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	defer srv.Shutdown()
	get := func(host string) int {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL()+"/", nil)
		req.Host = host
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := get("rebind.attacker.example"); got != http.StatusForbidden {
		t.Fatalf("a rebinding Host: %d", got)
	}
	if l := log.WaitFor("→ 403"); !strings.Contains(l, `✗ GET / → 403: Host "rebind.attacker.example"`) || !strings.Contains(l, "--allow-host rebind.attacker.example") {
		t.Fatalf("log:\n%s", l)
	}
	if got := get("tunnel.example"); got != http.StatusBadRequest { // reached the handler: an unsigned GET
		t.Fatalf("an allowed Host: %d", got)
	}
}
