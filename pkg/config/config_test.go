package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
		case "corp_id", "agent_id", "base_url", "secret_storage", "callback", "callback_receive_id":
		default:
			t.Errorf("unexpected profile field %q", k)
		}
	}
}

func TestCorruptConfigIsAnErrorAndUntouched(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	os.WriteFile(path, []byte("{\"profiles\": {\"default\": {"), 0o600)
	_, err := Load(dir)
	var ce *Error
	if !errors.As(err, &ce) || ce.Op != OpParse {
		t.Fatalf("want a *config.Error, got %T %v", err, err)
	}
	for _, want := range []string{path, "not valid JSON", "it ends too early", "mv " + path + " " + path + ".bak"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %s", want, err)
		}
	}
	if b, _ := os.ReadFile(path); string(b) != "{\"profiles\": {\"default\": {" {
		t.Fatal("file changed")
	}
	if err := Update(dir, func(*Config) error { t.Fatal("fn must not run on a corrupt config"); return nil }); !errors.As(err, &ce) {
		t.Fatalf("update: %v", err)
	}
}

func TestSyntaxErrorSaysWhere(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, FileName), []byte("{\n  \"profiles\": {,}\n}\n"), 0o600)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "line 2 column 16") {
		t.Fatalf("got %v", err)
	}
}

func TestWrongTypeIsNamedNotCalledInvalidJSON(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, FileName), []byte(`{"profiles":{"default":{"corp_id":42}}}`), 0o600)
	_, err := Load(dir)
	if err == nil || strings.Contains(err.Error(), "not valid JSON") ||
		!strings.Contains(err.Error(), `"profiles.corp_id" holds a JSON number where a string belongs`) {
		t.Fatalf("got %v", err)
	}
	os.WriteFile(filepath.Join(dir, FileName), []byte(`{"profiles":{"default":null}}`), 0o600)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), `profile "default" is null`) {
		t.Fatalf("a null profile must be refused, got %v", err)
	}
}

func TestEmptyFileIsAnEmptyConfig(t *testing.T) {
	dir := t.TempDir()
	for _, content := range []string{"", " \n\t"} {
		os.WriteFile(filepath.Join(dir, FileName), []byte(content), 0o600)
		c, err := Load(dir)
		if err != nil || len(c.Profiles) != 0 {
			t.Fatalf("%q: %v %v", content, c, err)
		}
	}
}

// Permission errors say what was being done and where to look, never the
// name of a temporary file.
func TestPermissionErrorsNameTheOperationAndTheFix(t *testing.T) {
	denied := &os.PathError{Op: "open", Path: "/cfg/.tmp-123456", Err: fs.ErrPermission}
	for op, want := range map[string]string{
		OpSave: "saving config /cfg/config.json: permission denied; check the permissions of /cfg or set WWCLI_CONFIG_DIR",
		OpRead: "reading config /cfg/config.json: permission denied; check the permissions of /cfg or set WWCLI_CONFIG_DIR",
	} {
		err := &Error{Path: "/cfg/config.json", Op: op, Err: denied}
		if err.Error() != want || strings.Contains(err.Error(), ".tmp-") || !errors.Is(err, fs.ErrPermission) {
			t.Errorf("%s: %q", op, err)
		}
	}
	// A real save that cannot create the directory is a *config.Error too.
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	c := &Config{Profiles: map[string]*Profile{}, path: filepath.Join(file, "sub", FileName)}
	var ce *Error
	if err := c.Save(); !errors.As(err, &ce) || ce.Op != OpSave || !strings.HasPrefix(err.Error(), "saving config ") {
		t.Fatalf("got %v", err)
	}
}

// Update holds a lock across read-modify-write: concurrent updates of
// different profiles all land.
func TestConcurrentUpdatesKeepEveryProfile(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- Update(dir, func(c *Config) error {
				c.Profiles[fmt.Sprintf("p%d", i)] = &Profile{CorpID: "ww1"}
				return nil
			})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err := Load(dir)
	if err != nil || len(c.Profiles) != n {
		t.Fatalf("want %d profiles, got %v %v", n, c.Names(), err)
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

// A config that cannot be read is "reading config" on an update too, even
// where the lock could not be taken either (an unreadable, unwritable dir).
func TestUpdateReportsAnUnreadableConfigAsReading(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, FileName), 0o700)         // cannot be read as a file
	os.Mkdir(filepath.Join(dir, FileName+".lock"), 0o700) // cannot be locked
	err := Update(dir, func(*Config) error { t.Fatal("fn must not run"); return nil })
	var ce *Error
	if !errors.As(err, &ce) || ce.Op != OpRead || !strings.HasPrefix(err.Error(), "reading config ") {
		t.Fatalf("got %v", err)
	}
}

// The suggested mv pastes into a shell even under "Application Support".
func TestMoveAsideCommandIsQuoted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Application Support")
	os.MkdirAll(dir, 0o700)
	path := filepath.Join(dir, FileName)
	os.WriteFile(path, []byte("{"), 0o600)
	_, err := Load(dir)
	if err == nil || !strings.HasSuffix(err.Error(), "mv '"+path+"' '"+path+".bak'") {
		t.Fatalf("got %v", err)
	}
}
