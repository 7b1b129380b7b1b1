// Package profile is the logic behind `wwcli auth`: storing a login (the
// app secret, the callback secrets and the config entry, as one step),
// removing it, and describing it. It knows nothing about cobra or the
// terminal, so every branch is testable with a memory store.
package profile

import (
	"context"
	"errors"
	"fmt"

	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/tokencache"
)

// Env is what the flows need from the outside world.
type Env struct {
	ConfigDir string
	// Store returns the secret store of a storage kind
	// (config.StorageKeyring or config.StorageFile).
	Store func(storage string) (credstore.Store, error)
	// Cache is the shared token cache; nil when there is none.
	Cache tokencache.Store
	// BaseURL is the API base URL commands use for a profile whose stored
	// base URL is stored; it is part of the cache key. "" means no cached
	// token can belong to the profile (the in-process sandbox never caches).
	BaseURL func(stored string) string
}

func (e Env) baseURL(stored string) string {
	if e.BaseURL == nil {
		return stored
	}
	return e.BaseURL(stored)
}

// Request is one `auth login`. Pointer fields and an empty CorpID mean "not
// given": the stored value is kept (for the same corp).
type Request struct {
	Name     string
	CorpID   string
	AgentID  *string
	BaseURL  *string
	Secret   string
	Storage  string      // config.StorageKeyring or config.StorageFile
	Callback *cb.Secrets // nil keeps the stored callback secrets
}

// Field names, as Merge reports what it kept or dropped.
const (
	FieldCorpID   = "corp id"
	FieldAgentID  = "agent id"
	FieldBaseURL  = "base URL"
	FieldCallback = "callback secrets"
)

// Merge is the profile a login stores: what req gives, and for what it
// leaves out, the previous profile's value. Values of another corp are not
// carried over (an agent id or callback secrets belong to one corp's app);
// dropped lists those, so the caller can say so.
func Merge(prev *config.Profile, req Request) (p config.Profile, kept, dropped []string) {
	p.CorpID = req.CorpID
	if p.CorpID == "" && prev != nil {
		p.CorpID = prev.CorpID
		kept = append(kept, FieldCorpID)
	}
	p.SecretStorage = req.Storage
	same := prev != nil && prev.CorpID == p.CorpID
	carry := func(field string, given *string, old string) string {
		switch {
		case given != nil:
			return *given
		case old == "":
			return ""
		case same:
			kept = append(kept, field)
			return old
		}
		dropped = append(dropped, field)
		return ""
	}
	var oldAgent, oldBase string
	if prev != nil {
		oldAgent, oldBase = prev.AgentID, prev.BaseURL
	}
	p.AgentID = carry(FieldAgentID, req.AgentID, oldAgent)
	p.BaseURL = carry(FieldBaseURL, req.BaseURL, oldBase)
	switch {
	case req.Callback != nil:
		p.Callback = true
		if rid := req.Callback.ReceiveID; rid != p.CorpID {
			p.CallbackReceiveID = rid
		}
	case prev != nil && prev.Callback && same:
		p.Callback, p.CallbackReceiveID = true, prev.CallbackReceiveID
		kept = append(kept, FieldCallback)
	case prev != nil && prev.Callback:
		dropped = append(dropped, FieldCallback)
	}
	return p, kept, dropped
}

// Result is what a login stored, for the caller to show.
type Result struct {
	Profile        config.Profile
	Kept, Dropped  []string // see Merge
	PreviousCorpID string   // the corp the dropped values belonged to
	SecretLocation string
	MovedFrom      string // the previous store's location, when the storage changed
	Purged         int    // cached tokens of the replaced secret, removed
	Warnings       []string
}

// accounts of a profile in its secret store.
func accounts(name string) []string {
	return []string{config.SecretAccount(name), config.CallbackTokenAccount(name), config.CallbackKeyAccount(name)}
}

// Login stores req under a lock on the config file: the secret (and the
// callback secrets) in the chosen store, then the profile. When the storage
// changed, the callback secrets are carried to the new store and the old
// copies removed once the new ones are saved; the replaced secret's cached
// tokens (matched by the cache's whole key) are dropped. Failures after
// the profile is saved are warnings: the login itself succeeded.
func Login(ctx context.Context, env Env, req Request) (*Result, error) {
	store, err := env.Store(req.Storage)
	if err != nil {
		return nil, err
	}
	res := &Result{SecretLocation: store.Location()}
	var prev *config.Profile
	var oldStore credstore.Store
	var oldSecret string
	callbackCarried := true
	err = config.Update(env.ConfigDir, func(cfg *config.Config) error {
		prev = cfg.Profiles[req.Name]
		p, kept, dropped := Merge(prev, req)
		if prev != nil {
			// Best effort: the old store may be the one that is unreachable.
			if s, err := env.Store(prev.SecretStorage); err == nil {
				oldStore = s
				oldSecret, _ = s.Get(ctx, config.SecretAccount(req.Name))
			}
		}
		if err := store.Set(ctx, config.SecretAccount(req.Name), req.Secret); err != nil {
			return fmt.Errorf("storing the secret in %s: %w", store.Location(), err)
		}
		switch {
		case req.Callback != nil:
			if err := setCallback(ctx, store, req.Name, req.Callback.Token, req.Callback.EncodingAESKey); err != nil {
				return err
			}
		case p.Callback && moved(oldStore, store):
			if err := copyCallback(ctx, oldStore, store, req.Name); err != nil {
				// They stay where they are, untouched, and the user is told.
				callbackCarried = false
				p.Callback, p.CallbackReceiveID = false, ""
				kept = remove(kept, FieldCallback)
				res.Warnings = append(res.Warnings, fmt.Sprintf(
					"the callback secrets stay in %s (%v); run 'wwcli auth login --profile %s --callback' to store them again",
					oldStore.Location(), err, req.Name))
			}
		}
		cfg.Profiles[req.Name] = &p
		res.Profile, res.Kept, res.Dropped = p, kept, dropped
		if len(dropped) > 0 {
			res.PreviousCorpID = prev.CorpID
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if prev != nil && moved(oldStore, store) {
		res.MovedFrom = oldStore.Location()
		for _, account := range accounts(req.Name) {
			if account != config.SecretAccount(req.Name) && !callbackCarried {
				continue
			}
			if err := oldStore.Delete(ctx, account); err != nil && !errors.Is(err, credstore.ErrNotFound) {
				res.Warnings = append(res.Warnings, fmt.Sprintf(
					"the old copy of %q in %s could not be removed (%v); remove it by hand", account, oldStore.Location(), reason(err)))
			}
		}
	}
	if prev != nil && oldSecret != "" && env.Cache != nil {
		old := tokencache.MatchSecret(env.baseURL(prev.BaseURL), prev.CorpID, oldSecret, "")
		now := tokencache.MatchSecret(env.baseURL(res.Profile.BaseURL), res.Profile.CorpID, req.Secret, "")
		if old != now && old.BaseURL != "" {
			n, err := env.Cache.Purge(old)
			res.Purged = n
			if err != nil {
				res.Warnings = append(res.Warnings, fmt.Sprintf("cached tokens of the old secret could not all be removed (%v); they expire within 2 hours", err))
			}
		}
	}
	return res, nil
}

// moved reports whether the secret changes stores (keyring ↔ file).
func moved(from, to credstore.Store) bool {
	return from != nil && from.Location() != to.Location()
}

func setCallback(ctx context.Context, store credstore.Store, name, token, key string) error {
	if err := store.Set(ctx, config.CallbackTokenAccount(name), token); err != nil {
		return fmt.Errorf("storing the callback Token in %s: %w", store.Location(), err)
	}
	if err := store.Set(ctx, config.CallbackKeyAccount(name), key); err != nil {
		return fmt.Errorf("storing the callback EncodingAESKey in %s: %w", store.Location(), err)
	}
	return nil
}

func copyCallback(ctx context.Context, from, to credstore.Store, name string) error {
	token, err := from.Get(ctx, config.CallbackTokenAccount(name))
	if err != nil {
		return reason(err)
	}
	key, err := from.Get(ctx, config.CallbackKeyAccount(name))
	if err != nil {
		return reason(err)
	}
	return setCallback(ctx, to, name, token, key)
}

// reason is the short cause of a store error: an unavailable keyring's
// reason without the login fixes, which do not fit every message.
func reason(err error) error {
	var u *credstore.UnavailableError
	if errors.As(err, &u) {
		return errors.New("OS keyring unavailable: " + u.Reason)
	}
	return err
}

func remove(list []string, s string) []string {
	out := list[:0]
	for _, v := range list {
		if v != s {
			out = append(out, v)
		}
	}
	return out
}
