package callback

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
)

// Secrets is one callback configuration: Token and EncodingAESKey are
// secret; ReceiveID (corp id, suite id, or empty) is not.
type Secrets struct {
	Token          string `json:"token"`
	EncodingAESKey string `json:"encoding_aes_key"`
	ReceiveID      string `json:"receive_id"`
	Source         string `json:"-"` // where they came from, for messages
}

// SecretSource is one place secrets may come from. Lookup returns nil, nil
// when the source has nothing, so the next one is tried.
type SecretSource interface {
	Name() string
	Lookup() (*Secrets, error)
}

// ErrNoSecrets is returned when no source had secrets.
var ErrNoSecrets = errors.New("no callback Token / EncodingAESKey configured")

// ResolveSecrets asks each source in order and returns the first hit. An
// error from a source stops the search: a broken file the user pointed at
// must not silently fall back to something else.
func ResolveSecrets(sources []SecretSource) (*Secrets, error) {
	for _, s := range sources {
		sec, err := s.Lookup()
		if err != nil {
			return nil, err
		}
		if sec != nil {
			sec.Source = s.Name()
			return sec, nil
		}
	}
	return nil, ErrNoSecrets
}

// FileSource reads a JSON file {"token","encoding_aes_key","receive_id"}.
// It refuses a file that group or others may read or write.
type FileSource struct{ Path string }

// Name implements SecretSource.
func (f FileSource) Name() string { return "file " + f.Path }

// maxSecretsFile bounds how much of a secrets file is read.
const maxSecretsFile = 64 << 10

// Lookup implements SecretSource.
func (f FileSource) Lookup() (*Secrets, error) {
	if f.Path == "" {
		return nil, nil
	}
	file, err := os.Open(f.Path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the callback secrets file: %w", err)
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read the callback secrets file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("callback secrets file %s is not a regular file", f.Path)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("callback secrets file %s is accessible by group or others (mode %04o); run: chmod 600 %s", f.Path, st.Mode().Perm(), f.Path)
	}
	data, err := io.ReadAll(io.LimitReader(file, maxSecretsFile+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the callback secrets file: %w", err)
	}
	if len(data) > maxSecretsFile {
		return nil, fmt.Errorf("callback secrets file %s is larger than 64 KiB; expected a small JSON object", f.Path)
	}
	var s Secrets
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("callback secrets file %s is not JSON {\"token\",\"encoding_aes_key\",\"receive_id\"}: %v", f.Path, err)
	}
	if s.Token == "" || s.EncodingAESKey == "" {
		return nil, fmt.Errorf("callback secrets file %s needs both \"token\" and \"encoding_aes_key\"", f.Path)
	}
	return &s, nil
}

// Environment variable names of EnvSource.
const (
	EnvToken     = "WWCLI_CALLBACK_TOKEN"
	EnvAESKey    = "WWCLI_CALLBACK_AES_KEY"
	EnvReceiveID = "WWCLI_CALLBACK_RECEIVE_ID"
)

// EnvSource reads WWCLI_CALLBACK_TOKEN, WWCLI_CALLBACK_AES_KEY and the
// optional WWCLI_CALLBACK_RECEIVE_ID through Getenv.
type EnvSource struct{ Getenv func(string) string }

// Name implements SecretSource.
func (EnvSource) Name() string { return "environment" }

// Lookup implements SecretSource. One of the pair without the other is an
// error rather than a silent fall-through.
func (e EnvSource) Lookup() (*Secrets, error) {
	tok, key := e.Getenv(EnvToken), e.Getenv(EnvAESKey)
	switch {
	case tok == "" && key == "":
		return nil, nil
	case tok == "":
		return nil, fmt.Errorf("%s is set but %s is not; set both", EnvAESKey, EnvToken)
	case key == "":
		return nil, fmt.Errorf("%s is set but %s is not; set both", EnvToken, EnvAESKey)
	}
	return &Secrets{Token: tok, EncodingAESKey: key, ReceiveID: e.Getenv(EnvReceiveID)}, nil
}
