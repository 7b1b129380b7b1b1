//go:build keyring

package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

// A real keyring round trip for third-party credentials: a suite secret
// stored by `auth login --suite`, a permanent code in the keyring used by
// --auth-corp, status, and logout removing the suite secret.
func TestKeyringSuiteLoginAndAuthCorp(t *testing.T) {
	w := newInProcess(t, map[string]string{
		"WWCLI_PROFILE":            "keyring-e2e-suite",
		"DBUS_SESSION_BUS_ADDRESS": os.Getenv("DBUS_SESSION_BUS_ADDRESS"),
		"XDG_RUNTIME_DIR":          os.Getenv("XDG_RUNTIME_DIR"),
	})
	ctx := context.Background()
	kr := credstore.NewKeyring(os.Getenv)
	name := w.env["WWCLI_PROFILE"]
	codeAccount := config.PermanentCodeAccount(sandbox.DemoSuiteID, sandbox.DemoCorpID)
	t.Cleanup(func() {
		for _, a := range []string{config.SuiteSecretAccount(name), codeAccount} {
			_ = kr.Delete(ctx, a)
		}
	})

	code, _, stderr := w.run(sandbox.DemoSuiteSecret+"\n", "auth", "login", "--suite", sandbox.DemoSuiteID, "--secret-stdin")
	if code != 0 || !strings.Contains(stderr, "OS keyring") || !strings.Contains(stderr, "not verified") {
		t.Fatalf("login: %d %s", code, stderr)
	}
	if v, err := kr.Get(ctx, config.SuiteSecretAccount(name)); err != nil || v != sandbox.DemoSuiteSecret {
		t.Fatalf("suite secret in the keyring: %v", err)
	}

	ticket, _, err := w.srv.PushSuiteTicket(sandbox.DemoSuiteID)
	if err != nil {
		t.Fatal(err)
	}
	w.env["WWCLI_SUITE_TICKET"] = ticket
	code, tok, stderr := w.run("", "suite", "token")
	if code != 0 || strings.TrimSpace(tok) == "" {
		t.Fatalf("suite token: %d %s", code, stderr)
	}

	// Install, and keep the permanent code where `suite permanent-code` does.
	auth, err := w.srv.AuthorizeSuite(sandbox.SuiteAuthorizeRequest{SuiteID: sandbox.DemoSuiteID})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(w.env["WWCLI_BASE_URL"]+"/cgi-bin/service/get_permanent_code?suite_access_token="+strings.TrimSpace(tok),
		"application/json", strings.NewReader(`{"auth_code":"`+auth.AuthCode+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var pc struct {
		PermanentCode string `json:"permanent_code"`
	}
	err = json.NewDecoder(resp.Body).Decode(&pc)
	resp.Body.Close()
	if err != nil || pc.PermanentCode == "" {
		t.Fatalf("get_permanent_code: %v %+v", err, pc)
	}
	if err := kr.Set(ctx, codeAccount, pc.PermanentCode); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := w.run("", "api", "user/get", "-X", "GET", "-f", "userid=zhangsan", "--auth-corp", sandbox.DemoCorpID)
	if code != 0 || !strings.Contains(out, `"userid":"zhangsan"`) {
		t.Fatalf("api --auth-corp: %d %s %s", code, out, stderr)
	}

	code, out, stderr = w.run("", "auth", "status", "--jq", ".profiles[0].suite.state")
	if code != 0 || strings.TrimSpace(out) != "stored" || strings.Contains(out, sandbox.DemoSuiteSecret) {
		t.Fatalf("status: %d %q %s", code, out, stderr)
	}
	if code, _, stderr = w.run("", "auth", "logout"); code != 0 {
		t.Fatalf("logout: %d %s", code, stderr)
	}
	if _, err := kr.Get(ctx, config.SuiteSecretAccount(name)); !errors.Is(err, credstore.ErrNotFound) {
		t.Fatalf("the suite secret is left in the keyring: %v", err)
	}
}
