// Package credstore keeps secrets: the OS keyring (the only importer of
// go-keyring), an explicit opt-in 0600 file, and an in-memory store for
// tests. Every keyring call is bounded by a timeout, and "the keyring is
// unavailable" is always a different answer from "no secret stored".
package credstore

import (
	"context"
	"errors"
	"fmt"
)

// Service is the keyring service name every wwcli secret is filed under.
const Service = "wwcli"

// ErrNotFound means the store works but holds no secret for the account.
var ErrNotFound = errors.New("no secret stored")

// Store holds secrets by account name (e.g. "default" or "default/callback-token").
type Store interface {
	Get(ctx context.Context, account string) (string, error)
	Set(ctx context.Context, account, secret string) error
	Delete(ctx context.Context, account string) error
	// Kind is "keyring", "file" or "memory"; Location says where, for humans.
	Kind() string
	Location() string
}

// UnavailableError means the store cannot be used at all right now.
type UnavailableError struct {
	Reason string
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf(`OS keyring unavailable: %s
Fixes:
  - CI and scripts: set WWCLI_CORP_ID and WWCLI_SECRET (and WWCLI_AGENT_ID) instead of a stored profile
  - headless Linux: run inside 'dbus-run-session' with an unlocked gnome-keyring
    (echo PASSWORD | gnome-keyring-daemon --unlock --components=secrets)
  - or store the secret in a 0600 file on purpose: wwcli auth login --insecure-storage`, e.Reason)
}

// ExitCode: credentials problems exit 4.
func (e *UnavailableError) ExitCode() int { return 4 }

// IsUnavailable reports whether err means the store cannot be reached.
func IsUnavailable(err error) bool {
	var u *UnavailableError
	return errors.As(err, &u)
}

// Probe checks that s can be used now, cheaply and without storing
// anything: a keyring that is off, has no session bus, or does not answer
// gives its *UnavailableError; a secrets file that cannot be read gives
// its error. Call it before asking a person for a secret, so nobody types
// one that then cannot be stored.
func Probe(ctx context.Context, s Store) error {
	if p, ok := s.(interface{ Probe(context.Context) error }); ok {
		return p.Probe(ctx)
	}
	return nil
}

// Interactive returns s as it should be used while a person is at the
// terminal: a store that knows an interactive mode (the OS keyring, with
// the longer InteractiveKeyringTimeout unless WWCLI_KEYRING_TIMEOUT chose
// one) returns it; any other store is returned as it is.
func Interactive(s Store) Store {
	if i, ok := s.(interface{ Interactive() Store }); ok {
		return i.Interactive()
	}
	return s
}
