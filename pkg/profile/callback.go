package profile

import (
	"bytes"
	"encoding/json"
	"fmt"

	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/secretinput"
)

// ReadCallbackSecretsFile reads a callback secrets file
// {"token","encoding_aes_key","receive_id"} under the same rules as every
// secret file (pkg/secretinput: a regular file, 64 KiB at most, a warning
// when other users can read it), and checks the Token and EncodingAESKey
// before anything is stored.
func ReadCallbackSecretsFile(path string, warn func(string)) (*cb.Secrets, error) {
	b, err := secretinput.ReadFileBytes(path, warn)
	if err != nil {
		return nil, err
	}
	var s cb.Secrets
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("callback secrets file %s is not JSON {\"token\",\"encoding_aes_key\",\"receive_id\"}: %v", path, err)
	}
	if s.Token == "" || s.EncodingAESKey == "" {
		return nil, fmt.Errorf("callback secrets file %s needs both \"token\" and \"encoding_aes_key\"", path)
	}
	s.Source = "file " + path
	return &s, nil
}

// CheckCallbackSecrets checks the shape of a Token and EncodingAESKey.
func CheckCallbackSecrets(s *cb.Secrets, corpID string) error {
	rid := s.ReceiveID
	if rid == "" {
		rid = corpID
	}
	if _, err := cb.New(s.Token, s.EncodingAESKey, rid); err != nil {
		return fmt.Errorf("callback secrets (%s): %v", s.Source, err)
	}
	return nil
}
