package callback

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func writeFile(t *testing.T, body string, mode os.FileMode) string {
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

func TestResolveSecretsOrder(t *testing.T) {
	file := writeFile(t, `{"token":"ft","encoding_aes_key":"fk","receive_id":"fr"}`, 0o600)
	env := EnvSource{envOf(map[string]string{EnvToken: "et", EnvAESKey: "ek", EnvReceiveID: "er"})}
	s, err := ResolveSecrets([]SecretSource{FileSource{file}, env})
	if err != nil || s.Token != "ft" || s.ReceiveID != "fr" || !strings.HasPrefix(s.Source, "file ") {
		t.Fatalf("file wins: %+v %v", s, err)
	}
	s, err = ResolveSecrets([]SecretSource{FileSource{""}, env})
	if err != nil || s.Token != "et" || s.EncodingAESKey != "ek" || s.ReceiveID != "er" || s.Source != "environment" {
		t.Fatalf("env next: %+v %v", s, err)
	}
	_, err = ResolveSecrets([]SecretSource{FileSource{""}, EnvSource{envOf(nil)}})
	if !errors.Is(err, ErrNoSecrets) {
		t.Fatalf("none: %v", err)
	}
}

func TestSecretSourceErrors(t *testing.T) {
	cases := []struct {
		name string
		src  SecretSource
		want string
	}{
		{"only token", EnvSource{envOf(map[string]string{EnvToken: "t"})}, "WWCLI_CALLBACK_AES_KEY is not"},
		{"only key", EnvSource{envOf(map[string]string{EnvAESKey: "k"})}, "WWCLI_CALLBACK_TOKEN is not"},
		{"missing file", FileSource{filepath.Join(t.TempDir(), "none.json")}, "cannot read"},
		{"not json", FileSource{writeFile(t, "token=x", 0o600)}, "is not JSON"},
		{"unknown key", FileSource{writeFile(t, `{"token":"t","aes_key":"k"}`, 0o600)}, "is not JSON"},
		{"missing key", FileSource{writeFile(t, `{"token":"t"}`, 0o600)}, "needs both"},
		{"directory", FileSource{t.TempDir()}, "not a regular file"},
	}
	if runtime.GOOS != "windows" {
		cases = append(cases, struct {
			name string
			src  SecretSource
			want string
		}{"world readable", FileSource{writeFile(t, `{"token":"t","encoding_aes_key":"k"}`, 0o644)}, "chmod 600"})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ResolveSecrets([]SecretSource{tc.src, EnvSource{envOf(map[string]string{EnvToken: "x", EnvAESKey: "y"})}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q (and no fall-through)", err, tc.want)
			}
		})
	}
}
