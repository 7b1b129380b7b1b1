//go:build unix

package relay

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	wwrelay "github.com/wwcli/wwcli/pkg/relay"
)

// N1: files another local user could have written are refused at start
// (exit 2), with the fix; a FIFO is refused at once, never waited on.
func TestRefusesFilesOthersCouldWrite(t *testing.T) {
	good := writeFile(t, filepath.Join(t.TempDir(), "clients.json"), clientsJSON("ci", "t"), 0o600)
	checkRefusals(t, map[string]refusal{
		"clients file others can write": {opts: Options{Serve: addr("127.0.0.1:0")}, setup: func(t *testing.T, o *Options) {
			o.Clients = writeFile(t, filepath.Join(t.TempDir(), "clients.json"), clientsJSON("ci", "t"), 0o666)
		}, code: cmdutil.ExitUsage, want: "writable by group or others (mode 0666) (another local user could change it); fix: chmod go-w "},
		"clients file of another user": {opts: Options{Serve: addr("127.0.0.1:0")}, setup: func(t *testing.T, o *Options) {
			o.Clients = otherUsersFile(t, "clients.json", clientsJSON("mallory", "mallory-token-123"))
		}, code: cmdutil.ExitUsage, want: "owned by uid 1002, not you"},
		"clients path is a FIFO": {opts: Options{Serve: addr("127.0.0.1:0")}, setup: func(t *testing.T, o *Options) {
			o.Clients = filepath.Join(t.TempDir(), "clients.json")
			if err := syscall.Mkfifo(o.Clients, 0o600); err != nil {
				t.Fatal(err)
			}
		}, code: cmdutil.ExitUsage, want: "it is a FIFO"},
		"tls key others can write": {opts: Options{Serve: addr("127.0.0.1:0"), Clients: good, TLSCert: "c.pem"}, setup: func(t *testing.T, o *Options) {
			o.TLSKey = writeFile(t, filepath.Join(t.TempDir(), "key.pem"), "not a key", 0o666)
		}, code: cmdutil.ExitUsage, want: "--tls-key: refusing to use"},
		"tls key of another user": {opts: Options{Serve: addr("127.0.0.1:0"), Clients: good, TLSCert: "c.pem"}, setup: func(t *testing.T, o *Options) {
			o.TLSKey = otherUsersFile(t, "key.pem", "not a key")
		}, code: cmdutil.ExitUsage, want: "owned by uid 1002, not you"},
		"audit log others can write": {opts: Options{Serve: addr("127.0.0.1:0"), Clients: good}, setup: func(t *testing.T, o *Options) {
			o.AuditLog = writeFile(t, filepath.Join(t.TempDir(), "audit.jsonl"), "", 0o666)
		}, code: cmdutil.ExitUsage, want: "fix: chmod go-w "},
		"audit log in a directory others can write": {opts: Options{Serve: addr("127.0.0.1:0"), Clients: good}, setup: func(t *testing.T, o *Options) {
			shared := filepath.Join(t.TempDir(), "logs")
			if err := os.Mkdir(shared, 0o777); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(shared, 0o777); err != nil {
				t.Fatal(err)
			}
			o.AuditLog = filepath.Join(shared, "audit.jsonl")
		}, code: cmdutil.ExitUsage, want: "(mode 0777)"},
	})
}

// otherUsersFile is a file owned by the audit's mallory (uid 1002): the
// tests run as root, which may give a file away.
func otherUsersFile(t *testing.T, name, data string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file away")
	}
	path := writeFile(t, filepath.Join(t.TempDir(), name), data, 0o644)
	if err := os.Chown(path, 1002, 1002); err != nil {
		t.Fatal(err)
	}
	return path
}

// N1: a symlink planted at the audit log's path: refused before
// listening, and the file it points at (here a stand-in for the victim's
// shell rc file) is left as it was.
func TestAuditLogSymlinkIsRefused(t *testing.T) {
	dir := t.TempDir()
	target := writeFile(t, filepath.Join(dir, "bashrc_demo"), "# sourced by the victim's shell\n", 0o600)
	link := filepath.Join(dir, "relay-audit.jsonl")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	h := cmdutiltest.NewFactory(t)
	o := &Options{IO: h.F.IO, Serve: addr("127.0.0.1:0"), Clients: writeFile(t, filepath.Join(dir, "clients.json"), clientsJSON("ci", ciToken), 0o600),
		AuditLog: link, MaxBody: wwrelay.DefaultMaxBody, MaxInFlight: serve.DefaultBudget,
		Signals:     func() (serve.Signals, func()) { t.Fatal("listened for signals"); return serve.Signals{}, nil },
		MemoryLimit: func(int64) { t.Fatal("set a memory limit") },
		Upstream: func(context.Context, cmdutil.CredInput) (wwrelay.Upstream, wwrelay.Identity, error) {
			return fakeUpstream{t}, wwrelay.Identity{}, nil
		}}
	err := run(context.Background(), o)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "it is a symlink") {
		t.Fatalf("exit %d: %v", cmdutil.ExitCode(err), err)
	}
	if b, _ := os.ReadFile(target); string(b) != "# sourced by the victim's shell\n" {
		t.Fatalf("the symlink's target changed: %q", b)
	}
}

// N11: a SIGHUP while the clients path is a FIFO must not keep SIGTERM
// out (the audit's relay ignored SIGTERM and SIGINT until SIGKILL); the
// clients in use keep working until the relay stops.
func TestReloadOfAFIFONeverBlocksSIGTERM(t *testing.T) {
	clients := writeFile(t, filepath.Join(t.TempDir(), "clients.json"), clientsJSON("ci", ciToken), 0o600)
	r := startRelay(t, Options{Clients: clients}, false)
	if err := os.Remove(clients); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(clients, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // should a reload hang on the FIFO after all, let it go
		if f, err := os.OpenFile(clients, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	r.hup <- syscall.SIGHUP
	waitFor(t, r.errOut, `relay: reload failed, keeping the clients in use: --clients .*it is a FIFO`)
	if s := get(t, r.url+"/cgi-bin/user/get?userid=zhangsan", "", ciToken); s != 200 {
		t.Fatalf("the client in use after the failed reload: %d", s)
	}
	if err := r.stop(t, r.term); err != nil {
		t.Fatalf("SIGTERM after the reload: %v", err)
	}
}

// SIGHUP with a good file: revoked and added clients take effect.
func TestReloadReplacesTheClients(t *testing.T) {
	clients := writeFile(t, filepath.Join(t.TempDir(), "clients.json"), clientsJSON("ci", ciToken), 0o600)
	r := startRelay(t, Options{Clients: clients}, false)
	writeFile(t, clients, clientsJSON("ops", "ops-token-0123456789abcd"), 0o600)
	r.hup <- syscall.SIGHUP
	waitFor(t, r.errOut, `relay: reloaded .*clients\.json: 1 clients: ops\n`)
	if s := get(t, r.url+"/cgi-bin/user/get?userid=zhangsan", "", ciToken); s != 401 {
		t.Fatalf("revoked client: %d", s)
	}
	if s := get(t, r.url+"/cgi-bin/user/get?userid=zhangsan", "", "ops-token-0123456789abcd"); s != 200 {
		t.Fatalf("added client: %d", s)
	}
	// a file another user could have written is not loaded on reload either
	writeFile(t, clients, clientsJSON("mallory", "mallory-token-123"), 0o666)
	r.hup <- syscall.SIGHUP
	waitFor(t, r.errOut, `reload failed, keeping the clients in use: .*chmod go-w`)
	if s := get(t, r.url+"/cgi-bin/user/get?userid=zhangsan", "", "mallory-token-123"); s != 401 {
		t.Fatalf("a token from a 0666 clients file: %d", s)
	}
}
