//go:build keyring

package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

// A real keyring round trip: login → token → status → logout against a
// real Secret Service (run through scripts/with-keyring.sh) and a sandbox
// on loopback standing in for WeCom.
func TestKeyringLoginTokenStatusLogout(t *testing.T) {
	w := newInProcess(t, map[string]string{
		"WWCLI_PROFILE":            "keyring-e2e",
		"DBUS_SESSION_BUS_ADDRESS": os.Getenv("DBUS_SESSION_BUS_ADDRESS"),
		"XDG_RUNTIME_DIR":          os.Getenv("XDG_RUNTIME_DIR"),
	})
	srv, run := w.srv, w.run
	dir := filepath.Dir(w.env["WWCLI_CONFIG_DIR"])

	code, _, stderr := run(sandbox.DemoAppSecret+"\n", "auth", "login", "--corp-id", sandbox.DemoCorpID, "--agent-id", "1000002", "--secret-stdin")
	if code != 0 || !strings.Contains(stderr, "OS keyring") {
		t.Fatalf("login: %d %s", code, stderr)
	}
	cfg, _ := os.ReadFile(filepath.Join(dir, "config", "config.json"))
	if bytes.Contains(cfg, []byte(sandbox.DemoAppSecret)) {
		t.Fatal("the secret reached the config file")
	}

	code, tok, stderr := run("", "token")
	if code != 0 || strings.TrimSpace(tok) == "" {
		t.Fatalf("token: %d %q %s", code, tok, stderr)
	}
	if n := srv.Count("/cgi-bin/gettoken"); n != 2 { // one to verify at login, one for `token`
		t.Fatalf("gettoken calls: %d", n)
	}

	code, out, stderr := run("", "auth", "status", "--json")
	if code != 0 {
		t.Fatalf("status: %d %s", code, stderr)
	}
	var st struct {
		Profiles []struct {
			Profile       string `json:"profile"`
			SecretState   string `json:"secret_state"`
			SecretStorage string `json:"secret_storage"`
			Cached        []any  `json:"cached"`
		} `json:"profiles"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st.Profiles) != 1 {
		t.Fatalf("status json: %v %s", err, out)
	}
	p := st.Profiles[0]
	if p.SecretState != "stored" || p.SecretStorage != "keyring" || len(p.Cached) != 1 {
		t.Fatalf("status: %+v", p)
	}
	if strings.Contains(out, sandbox.DemoAppSecret) || strings.Contains(out, strings.TrimSpace(tok)) {
		t.Fatal("status must never show the secret or the token")
	}

	if code, _, stderr := run("", "auth", "logout"); code != 0 {
		t.Fatalf("logout: %d %s", code, stderr)
	}
	code, _, stderr = run("", "token")
	if code != 4 {
		t.Fatalf("after logout token should exit 4, got %d %s", code, stderr)
	}
}

// Against a real keyring: logging in again keeps the agent id and the
// callback secrets, moving to --insecure-storage carries them over and
// removes the keyring copies, and --force removes a profile while the
// keyring is switched off (leaving its entry, which the test then removes).
func TestKeyringReloginMoveAndForceLogout(t *testing.T) {
	w := newInProcess(t, map[string]string{
		"WWCLI_PROFILE":            "keyring-e2e-move",
		"DBUS_SESSION_BUS_ADDRESS": os.Getenv("DBUS_SESSION_BUS_ADDRESS"),
		"XDG_RUNTIME_DIR":          os.Getenv("XDG_RUNTIME_DIR"),
	})
	ctx := context.Background()
	kr := credstore.NewKeyring(os.Getenv)
	name := w.env["WWCLI_PROFILE"]
	t.Cleanup(func() {
		for _, a := range []string{config.SecretAccount(name), config.CallbackTokenAccount(name), config.CallbackKeyAccount(name)} {
			_ = kr.Delete(ctx, a)
		}
	})
	cb := filepath.Join(t.TempDir(), "cb.json")
	os.WriteFile(cb, []byte(`{"token":"tok","encoding_aes_key":"6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"}`), 0o600)

	code, _, stderr := w.run(sandbox.DemoAppSecret+"\n", "auth", "login", "--corp-id", sandbox.DemoCorpID, "--agent-id", "1000002",
		"--secret-stdin", "--callback-secrets-file", cb)
	if code != 0 {
		t.Fatalf("login: %d %s", code, stderr)
	}
	if v, err := kr.Get(ctx, config.CallbackTokenAccount(name)); err != nil || v != "tok" {
		t.Fatalf("callback token in the keyring: %q %v", v, err)
	}
	code, _, stderr = w.run(sandbox.DemoAppSecret+"\n", "auth", "login", "--secret-stdin")
	if code != 0 || !strings.Contains(stderr, "agent id:  1000002 (kept)") || !strings.Contains(stderr, "(the corp id) (kept)") {
		t.Fatalf("relogin: %d %s", code, stderr)
	}

	code, _, stderr = w.run(sandbox.DemoAppSecret+"\n", "auth", "login", "--secret-stdin", "--insecure-storage")
	if code != 0 || !strings.Contains(stderr, "moved from OS keyring") {
		t.Fatalf("move to the file: %d %s", code, stderr)
	}
	for _, a := range []string{config.SecretAccount(name), config.CallbackTokenAccount(name)} {
		if _, err := kr.Get(ctx, a); !errors.Is(err, credstore.ErrNotFound) {
			t.Fatalf("%s left in the keyring after the move: %v", a, err)
		}
	}
	code, out, _ := w.run("", "auth", "status", "--jq", ".profiles[0].callback.state")
	if code != 0 || strings.TrimSpace(out) != "stored" {
		t.Fatalf("status after the move: %d %q", code, out)
	}

	// Back to the keyring, then log out with the keyring switched off.
	if code, _, stderr = w.run(sandbox.DemoAppSecret+"\n", "auth", "login", "--secret-stdin"); code != 0 {
		t.Fatalf("back to the keyring: %d %s", code, stderr)
	}
	w.env["WWCLI_KEYRING"] = "off"
	if code, _, stderr = w.run("", "auth", "logout"); code != 4 || !strings.Contains(stderr, "--force") {
		t.Fatalf("logout without the keyring: %d %s", code, stderr)
	}
	code, _, stderr = w.run("", "auth", "logout", "--force")
	if code != 0 || !strings.Contains(stderr, "may remain in OS keyring") {
		t.Fatalf("logout --force: %d %s", code, stderr)
	}
	if v, err := kr.Get(ctx, config.SecretAccount(name)); err != nil || v != sandbox.DemoAppSecret {
		t.Fatalf("--force leaves the keyring entry (as it warned): %q %v", v, err)
	}
}
