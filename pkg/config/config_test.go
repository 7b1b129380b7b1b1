package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadMissingIsEmpty(t *testing.T) {
	c, err := Load(t.TempDir())
	if err != nil || len(c.Profiles) != 0 {
		t.Fatalf("%v %v", c, err)
	}
}

func TestSaveLoadRoundTripNeverHoldsSecrets(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg")
	c, _ := Load(dir)
	c.Profiles["default"] = &Profile{CorpID: "ww5a8f2c1d9e0b3a47", AgentID: "1000002", SecretStorage: StorageKeyring}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(c.Path())
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
	c2, err := Load(dir)
	if err != nil || c2.Profiles["default"].AgentID != "1000002" {
		t.Fatalf("%+v %v", c2, err)
	}
	// The file holds identifiers only: no field could carry a secret.
	var raw struct {
		Profiles map[string]map[string]any `json:"profiles"`
	}
	b, _ := os.ReadFile(c.Path())
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for k := range raw.Profiles["default"] {
		switch k {
		case "corp_id", "agent_id", "base_url", "secret_storage", "callback":
		default:
			t.Errorf("unexpected profile field %q", k)
		}
	}
}

func TestCorruptConfigIsAnErrorAndUntouched(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, FileName), []byte("{oops"), 0o600)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Fatalf("got %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, FileName)); string(b) != "{oops" {
		t.Fatal("file changed")
	}
}

func TestDir(t *testing.T) {
	d, err := Dir(func(k string) string {
		if k == "WWCLI_CONFIG_DIR" {
			return "/x/y"
		}
		return ""
	})
	if err != nil || d != "/x/y" {
		t.Fatal(d, err)
	}
}

func TestProfileNamesAndCorpIDs(t *testing.T) {
	for _, ok := range []string{"default", "prod-1", "a.b_c"} {
		if ValidProfileName(ok) != nil {
			t.Errorf("%q should be valid", ok)
		}
	}
	for _, bad := range []string{"", "-x", "a/b", "a b", strings.Repeat("x", 65)} {
		if ValidProfileName(bad) == nil {
			t.Errorf("%q should be invalid", bad)
		}
	}
	if !LooksLikeCorpID("ww5a8f2c1d9e0b3a47") || LooksLikeCorpID("corp") {
		t.Fatal("corp id shape")
	}
	c := &Config{Profiles: map[string]*Profile{"b": {}, "a": {}}}
	if n := c.Names(); n[0] != "a" || n[1] != "b" {
		t.Fatal(n)
	}
}

func TestDirsComeFromTheInjectedEnvironmentOnly(t *testing.T) {
	env := map[string]string{"HOME": "/home/alice"}
	getenv := func(k string) string { return env[k] }
	dir, err := Dir(getenv)
	if err != nil {
		t.Fatal(err)
	}
	cache, err := CacheDir(getenv)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dir, "/home/alice") || !strings.HasPrefix(cache, "/home/alice") {
		t.Fatalf("dirs must come from the injected HOME: %s, %s", dir, cache)
	}
	if _, err := Dir(func(string) string { return "" }); err == nil {
		t.Fatal("no HOME and no WWCLI_CONFIG_DIR: an error, never the real home")
	}
}
