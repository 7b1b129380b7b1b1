package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

type harness struct {
	f           *cmdutil.Factory
	out, errOut *bytes.Buffer
	keyring     credstore.Store
	sandbox     *sandbox.Server
}

// newHarness: a terminal-like IO (so the masked prompt is used), a memory
// keyring, private dirs and a sandbox on 127.0.0.1 standing in for WeCom.
func newHarness(t *testing.T, secrets ...string) *harness {
	t.Helper()
	srv := sandbox.New(sandbox.Options{})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	env := map[string]string{"WWCLI_CONFIG_DIR": filepath.Join(dir, "config"), "WWCLI_CACHE_DIR": filepath.Join(dir, "cache")}
	io, _, out, errOut := iostreams.Test()
	io.SetStdinTTY(true)
	io.SetStderrTTY(true)
	answers := secrets
	io.SetSecretReader(func() (string, error) {
		if len(answers) == 0 {
			t.Fatal("unexpected prompt")
		}
		a := answers[0]
		answers = answers[1:]
		return a, nil
	})
	kr := credstore.NewMemory()
	f := &cmdutil.Factory{IO: io, Getenv: func(k string) string { return env[k] }, Now: time.Now, Keyring: kr}
	f.Global.Timeout = 5 * time.Second
	f.Global.BaseURL = base
	return &harness{f: f, out: out, errOut: errOut, keyring: kr, sandbox: srv}
}

func TestLoginPromptsVerifiesAndStoresInKeyring(t *testing.T) {
	h := newHarness(t, sandbox.DemoAppSecret)
	err := runLogin(context.Background(), &LoginOptions{f: h.f, CorpID: sandbox.DemoCorpID, AgentID: "1000002"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.errOut.String(), "App secret (input hidden): ") || strings.Contains(h.errOut.String(), sandbox.DemoAppSecret) {
		t.Fatalf("prompt/echo: %q", h.errOut.String())
	}
	if got, _ := h.keyring.Get(context.Background(), "default"); got != sandbox.DemoAppSecret {
		t.Fatalf("keyring holds %q", got)
	}
	if n := h.sandbox.Count("/cgi-bin/gettoken"); n != 1 {
		t.Fatalf("login should verify with one gettoken, saw %d", n)
	}
	cfg, _ := h.f.Config()
	if p := cfg.Profiles["default"]; p == nil || p.CorpID != sandbox.DemoCorpID || p.SecretStorage != config.StorageKeyring || p.BaseURL == "" {
		t.Fatalf("profile %+v", p)
	}
}

func TestLoginWithWrongSecretStoresNothing(t *testing.T) {
	h := newHarness(t, "wrong")
	err := runLogin(context.Background(), &LoginOptions{f: h.f, CorpID: sandbox.DemoCorpID})
	if cmdutil.ExitCode(err) != cmdutil.ExitAPI {
		t.Fatalf("want exit 3, got %v", err)
	}
	if _, err := h.keyring.Get(context.Background(), "default"); err != credstore.ErrNotFound {
		t.Fatal("nothing may be stored after a failed verification")
	}
}

func TestLoginCallbackPrompts(t *testing.T) {
	h := newHarness(t, "app-secret", "tok", "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt")
	err := runLogin(context.Background(), &LoginOptions{f: h.f, CorpID: "ww1436e0e65a779aee", NoVerify: true, Callback: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if v, _ := h.keyring.Get(ctx, config.CallbackTokenAccount("default")); v != "tok" {
		t.Fatalf("callback token %q", v)
	}
	if v, _ := h.keyring.Get(ctx, config.CallbackKeyAccount("default")); v != "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt" {
		t.Fatalf("callback key %q", v)
	}
}

func TestStatusAndLogout(t *testing.T) {
	h := newHarness(t, sandbox.DemoAppSecret)
	ctx := context.Background()
	if err := runLogin(ctx, &LoginOptions{f: h.f, CorpID: sandbox.DemoCorpID}); err != nil {
		t.Fatal(err)
	}
	// A cached token for the corp, so status and logout have one to show and drop.
	s, err := h.f.Session(ctx, "token", cmdutil.CredInput{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Token(ctx, false); err != nil {
		t.Fatal(err)
	}
	h.out.Reset()
	if err := runStatus(ctx, &StatusOptions{f: h.f, JSON: true}); err != nil {
		t.Fatal(err)
	}
	var st struct {
		Profiles []profileStatus `json:"profiles"`
	}
	if err := json.Unmarshal(h.out.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Profiles) != 1 || st.Profiles[0].SecretState != "stored" || len(st.Profiles[0].CachedTokens) != 1 {
		t.Fatalf("status %+v", st.Profiles)
	}
	h.errOut.Reset()
	if err := runLogout(ctx, &LogoutOptions{f: h.f}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.errOut.String(), "1 cached token(s) dropped") {
		t.Fatalf("logout: %q", h.errOut.String())
	}
	if _, err := h.keyring.Get(ctx, "default"); err != credstore.ErrNotFound {
		t.Fatal("the secret must be gone")
	}
	if err := runStatus(ctx, &StatusOptions{f: h.f}); cmdutil.ExitCode(err) != cmdutil.ExitCredentials {
		t.Fatalf("status with nothing configured should exit 4, got %v", err)
	}
}

// An unreachable keyring keeps the profile on logout, so nothing is left
// half-removed, and status reports the store as unavailable, not "missing".
func TestUnavailableKeyringKeepsProfile(t *testing.T) {
	h := newHarness(t)
	dir, _ := h.f.ConfigDir()
	cfg, _ := config.Load(dir)
	cfg.Profiles["default"] = &config.Profile{CorpID: "ww1", SecretStorage: config.StorageKeyring}
	cfg.Save()
	h.f.Keyring = credstore.NewKeyring(func(k string) string {
		if k == "WWCLI_KEYRING" {
			return "off"
		}
		return ""
	})
	ctx := context.Background()
	err := runLogout(ctx, &LogoutOptions{f: h.f})
	if cmdutil.ExitCode(err) != cmdutil.ExitCredentials || !strings.Contains(err.Error(), "kept") {
		t.Fatalf("logout: %v", err)
	}
	if cfg, _ := config.Load(dir); cfg.Profiles["default"] == nil {
		t.Fatal("the profile was removed although its secret could not be")
	}
	h.out.Reset()
	runStatus(ctx, &StatusOptions{f: h.f, JSON: true})
	if !strings.Contains(h.out.String(), `"secret_state":"unavailable"`) {
		t.Fatalf("status: %s", h.out.String())
	}
}

// Logging in again without --callback keeps the callback secrets, and moves
// them along when the secret storage changes.
func TestReloginKeepsCallbackSecrets(t *testing.T) {
	h := newHarness(t, "app-secret", "tok", "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt", "app-secret-2")
	ctx := context.Background()
	if err := runLogin(ctx, &LoginOptions{f: h.f, CorpID: "ww1436e0e65a779aee", NoVerify: true, Callback: true}); err != nil {
		t.Fatal(err)
	}
	if err := runLogin(ctx, &LoginOptions{f: h.f, CorpID: "ww1436e0e65a779aee", NoVerify: true, InsecureStorage: true}); err != nil {
		t.Fatal(err)
	}
	cfg, _ := h.f.Config()
	if p := cfg.Profiles["default"]; !p.Callback || p.SecretStorage != config.StorageFile {
		t.Fatalf("profile %+v", p)
	}
	file, _ := h.f.SecretStore(config.StorageFile)
	if v, _ := file.Get(ctx, config.CallbackTokenAccount("default")); v != "tok" {
		t.Fatalf("callback token not moved to the file store: %q", v)
	}
	if _, err := h.keyring.Get(ctx, config.CallbackTokenAccount("default")); err != credstore.ErrNotFound {
		t.Fatal("the old copy should be removed once moved")
	}
}
