// Package config reads and writes wwcli's profiles. The config file holds
// identifiers only (corp id, agent id, base URL, where the secret lives);
// secrets live in pkg/credstore.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/wwcli/wwcli/pkg/atomicfile"
)

// DefaultProfile is used when neither --profile nor WWCLI_PROFILE is set.
const DefaultProfile = "default"

// Where a profile's secret is stored.
const (
	StorageKeyring = "keyring"
	StorageFile    = "file"
)

// Profile is one named set of WeCom app identifiers.
type Profile struct {
	CorpID        string `json:"corp_id"`
	AgentID       string `json:"agent_id,omitempty"`
	BaseURL       string `json:"base_url,omitempty"`
	SecretStorage string `json:"secret_storage"`
	// Callback is true when a callback Token and EncodingAESKey are stored.
	Callback bool `json:"callback,omitempty"`
}

// Config is the whole config file.
type Config struct {
	Profiles map[string]*Profile `json:"profiles"`
	Robots   map[string]*Robot   `json:"robots,omitempty"` // robots.go
	path     string
}

// Dir is WWCLI_CONFIG_DIR, else the user config dir + /wwcli.
func Dir(getenv func(string) string) (string, error) {
	if d := getenv("WWCLI_CONFIG_DIR"); d != "" {
		return d, nil
	}
	base, err := userDir(getenv, false)
	if err != nil {
		return "", fmt.Errorf("cannot find a config directory (%v); set WWCLI_CONFIG_DIR", err)
	}
	return filepath.Join(base, "wwcli"), nil
}

// FileName is the config file's name inside Dir.
const FileName = "config.json"

// Load reads dir/config.json; a missing file is an empty config. A file
// that cannot be parsed is an error: we never overwrite what a user stored.
func Load(dir string) (*Config, error) {
	c := &Config{Profiles: map[string]*Profile{}, path: filepath.Join(dir, FileName)}
	b, err := os.ReadFile(c.path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading config: %v", err)
	}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("config file %s is not valid JSON (%v); fix it or move it aside", c.path, err)
	}
	if c.Profiles == nil {
		c.Profiles = map[string]*Profile{}
	}
	return c, nil
}

// Path is where the config lives.
func (c *Config) Path() string { return c.path }

// Save writes the config atomically with mode 0600.
func (c *Config) Save() error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(c.path, append(b, '\n'))
}

// Names returns the profile names, sorted.
func (c *Config) Names() []string {
	names := make([]string, 0, len(c.Profiles))
	for n := range c.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ValidProfileName checks a profile name (it becomes a keyring account):
// 1-64 of [A-Za-z0-9._-], starting with a letter or digit. Plain loops, not
// a regexp: compiling one at start-up would slow every wwcli command.
func ValidProfileName(name string) error {
	ok := len(name) >= 1 && len(name) <= 64 && isAlnum(name[0])
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = isAlnum(c) || c == '.' || c == '_' || c == '-'
	}
	if !ok {
		return fmt.Errorf("invalid profile name %q: use 1-64 letters, digits, '.', '_' or '-'", name)
	}
	return nil
}

// corpIDPattern: WeCom corp ids are "ww" or "wx" followed by 16 hex digits
// in practice; we only warn on other shapes, never refuse.
// LooksLikeCorpID reports whether id has the usual corp id shape.
func LooksLikeCorpID(id string) bool {
	if len(id) != 18 || id[0] != 'w' || (id[1] != 'w' && id[1] != 'x') {
		return false
	}
	for i := 2; i < len(id); i++ {
		if c := id[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// SecretAccount is the credstore account of a profile's app secret.
func SecretAccount(profile string) string { return profile }

// CallbackTokenAccount and CallbackKeyAccount hold the callback secrets.
func CallbackTokenAccount(profile string) string { return profile + "/callback-token" }
func CallbackKeyAccount(profile string) string   { return profile + "/callback-aes-key" }
