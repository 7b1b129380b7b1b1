package auth

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/profile"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/tokencache"
)

const aesKey = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"

type harness struct {
	*cmdutiltest.Harness
	sandbox *sandbox.Server
	base    string
	prompts int
}

// newHarness: a terminal-like IO (so the masked prompt is used) answering
// with answers, a memory keyring, private dirs, and a sandbox on 127.0.0.1
// standing in for WeCom (exported as WWCLI_BASE_URL, as the docs say).
func newHarness(t *testing.T, answers ...string) *harness {
	t.Helper()
	h := &harness{Harness: cmdutiltest.NewFactory(t)}
	h.sandbox, h.base = h.StartSandbox(t, sandbox.Options{})
	h.F.IO.SetStdinTTY(true)
	h.F.IO.SetStderrTTY(true)
	h.F.IO.SetColorDisabled(true)
	h.F.IO.SetSecretReader(func() (string, error) {
		h.prompts++
		if len(answers) == 0 {
			return "", errors.New("unexpected prompt")
		}
		a := answers[0]
		answers = answers[1:]
		return a, nil
	})
	return h
}

// run executes `wwcli auth ARGS` under a root that has the global
// --base-url flag, as the real tree does; WWCLI_BASE_URL stays in effect
// unless the flag is given.
func (h *harness) run(ctx context.Context, args ...string) error {
	root := &cobra.Command{Use: "wwcli", SilenceErrors: true, SilenceUsage: true}
	root.PersistentFlags().StringVar(&h.F.Global.BaseURL, "base-url", "", "")
	root.PersistentFlags().StringVar(&h.F.Global.Profile, "profile", "", "")
	root.AddCommand(NewCmd(h.F))
	h.F.Global.BaseURL = h.Env["WWCLI_BASE_URL"]
	root.SetArgs(append([]string{"auth"}, args...))
	root.SetOut(h.Out)
	root.SetErr(h.ErrOut)
	return root.ExecuteContext(ctx)
}

func (h *harness) profile(t *testing.T, name string) *config.Profile {
	t.Helper()
	cfg, err := h.F.Config()
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Profiles[name]
}

func (h *harness) writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestNewCmdLoginParsesFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	h.F.Global.Profile = "staging"
	var got *LoginOptions
	root := &cobra.Command{Use: "wwcli"}
	root.PersistentFlags().StringVar(&h.F.Global.BaseURL, "base-url", "", "")
	root.AddCommand(newCmdLogin(h.F, func(_ context.Context, o *LoginOptions) error { got = o; return nil }))
	root.SetArgs([]string{"login", "--corp-id", "ww1", "--agent-id", "1000002", "--secret-file", "s.txt",
		"--base-url", "http://127.0.0.1:8081", "--insecure-storage", "--no-verify", "--callback-secrets-file", "cb.json"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Profile != "staging" || got.Creds.CorpID != "ww1" || got.AgentID == nil || *got.AgentID != "1000002" ||
		got.Creds.SecretFile != "s.txt" || got.BaseURL == nil || *got.BaseURL != "http://127.0.0.1:8081" || got.EnvBaseURL != "" ||
		!got.InsecureStorage || !got.NoVerify || got.CallbackSecretsFile != "cb.json" || !got.Callback {
		t.Fatalf("parsed %+v", got)
	}
	// Flags not given stay unset, so the stored values are kept.
	got = nil
	root = &cobra.Command{Use: "wwcli"}
	root.PersistentFlags().StringVar(&h.F.Global.BaseURL, "base-url", "", "")
	root.AddCommand(newCmdLogin(h.F, func(_ context.Context, o *LoginOptions) error { got = o; return nil }))
	root.SetArgs([]string{"login", "--secret-stdin"})
	h.F.Global.BaseURL = "http://from-env"
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.AgentID != nil || got.BaseURL != nil || got.EnvBaseURL != "http://from-env" || got.Callback || !got.Creds.SecretStdin {
		t.Fatalf("parsed %+v", got)
	}
}

func TestNewCmdLoginUsageErrors(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	for args, want := range map[string]string{
		"--secret-stdin --secret-file x": "either --secret-stdin or --secret-file",
		"--agent-id abc --secret-stdin":  `agent id "abc" is not a number`,
	} {
		cmd := newCmdLogin(h.F, func(context.Context, *LoginOptions) error { t.Fatal("run must not be called"); return nil })
		cmd.SetArgs(strings.Fields(args))
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", args, err)
		}
	}
}

func TestNewCmdLogoutStatusListParseFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var lo *LogoutOptions
	cmd := newCmdLogout(h.F, func(_ context.Context, o *LogoutOptions) error { lo = o; return nil })
	cmd.SetArgs([]string{"--force"})
	if err := cmd.Execute(); err != nil || !lo.Force || lo.Profile != "default" {
		t.Fatalf("logout %+v %v", lo, err)
	}
	var st *StatusOptions
	cmd = newCmdStatus(h.F, func(_ context.Context, o *StatusOptions) error { st = o; return nil })
	cmd.SetArgs([]string{"--jq", ".profiles[].profile"})
	if err := cmd.Execute(); err != nil || !st.Exporter.Enabled() || st.Exporter.JQ != ".profiles[].profile" {
		t.Fatalf("status %+v %v", st, err)
	}
	var li *ListOptions
	cmd = newCmdList(h.F, func(_ context.Context, o *ListOptions) error { li = o; return nil })
	cmd.SetArgs([]string{"--json"})
	if err := cmd.Execute(); err != nil || !li.Exporter.JSON {
		t.Fatalf("list %+v %v", li, err)
	}
	cmd = newCmdList(h.F, func(context.Context, *ListOptions) error { t.Fatal("run must not be called"); return nil })
	cmd.SetArgs([]string{"--jq", ".["})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("a bad --jq is a usage error before run: %v", err)
	}
}

func TestLoginPromptsVerifiesAndStoresInKeyring(t *testing.T) {
	h := newHarness(t, sandbox.DemoAppSecret)
	if err := h.run(context.Background(), "login", "--corp-id", sandbox.DemoCorpID, "--agent-id", "1000002"); err != nil {
		t.Fatal(err)
	}
	errOut := h.ErrOut.String()
	if !strings.Contains(errOut, "App secret (input hidden): ") || strings.Contains(errOut, sandbox.DemoAppSecret) {
		t.Fatalf("prompt/echo: %q", errOut)
	}
	if got, _ := h.Keyring.Get(context.Background(), "default"); got != sandbox.DemoAppSecret {
		t.Fatalf("keyring holds %q", got)
	}
	if n := h.sandbox.Count("/cgi-bin/gettoken"); n != 1 {
		t.Fatalf("login should verify with one gettoken, saw %d", n)
	}
	if p := h.profile(t, "default"); p == nil || p.CorpID != sandbox.DemoCorpID || p.AgentID != "1000002" || p.SecretStorage != config.StorageKeyring {
		t.Fatalf("profile %+v", p)
	}
	// Every stored field is printed.
	for _, want := range []string{`Logged in: profile "default"`, "corp id:   " + sandbox.DemoCorpID, "agent id:  1000002",
		"base url:  https://qyapi.weixin.qq.com (default)", "secret:    memory", "callback:  none"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("output lacks %q:\n%s", want, errOut)
		}
	}
}

// WWCLI_BASE_URL is used to check the secret but never stored silently;
// --base-url stores it.
func TestBaseURLIsStoredOnlyFromTheFlag(t *testing.T) {
	h := newHarness(t, sandbox.DemoAppSecret, sandbox.DemoAppSecret)
	ctx := context.Background()
	if err := h.run(ctx, "login", "--corp-id", sandbox.DemoCorpID); err != nil {
		t.Fatal(err)
	}
	if p := h.profile(t, "default"); p.BaseURL != "" {
		t.Fatalf("WWCLI_BASE_URL was stored: %+v", p)
	}
	if !strings.Contains(h.ErrOut.String(), "warning: the secret was checked against WWCLI_BASE_URL ("+h.base+"), which is not stored with the profile; to store it: wwcli auth login --profile default --base-url "+h.base) {
		t.Fatalf("no warning:\n%s", h.ErrOut.String())
	}
	h.ErrOut.Reset()
	if err := h.run(ctx, "login", "--base-url", h.base); err != nil {
		t.Fatal(err)
	}
	if p := h.profile(t, "default"); p.BaseURL != h.base || p.CorpID != sandbox.DemoCorpID {
		t.Fatalf("profile %+v", p)
	}
	if strings.Contains(h.ErrOut.String(), "warning:") || !strings.Contains(h.ErrOut.String(), "base url:  "+h.base) {
		t.Fatalf("output:\n%s", h.ErrOut.String())
	}
}

// Rotating the secret keeps the agent id, base URL and callback secrets
// (with their receive id), says so, and drops only the old secret's tokens.
func TestReloginKeepsWhatWasNotPassed(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	cbFile := h.writeFile(t, "cb.json", `{"token":"tok","encoding_aes_key":"`+aesKey+`","receive_id":"suite1"}`)
	oldSecret := h.writeFile(t, "old.txt", "old-secret\n")
	if err := h.run(ctx, "login", "--corp-id", sandbox.DemoCorpID, "--agent-id", "1000002", "--base-url", h.base,
		"--secret-file", oldSecret, "--no-verify", "--callback-secrets-file", cbFile); err != nil {
		t.Fatal(err)
	}
	cache := tokencache.InCacheDir(h.Env["WWCLI_CACHE_DIR"])
	put := func(secret, base string) tokencache.Key {
		k := tokencache.Key{BaseURL: base, CorpID: sandbox.DemoCorpID, Secret: secret, Kind: "token"}
		cache.GetOrFetch(ctx, k, func(context.Context) (string, time.Duration, error) { return "t", time.Hour, nil })
		return k
	}
	oldTok, otherApp, production := put("old-secret", h.base), put("another-app", h.base), put("old-secret", "https://qyapi.weixin.qq.com")

	h.ErrOut.Reset()
	if err := h.run(ctx, "login", "--secret-file", h.writeFile(t, "new.txt", sandbox.DemoAppSecret)); err != nil {
		t.Fatal(err)
	}
	p := h.profile(t, "default")
	if p.CorpID != sandbox.DemoCorpID || p.AgentID != "1000002" || p.BaseURL != h.base || !p.Callback || p.CallbackReceiveID != "suite1" {
		t.Fatalf("profile %+v", p)
	}
	out := h.ErrOut.String()
	for _, want := range []string{"corp id:   " + sandbox.DemoCorpID + " (kept)", "agent id:  1000002 (kept)", "base url:  " + h.base + " (kept)",
		"callback:  Token and EncodingAESKey stored, receive id suite1 (kept)", "1 cached token(s) of the replaced secret dropped"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, ok := cache.Get(oldTok); ok {
		t.Error("the old secret's token is still cached")
	}
	for _, k := range []tokencache.Key{otherApp, production} {
		if _, ok := cache.Get(k); !ok {
			t.Errorf("%+v was dropped", k)
		}
	}
	if h.sandbox.Count("/cgi-bin/gettoken") != 1 {
		t.Fatal("the new secret is verified against the kept base URL")
	}
}

func TestLoginWithWrongSecretStoresNothing(t *testing.T) {
	h := newHarness(t, "wrong")
	err := h.run(context.Background(), "login", "--corp-id", sandbox.DemoCorpID)
	if cmdutil.ExitCode(err) != cmdutil.ExitAPI || !strings.Contains(h.ErrOut.String(), "The secret was not stored") {
		t.Fatalf("want exit 3, got %v", err)
	}
	if _, err := h.Keyring.Get(context.Background(), "default"); err != credstore.ErrNotFound || h.profile(t, "default") != nil {
		t.Fatal("nothing may be stored after a failed verification")
	}
}

// The keyring is checked before the secret is asked for, and the error
// offers this very login with --insecure-storage.
func TestKeyringCheckedBeforeThePrompt(t *testing.T) {
	h := newHarness(t, "never-asked")
	h.F.Keyring = credstore.NewKeyring(h.F.Getenv) // WWCLI_KEYRING=off in the harness
	err := h.run(context.Background(), "--profile", "ci", "login", "--corp-id", sandbox.DemoCorpID, "--agent-id", "1000002")
	if cmdutil.ExitCode(err) != cmdutil.ExitCredentials || h.prompts != 0 {
		t.Fatalf("want exit 4 before any prompt, got %v (prompts %d)", err, h.prompts)
	}
	for _, want := range []string{"OS keyring unavailable: disabled by WWCLI_KEYRING=off",
		"wwcli auth login --profile ci --corp-id " + sandbox.DemoCorpID + " --agent-id 1000002 --insecure-storage", "dbus-run-session", "WWCLI_SECRET"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// interactiveStore records that a login asked for the store's interactive
// mode (the keyring's longer timeout, for an unlock dialog).
type interactiveStore struct {
	credstore.Store
	asked *int
}

func (s interactiveStore) Interactive() credstore.Store { *s.asked++; return s }

// A login that prompts uses the keyring's interactive mode; one that reads
// the secret from a file does not.
func TestPromptingLoginUsesTheInteractiveKeyring(t *testing.T) {
	h := newHarness(t, "typed-secret")
	asked := 0
	h.F.Keyring = interactiveStore{Store: h.Keyring, asked: &asked}
	ctx := context.Background()
	if err := h.run(ctx, "login", "--corp-id", sandbox.DemoCorpID, "--no-verify"); err != nil || asked == 0 {
		t.Fatalf("prompting login: %v, interactive asked %d times", err, asked)
	}
	asked = 0
	if err := h.run(ctx, "login", "--secret-file", h.writeFile(t, "s", "x"), "--no-verify"); err != nil || asked != 0 {
		t.Fatalf("file login: %v, interactive asked %d times", err, asked)
	}
}

// Ctrl-C at the masked prompt ends the login at once with the context's
// error alone (the root says "interrupted"), and stores nothing.
func TestInterruptAtThePrompt(t *testing.T) {
	h := newHarness(t)
	release := make(chan struct{})
	defer close(release)
	h.F.IO.SetSecretReader(func() (string, error) { <-release; return "late", nil })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	err := h.run(ctx, "login", "--corp-id", sandbox.DemoCorpID, "--insecure-storage")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if got := h.ErrOut.String(); got != "App secret (input hidden): \n" {
		t.Fatalf("stderr %q: nothing but the prompt", got)
	}
	if h.profile(t, "default") != nil || h.sandbox.Count("/cgi-bin/gettoken") != 0 {
		t.Fatal("nothing may happen after Ctrl-C")
	}
}

func TestLoginCallbackPromptsAndEnv(t *testing.T) {
	h := newHarness(t, "app-secret", "tok", aesKey)
	ctx := context.Background()
	if err := h.run(ctx, "login", "--corp-id", "ww1436e0e65a779aee", "--no-verify", "--callback"); err != nil {
		t.Fatal(err)
	}
	if v, _ := h.Keyring.Get(ctx, config.CallbackTokenAccount("default")); v != "tok" {
		t.Fatalf("callback token %q", v)
	}
	if v, _ := h.Keyring.Get(ctx, config.CallbackKeyAccount("default")); v != aesKey {
		t.Fatalf("callback key %q", v)
	}
	h.Env["WWCLI_CALLBACK_TOKEN"], h.Env["WWCLI_CALLBACK_AES_KEY"] = "env-tok", "short"
	err := h.run(ctx, "--profile", "p2", "login", "--corp-id", "ww1436e0e65a779aee", "--no-verify", "--callback",
		"--secret-file", h.writeFile(t, "s", "x"))
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "callback secrets (environment)") || h.profile(t, "p2") != nil {
		t.Fatalf("a malformed key from the environment: %v", err)
	}
}

func TestStatusShowsOnlyThisAppsTokensAndLogoutKeepsOthers(t *testing.T) {
	h := newHarness(t, sandbox.DemoAppSecret)
	ctx := context.Background()
	if err := h.run(ctx, "login", "--corp-id", sandbox.DemoCorpID, "--callback-secrets-file",
		h.writeFile(t, "cb.json", `{"token":"t","encoding_aes_key":"`+aesKey+`"}`)); err != nil {
		t.Fatal(err)
	}
	s, err := h.F.Session(ctx, "token", cmdutil.CredInput{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Token(ctx, false); err != nil {
		t.Fatal(err)
	}
	cache := tokencache.InCacheDir(h.Env["WWCLI_CACHE_DIR"])
	other := tokencache.Key{BaseURL: h.base, CorpID: sandbox.DemoCorpID, Secret: "another-app", Kind: "token"}
	cache.GetOrFetch(ctx, other, func(context.Context) (string, time.Duration, error) { return "t", time.Hour, nil })

	h.Out.Reset()
	if err := h.run(ctx, "status", "--json"); err != nil {
		t.Fatal(err)
	}
	var st statusJSON
	if err := json.Unmarshal(h.Out.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Profiles) != 1 || st.Profiles[0].SecretState != profile.StateStored || len(st.Profiles[0].CachedTokens) != 1 ||
		st.Profiles[0].Callback == nil || st.Profiles[0].Callback.State != profile.StateStored || st.Profiles[0].Callback.ReceiveID != sandbox.DemoCorpID {
		t.Fatalf("status %s", h.Out.String())
	}
	h.Out.Reset()
	if err := h.run(ctx, "status"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.Out.String(), "callback:  ok Token and EncodingAESKey stored, receive id "+sandbox.DemoCorpID) ||
		strings.Count(h.Out.String(), "cached:") != 1 {
		t.Fatalf("status:\n%s", h.Out.String())
	}

	h.ErrOut.Reset()
	if err := h.run(ctx, "logout"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.ErrOut.String(), "1 cached token(s) dropped") {
		t.Fatalf("logout: %q", h.ErrOut.String())
	}
	if _, err := h.Keyring.Get(ctx, "default"); err != credstore.ErrNotFound {
		t.Fatal("the secret must be gone")
	}
	if _, ok := cache.Get(other); !ok {
		t.Fatal("logout wiped another app's token")
	}
	if err := h.run(ctx, "status"); cmdutil.ExitCode(err) != cmdutil.ExitCredentials {
		t.Fatalf("status with nothing configured should exit 4, got %v", err)
	}
}

// An unreachable keyring keeps the profile on logout, with logout's own
// fixes; --force removes it and warns that the entry may remain.
func TestLogoutUnreachableKeyringAndForce(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if err := config.Update(h.Env["WWCLI_CONFIG_DIR"], func(c *config.Config) error {
		c.Profiles["default"] = &config.Profile{CorpID: "ww1", SecretStorage: config.StorageKeyring}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.F.Keyring = credstore.NewKeyring(h.F.Getenv) // off
	err := h.run(ctx, "logout")
	if cmdutil.ExitCode(err) != cmdutil.ExitCredentials || !strings.Contains(err.Error(), "kept") ||
		!strings.Contains(err.Error(), "wwcli auth logout --profile default --force") {
		t.Fatalf("logout: %v", err)
	}
	if h.profile(t, "default") == nil {
		t.Fatal("the profile was removed although its secret could not be")
	}
	h.Out.Reset()
	h.ErrOut.Reset()
	// The report is printed, but a keyring that could not be read is not
	// "all is well": exit 4, with the reason on stderr.
	err = h.run(ctx, "status", "--json")
	if cmdutil.ExitCode(err) != cmdutil.ExitCredentials {
		t.Fatalf("status exit %d (%v), want %d", cmdutil.ExitCode(err), err, cmdutil.ExitCredentials)
	}
	if !strings.Contains(h.Out.String(), `"secret_state":"unavailable"`) {
		t.Fatalf("status: %s", h.Out.String())
	}
	if msg := h.ErrOut.String() + err.Error(); !strings.Contains(msg, `profile "default"`) || !strings.Contains(msg, "WWCLI_KEYRING=off") {
		t.Fatalf("status message: %q", msg)
	}
	h.ErrOut.Reset()
	if err := h.run(ctx, "logout", "--force"); err != nil {
		t.Fatal(err)
	}
	if h.profile(t, "default") != nil || !strings.Contains(h.ErrOut.String(), `warning: the secrets of profile "default" may remain in OS keyring`) {
		t.Fatalf("force: %s", h.ErrOut.String())
	}
}

func TestListEmptyIsExitZeroAndTTYIsATable(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if err := h.run(ctx, "list"); err != nil || h.Out.Len() != 0 {
		t.Fatalf("no profiles: %v %q", err, h.Out.String())
	}
	if err := h.run(ctx, "list", "--json"); err != nil || h.Out.String() != "[]\n" {
		t.Fatalf("no profiles as JSON: %v %q", err, h.Out.String())
	}
	for _, name := range []string{"default", "staging"} {
		config.Update(h.Env["WWCLI_CONFIG_DIR"], func(c *config.Config) error {
			c.Profiles[name] = &config.Profile{CorpID: "ww" + name, SecretStorage: config.StorageFile}
			return nil
		})
	}
	h.Out.Reset()
	if err := h.run(ctx, "list"); err != nil || h.Out.String() != "default\nstaging\n" {
		t.Fatalf("piped: %v %q", err, h.Out.String())
	}
	h.Out.Reset()
	h.F.IO.SetStdoutTTY(true)
	if err := h.run(ctx, "list"); err != nil {
		t.Fatal(err)
	}
	want := "  PROFILE  CORP ID    AGENT ID  SECRET  BASE URL\n" +
		"* default  wwdefault  -         file    -\n" +
		"  staging  wwstaging  -         file    -\n"
	if h.Out.String() != want {
		t.Fatalf("table:\n%s\nwant:\n%s", h.Out.String(), want)
	}
	h.Out.Reset()
	if err := h.run(ctx, "list", "--jq", ".[] | select(.active) | .profile"); err != nil || h.Out.String() != "default\n" {
		t.Fatalf("jq: %v %q", err, h.Out.String())
	}
}

// A corrupt config gives the same error (naming the file and the fix) and
// exit 1 on every auth verb, and is never overwritten.
func TestCorruptConfigSameErrorEverywhere(t *testing.T) {
	h := newHarness(t, "secret")
	dir := h.Env["WWCLI_CONFIG_DIR"]
	os.MkdirAll(dir, 0o700)
	path := filepath.Join(dir, config.FileName)
	os.WriteFile(path, []byte(`{"profiles": {"default": {`), 0o600)
	for _, args := range [][]string{
		{"login", "--corp-id", sandbox.DemoCorpID, "--insecure-storage"},
		{"logout"}, {"status"}, {"list"}, {"status", "--json"},
	} {
		err := h.run(context.Background(), args...)
		var ce *config.Error
		if cmdutil.ExitCode(err) != cmdutil.ExitFailure || !errors.As(err, &ce) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "mv ") {
			t.Errorf("%v: %v", args, err)
		}
	}
	if b, _ := os.ReadFile(path); string(b) != `{"profiles": {"default": {` {
		t.Fatal("the corrupt config was changed")
	}
	if h.prompts != 0 {
		t.Fatal("no secret may be asked for before the config is known to be readable")
	}
}
