package profile

import (
	"context"
	"errors"
	"fmt"

	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/tokencache"
)

// NotFoundError: there is no profile of that name.
type NotFoundError struct{ Name string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no profile %q (see 'wwcli auth list')", e.Name)
}

// ExitCode: a missing profile is missing credentials (4).
func (e *NotFoundError) ExitCode() int { return 4 }

// KeptError: logout kept the profile because its secret store could not
// be reached; nothing was changed.
type KeptError struct {
	Name string
	Err  error
}

func (e *KeptError) Unwrap() error { return e.Err }

// ExitCode: an unreachable keyring is a credentials problem (4).
func (e *KeptError) ExitCode() int { return 4 }

func (e *KeptError) Error() string {
	return fmt.Sprintf(`profile %q kept: could not remove its secret: %v
Fixes:
  - run it where the keyring answers (headless Linux: inside 'dbus-run-session'
    with an unlocked gnome-keyring)
  - or remove the profile anyway, leaving its keyring entry behind:
    wwcli auth logout --profile %s --force`, e.Name, reason(e.Err), e.Name)
}

// LogoutResult is what a logout removed, for the caller to show.
type LogoutResult struct {
	Profile        config.Profile
	SecretLocation string
	Purged         int
	// CacheUnmatched: the secret could not be read, so its cached tokens
	// could not be told from other apps' and were left to expire.
	CacheUnmatched bool
	Warnings       []string
}

// Logout removes profile name: the config entry first (under the config
// lock), then its secrets, then its cached tokens, matched by the cache's
// whole key so no other app's or the sandbox's tokens are touched. When
// the secret store cannot be reached the profile is kept (*KeptError) —
// unless force, which removes it anyway and warns that the secret may
// remain. A config that cannot be saved changes nothing.
func Logout(ctx context.Context, env Env, name string, force bool) (*LogoutResult, error) {
	res := &LogoutResult{}
	var store credstore.Store
	var secret string
	var thirdParty []thirdPartySecret // suite / provider secrets, to match their cached tokens
	reachable := false
	err := config.Update(env.ConfigDir, func(cfg *config.Config) error {
		p := cfg.Profiles[name]
		if p == nil {
			return &NotFoundError{Name: name}
		}
		res.Profile = *p
		s, err := env.Store(p.SecretStorage)
		if err == nil {
			store = s
			res.SecretLocation = s.Location()
			secret, err = s.Get(ctx, config.SecretAccount(name))
			if errors.Is(err, credstore.ErrNotFound) {
				err = nil
			}
			if err == nil {
				thirdParty = readThirdParty(ctx, s, name, p)
			}
		}
		if err != nil && !force {
			return &KeptError{Name: name, Err: err}
		}
		reachable = err == nil
		if err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf(
				"the secrets of profile %q may remain in %s (account %q): %v", name, location(store), name, reason(err)))
		}
		delete(cfg.Profiles, name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if reachable {
		for _, account := range append(accounts(name), thirdPartyAccounts(name)...) {
			if err := store.Delete(ctx, account); err != nil && !errors.Is(err, credstore.ErrNotFound) {
				res.Warnings = append(res.Warnings, fmt.Sprintf(
					"%q may remain in %s: %v", account, store.Location(), reason(err)))
			}
		}
	}
	res.Purged += purgeThirdParty(env, res.Profile, thirdParty)
	switch {
	case env.Cache == nil:
	case secret == "" && len(thirdParty) > 0: // a suite or provider profile
	case secret == "":
		res.CacheUnmatched = true
	default:
		if base := env.baseURL(res.Profile.BaseURL); base != "" {
			n, err := env.Cache.Purge(tokencache.MatchSecret(base, res.Profile.CorpID, secret, ""))
			res.Purged += n
			if err != nil {
				res.Warnings = append(res.Warnings, fmt.Sprintf("cached tokens could not all be removed (%v); they expire within 2 hours", err))
			}
		}
	}
	return res, nil
}

func location(s credstore.Store) string {
	if s == nil {
		return "its secret store"
	}
	return s.Location()
}
