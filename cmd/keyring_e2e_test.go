//go:build keyring

package cmd

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
