package credentials

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/secretinput"
)

// Environment variables that hold callback secrets.
const (
	EnvCallbackToken     = "WWCLI_CALLBACK_TOKEN"
	EnvCallbackAESKey    = "WWCLI_CALLBACK_AES_KEY"
	EnvCallbackReceiveID = "WWCLI_CALLBACK_RECEIVE_ID"
)

// ErrNoCallbackSecrets says no source had a callback Token and EncodingAESKey.
var ErrNoCallbackSecrets = errors.New("no callback Token / EncodingAESKey configured")

// CallbackSecrets resolves the callback Token, EncodingAESKey and receive
// id, highest first: the JSON file (when file is not ""), the
// WWCLI_CALLBACK_* variables, then the selected profile (stored by
// `wwcli auth login --callback`; its receive id is the profile's corp id).
// A source that is set but broken stops the search: a file the user
// pointed at must not silently fall back to something else.
func (s Sources) CallbackSecrets(ctx context.Context, file string) (*callback.Secrets, error) {
	sec, err := s.CallbackSecretsGiven(file)
	if !errors.Is(err, ErrNoCallbackSecrets) {
		return sec, err
	}
	return s.profileCallbackSecrets(ctx)
}

// CallbackSecretsGiven is CallbackSecrets without the profile: the secrets
// handed over for this run (what `auth login --callback` stores).
func (s Sources) CallbackSecretsGiven(file string) (*callback.Secrets, error) {
	if file != "" {
		return s.callbackSecretsFile(file)
	}
	tok, key := s.Getenv(EnvCallbackToken), s.Getenv(EnvCallbackAESKey)
	switch {
	case tok == "" && key == "":
		return nil, ErrNoCallbackSecrets
	case tok == "":
		return nil, fmt.Errorf("%s is set but %s is not; set both", EnvCallbackAESKey, EnvCallbackToken)
	case key == "":
		return nil, fmt.Errorf("%s is set but %s is not; set both", EnvCallbackToken, EnvCallbackAESKey)
	}
	return &callback.Secrets{Token: tok, EncodingAESKey: key, ReceiveID: s.Getenv(EnvCallbackReceiveID), Source: "environment"}, nil
}

// callbackSecretsFile reads {"token","encoding_aes_key","receive_id"}
// through the one strict secret reader (regular file, size cap, a warning
// when others can read it).
func (s Sources) callbackSecretsFile(path string) (*callback.Secrets, error) {
	data, err := secretinput.ReadFileBytes(path, func(msg string) { s.Warnf("%s", msg) })
	if err != nil {
		return nil, fmt.Errorf("--callback-secrets-file: %w", err)
	}
	var sec callback.Secrets
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sec); err != nil {
		return nil, fmt.Errorf("callback secrets file %s is not JSON {\"token\",\"encoding_aes_key\",\"receive_id\"}: %w", path, err)
	}
	if sec.Token == "" || sec.EncodingAESKey == "" {
		return nil, fmt.Errorf("callback secrets file %s needs both \"token\" and \"encoding_aes_key\"", path)
	}
	sec.Source = "file " + path
	return &sec, nil
}

func (s Sources) profileCallbackSecrets(ctx context.Context) (*callback.Secrets, error) {
	cfg, err := s.Config()
	if err != nil {
		return nil, err
	}
	name := s.Profile
	prof := cfg.Profiles[name]
	if prof == nil || !prof.Callback {
		return nil, ErrNoCallbackSecrets
	}
	store, err := s.Store(prof.SecretStorage)
	if err != nil {
		return nil, err
	}
	token, err := store.Get(ctx, config.CallbackTokenAccount(name))
	if err != nil {
		return nil, fmt.Errorf("reading the callback Token of profile %q: %w", name, err)
	}
	key, err := store.Get(ctx, config.CallbackKeyAccount(name))
	if err != nil {
		return nil, fmt.Errorf("reading the callback EncodingAESKey of profile %q: %w", name, err)
	}
	receiveID := prof.CorpID
	if prof.CallbackReceiveID != "" {
		receiveID = prof.CallbackReceiveID
	}
	return &callback.Secrets{Token: token, EncodingAESKey: key, ReceiveID: receiveID, Source: fmt.Sprintf("profile %q", name)}, nil
}
