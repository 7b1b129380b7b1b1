package relay

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	wwrelay "github.com/wwcli/wwcli/pkg/relay"
	"github.com/wwcli/wwcli/pkg/wecom"
)

func TestFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *Options
	cmd := NewCmd(h.F, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--clients", "c.json", "--addr", "0.0.0.0:8443", "--tls-cert", "c.pem", "--tls-key", "k.pem",
		"--audit-log", "a.jsonl", "--max-body", "1024", "--insecure-listen", "--secret-file", "s.txt", "--corp-id", "ww1"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Clients != "c.json" || got.Addr != "0.0.0.0:8443" || got.TLSCert != "c.pem" || got.TLSKey != "k.pem" ||
		got.AuditLog != "a.jsonl" || got.MaxBody != 1024 || !got.InsecureListen || got.Creds.SecretFile != "s.txt" || got.Creds.CorpID != "ww1" {
		t.Fatalf("options %+v", got)
	}
	cmd = NewCmd(h.F, func(context.Context, *Options) error { t.Fatal("ran without --clients"); return nil })
	cmd.SetArgs(nil)
	if err := cmd.Execute(); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--clients FILE is required") {
		t.Fatalf("no --clients: %v", err)
	}
}

// fakeUpstream must never be called by a relay that refused to start.
type fakeUpstream struct{ t *testing.T }

func (f fakeUpstream) Call(context.Context, wecom.Request) (json.RawMessage, error) {
	f.t.Fatal("called upstream")
	return nil, nil
}

func (f fakeUpstream) Ticket(context.Context, wecom.TicketKind) (string, int, error) {
	f.t.Fatal("called upstream")
	return "", 0, nil
}

func TestRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "clients.json")
	if err := os.WriteFile(good, []byte(`{"clients":[{"name":"ci","token_sha256":"`+wwrelay.HashToken("t")+`","paths":["/cgi-bin/*"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"clients":[{"name":"ci","token":"plain"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		opts Options
		code int
		want string
	}{
		"plain http on every interface": {Options{Addr: "0.0.0.0:0", Clients: good}, cmdutil.ExitUsage, "--insecure-listen"},
		"no host":                       {Options{Addr: ":8400", Clients: good}, cmdutil.ExitUsage, "name the host"},
		"cert without key":              {Options{Addr: "127.0.0.1:0", Clients: good, TLSCert: "c.pem"}, cmdutil.ExitUsage, "go together"},
		"missing cert file":             {Options{Addr: "127.0.0.1:0", Clients: good, TLSCert: "c.pem", TLSKey: "k.pem"}, cmdutil.ExitUsage, "loading --tls-cert"},
		"no clients file":               {Options{Addr: "127.0.0.1:0", Clients: filepath.Join(dir, "none.json")}, cmdutil.ExitUsage, "--clients"},
		"plain token in clients file":   {Options{Addr: "127.0.0.1:0", Clients: bad}, cmdutil.ExitUsage, "store only its hash"},
		"zero max body":                 {Options{Addr: "127.0.0.1:0", Clients: good, MaxBody: 0}, cmdutil.ExitUsage, "--max-body"},
	} {
		t.Run(name, func(t *testing.T) {
			h := cmdutiltest.NewFactory(t)
			o := tc.opts
			if o.MaxBody == 0 && name != "zero max body" {
				o.MaxBody = wwrelay.DefaultMaxBody
			}
			o.IO = h.F.IO
			o.Terminated, o.Hangup = notifyTerm, notifyHup
			o.Upstream = func(context.Context, cmdutil.CredInput) (wwrelay.Upstream, wwrelay.Identity, error) {
				return fakeUpstream{t}, wwrelay.Identity{}, nil
			}
			err := run(context.Background(), &o)
			if cmdutil.ExitCode(err) != tc.code || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("exit %d (%v), want %d with %q", cmdutil.ExitCode(err), err, tc.code, tc.want)
			}
			if h.Out.Len() != 0 {
				t.Fatalf("printed a base URL: %s", h.Out)
			}
		})
	}
}

func TestRelayModeOnTheRelayIsRefused(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	h.Env["WWCLI_RELAY"] = "http://127.0.0.1:1"
	_, _, err := upstream(h.F)(context.Background(), cmdutil.CredInput{})
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "does not call through another relay") {
		t.Fatalf("err %v", err)
	}
}
