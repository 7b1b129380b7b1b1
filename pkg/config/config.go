// Package config reads and writes wwcli's profiles. The config file holds
// identifiers only (corp id, agent id, base URL, where the secret lives);
// secrets live in pkg/credstore.
package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/wwcli/wwcli/pkg/atomicfile"
	"github.com/wwcli/wwcli/pkg/safedir"
	"github.com/wwcli/wwcli/pkg/shellquote"
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
	// CallbackReceiveID is the receive id the callback secrets were given
	// with (a suite id, or another corp's); empty means the corp id.
	CallbackReceiveID string `json:"callback_receive_id,omitempty"`
	// SuiteID is set when the profile holds a suite's secret (a third-party
	// app, ww…, or a 代开发 template, dk…) under SuiteSecretAccount.
	SuiteID string `json:"suite_id,omitempty"`
	// Provider is true when the provider secret of corp CorpID (the
	// service provider's own corp) is stored under ProviderSecretAccount.
	Provider bool `json:"provider,omitempty"`
}

// Config is the whole config file.
type Config struct {
	Profiles map[string]*Profile `json:"profiles"`
	Robots   map[string]*Robot   `json:"robots,omitempty"` // robots.go
	path     string
}

// What was being done when a config error happened.
const (
	OpRead  = "reading"
	OpParse = "parsing"
	OpSave  = "saving"
)

// Error is a config file that cannot be read, parsed or written. Every
// command reports it the same way (and cmdutil maps it to one exit code),
// naming the file and the fix.
type Error struct {
	Path string
	Op   string // OpRead, OpParse or OpSave
	Err  error
	data []byte // the file, to turn a JSON offset into a line
}

func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Error() string {
	dir := filepath.Dir(e.Path)
	if e.Op == OpParse {
		aside := fmt.Sprintf("fix it, or move it aside and log in again: %s", shellquote.Join("mv", e.Path, e.Path+".bak"))
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(e.Err, &se) && se.Offset >= int64(len(bytes.TrimRight(e.data, " \t\r\n"))):
			return fmt.Sprintf("config file %s is not valid JSON (%v: it ends too early); %s", e.Path, se, aside)
		case errors.As(e.Err, &se):
			line, col := position(e.data, se.Offset)
			return fmt.Sprintf("config file %s is not valid JSON (%v, line %d column %d); %s", e.Path, se, line, col, aside)
		case errors.As(e.Err, &te):
			return fmt.Sprintf("config file %s is not a wwcli config (%q holds a JSON %s where a %s belongs); %s",
				e.Path, te.Field, te.Value, jsonKind(te.Type.Kind().String()), aside)
		}
		return fmt.Sprintf("config file %s is not a wwcli config (%v); %s", e.Path, e.Err, aside)
	}
	cause := e.Err
	var pe *os.PathError
	if errors.As(cause, &pe) {
		cause = pe.Err // the path is already in the message (and a temp file's name helps nobody)
	}
	if errors.Is(cause, os.ErrPermission) {
		return fmt.Sprintf("%s config %s: permission denied; check the permissions of %s or set WWCLI_CONFIG_DIR", e.Op, e.Path, dir)
	}
	return fmt.Sprintf("%s config %s: %v", e.Op, e.Path, cause)
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return line, col
}

// jsonKind names a Go kind the way a JSON user would.
func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "map", "struct":
		return "object"
	case "slice", "array":
		return "array"
	}
	return "number"
}

// Dir is WWCLI_CONFIG_DIR, else the user config dir + /wwcli.
func Dir(getenv func(string) string) (string, error) {
	if d := getenv("WWCLI_CONFIG_DIR"); d != "" {
		return d, nil
	}
	base, err := userDir(getenv, false)
	if err != nil {
		return "", fmt.Errorf("cannot find a config directory (%w); set WWCLI_CONFIG_DIR", err)
	}
	return filepath.Join(base, "wwcli"), nil
}

// FileName is the config file's name inside Dir.
const FileName = "config.json"

// Load reads dir/config.json. A missing or empty file is an empty config.
// A file that cannot be read or parsed is an *Error: we never overwrite
// what a user stored.
func Load(dir string) (*Config, error) {
	c := &Config{Profiles: map[string]*Profile{}, path: filepath.Join(dir, FileName)}
	// Another user who can write here could set their own base_url.
	if err := safedir.Dir(dir); err != nil {
		return nil, err
	}
	if err := safedir.File(c.path); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(c.path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, &Error{Path: c.path, Op: OpRead, Err: err}
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return c, nil
	}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, &Error{Path: c.path, Op: OpParse, Err: err, data: b}
	}
	if c.Profiles == nil {
		c.Profiles = map[string]*Profile{}
	}
	for name, p := range c.Profiles {
		if p == nil {
			return nil, &Error{Path: c.path, Op: OpParse, Err: fmt.Errorf("profile %q is null", name)}
		}
	}
	return c, nil
}

// Update is a locked read-modify-write of dir/config.json: it loads the
// config, lets fn change it and saves it, while holding a file lock, so two
// processes (two logins for different profiles) never lose each other's
// change. fn returning an error saves nothing.
func Update(dir string, fn func(*Config) error) error {
	// A file that cannot be read is reported as such, before the lock
	// (which needs a writable directory) could report it as "saving".
	if _, err := Load(dir); err != nil {
		return err
	}
	path := filepath.Join(dir, FileName)
	unlock, err := lockFile(path)
	if err != nil {
		return &Error{Path: path, Op: OpSave, Err: err}
	}
	defer unlock()
	c, err := Load(dir)
	if err != nil {
		return err
	}
	if err := fn(c); err != nil {
		return err
	}
	return c.Save()
}

// lockTimeout bounds the wait for another wwcli process's config update.
const lockTimeout = 10 * time.Second

// lockFile takes an exclusive lock beside path (path + ".lock").
func lockFile(path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	fl := safedir.NewLock(path + ".lock")
	ctx, cancel := context.WithTimeout(context.Background(), lockTimeout)
	defer cancel()
	ok, err := fl.TryLockContext(ctx, 10*time.Millisecond)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("lock file %s.lock: %w", path, err)
	}
	if !ok {
		return nil, fmt.Errorf("another wwcli process has held %s.lock for %s", path, lockTimeout)
	}
	return func() { _ = fl.Unlock() }, nil
}

// Path is where the config lives.
func (c *Config) Path() string { return c.path }

// Save writes the config atomically with mode 0600. Prefer Update, which
// also locks the file against concurrent writers.
func (c *Config) Save() error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(c.path, append(b, '\n')); err != nil {
		return &Error{Path: c.path, Op: OpSave, Err: err}
	}
	return nil
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

// SuiteSecretAccount holds the suite secret of a profile with a SuiteID
// (a third-party app or a 代开发 template).
func SuiteSecretAccount(profile string) string { return profile + "/suite-secret" }

// ProviderSecretAccount holds the provider secret (服务商 provider_secret)
// of a profile with Provider set.
func ProviderSecretAccount(profile string) string { return profile + "/provider-secret" }

// PermanentCodeAccount holds the permanent code an authorized corp gave a
// suite (`wwcli suite permanent-code`): one per suite and corp.
func PermanentCodeAccount(suiteID, corpID string) string {
	return "permanent-code/" + suiteID + "/" + corpID
}
