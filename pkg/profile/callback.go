package profile

import (
	"fmt"

	cb "github.com/wwcli/wwcli/pkg/callback"
)

// CheckCallbackSecrets checks the shape of a Token and EncodingAESKey
// before anything is stored.
func CheckCallbackSecrets(s *cb.Secrets, corpID string) error {
	rid := s.ReceiveID
	if rid == "" {
		rid = corpID
	}
	if _, err := cb.New(s.Token, s.EncodingAESKey, rid); err != nil {
		return fmt.Errorf("callback secrets (%s): %w", s.Source, err)
	}
	return nil
}
