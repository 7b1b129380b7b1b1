package cmdutil_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/secretinput"
)

func secretsFile(t *testing.T, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secrets.json")
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// storeProfile makes "default" a profile with callback secrets in the keyring.
func storeProfile(t *testing.T, h *cmdutiltest.Harness) {
	t.Helper()
	cfg, err := h.F.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Profiles = map[string]*config.Profile{"default": {CorpID: "wwprofile", SecretStorage: config.StorageKeyring, Callback: true}}
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_ = h.Keyring.Set(ctx, config.CallbackTokenAccount("default"), "pt")
	_ = h.Keyring.Set(ctx, config.CallbackKeyAccount("default"), "pk")
}

func TestCallbackSecretsPrecedence(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	storeProfile(t, h)
	ctx := context.Background()
	s, err := h.F.CallbackSecrets(ctx, "")
	if err != nil || s.Token != "pt" || s.EncodingAESKey != "pk" || s.ReceiveID != "wwprofile" || s.Source != `profile "default"` {
		t.Fatalf("profile last: %+v %v", s, err)
	}
	h.Env[credentials.EnvCallbackToken], h.Env[credentials.EnvCallbackAESKey], h.Env[credentials.EnvCallbackReceiveID] = "et", "ek", "er"
	s, err = h.F.CallbackSecrets(ctx, "")
	if err != nil || s.Token != "et" || s.ReceiveID != "er" || s.Source != "environment" {
		t.Fatalf("env before the profile: %+v %v", s, err)
	}
	file := secretsFile(t, `{"token":"ft","encoding_aes_key":"fk","receive_id":"fr"}`, 0o600)
	s, err = h.F.CallbackSecrets(ctx, file)
	if err != nil || s.Token != "ft" || s.ReceiveID != "fr" || s.Source != "file "+file {
		t.Fatalf("file first: %+v %v", s, err)
	}
	// auth login stores what was handed over, never the profile's own.
	delete(h.Env, credentials.EnvCallbackToken)
	delete(h.Env, credentials.EnvCallbackAESKey)
	if _, err := h.F.CallbackSecretsGiven(""); !errors.Is(err, credentials.ErrNoCallbackSecrets) {
		t.Fatalf("given, none: %v", err)
	}
	if h.ErrOut.Len() != 0 {
		t.Errorf("unexpected output %q", h.ErrOut.String())
	}
}

// ctxStore records the context of each call.
type ctxStore struct {
	credstore.Store
	got []context.Context
}

func (c *ctxStore) Get(ctx context.Context, account string) (string, error) {
	c.got = append(c.got, ctx)
	return c.Store.Get(ctx, account)
}

type key struct{}

func TestProfileSourceGetsTheCommandsContext(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	storeProfile(t, h)
	rec := &ctxStore{Store: h.Keyring}
	h.F.Keyring = rec
	ctx := context.WithValue(context.Background(), key{}, "the command's")
	if _, err := h.F.CallbackSecrets(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if len(rec.got) != 2 {
		t.Fatalf("%d keyring reads", len(rec.got))
	}
	for _, c := range rec.got {
		if c.Value(key{}) != "the command's" {
			t.Fatal("the keyring read did not get the command's context")
		}
	}
}

func TestCallbackSecretsErrorsStopTheSearch(t *testing.T) {
	big := secretsFile(t, `{"token":"`+strings.Repeat("t", secretinput.MaxSize)+`","encoding_aes_key":"k"}`, 0o600)
	for _, c := range []struct {
		name string
		file string
		env  map[string]string
		want string
	}{
		{"only token", "", map[string]string{credentials.EnvCallbackToken: "t"}, "WWCLI_CALLBACK_AES_KEY is not"},
		{"only key", "", map[string]string{credentials.EnvCallbackAESKey: "k"}, "WWCLI_CALLBACK_TOKEN is not"},
		{"missing file", filepath.Join(t.TempDir(), "none.json"), nil, "does not exist"},
		{"not json", secretsFile(t, "token=x", 0o600), nil, "is not JSON"},
		{"unknown key", secretsFile(t, `{"token":"t","aes_key":"k"}`, 0o600), nil, "is not JSON"},
		{"missing key", secretsFile(t, `{"token":"t"}`, 0o600), nil, "needs both"},
		{"directory", t.TempDir(), nil, "not a regular file"},
		{"too large", big, nil, "more than a secret can be"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := cmdutiltest.NewFactory(t)
			storeProfile(t, h)
			for k, v := range c.env {
				h.Env[k] = v
			}
			if c.file != "" {
				h.Env[credentials.EnvCallbackToken], h.Env[credentials.EnvCallbackAESKey] = "x", "y"
			}
			_, err := h.F.CallbackSecrets(context.Background(), c.file)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q (and no fall-through)", err, c.want)
			}
		})
	}
}

func TestReadableSecretsFileWarnsOnce(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	file := secretsFile(t, `{"token":"t","encoding_aes_key":"k"}`, 0o644)
	for range 2 {
		if s, err := h.F.CallbackSecrets(context.Background(), file); err != nil || s.Token != "t" {
			t.Fatalf("%+v %v", s, err)
		}
	}
	if got := h.ErrOut.String(); strings.Count(got, "warning: ") != 1 || !strings.Contains(got, "chmod 600 "+file) {
		t.Fatalf("stderr %q", got)
	}
}
