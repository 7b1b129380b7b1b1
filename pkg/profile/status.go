package profile

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/tokencache"
)

// States of a stored secret.
const (
	StateStored      = "stored"
	StateMissing     = "missing"
	StateUnavailable = "unavailable"
)

// Status is one profile as `auth status` shows it. It never holds a
// secret or a token.
type Status struct {
	Profile        string          `json:"profile"`
	Active         bool            `json:"active"`
	CorpID         string          `json:"corp_id"`
	AgentID        string          `json:"agent_id,omitempty"`
	BaseURL        string          `json:"base_url,omitempty"`
	SecretStorage  string          `json:"secret_storage"`
	SecretLocation string          `json:"secret_location"`
	SecretState    string          `json:"secret_state"` // stored | missing | unavailable
	SecretProblem  string          `json:"secret_problem,omitempty"`
	Callback       *CallbackStatus `json:"callback,omitempty"`
	Suite          *SecretStatus   `json:"suite,omitempty"`    // auth login --suite
	Provider       *SecretStatus   `json:"provider,omitempty"` // auth login --provider
	CachedTokens   []CachedToken   `json:"cached"`
}

// CallbackStatus says whether the callback Token and EncodingAESKey that
// `auth login --callback` stored are there.
type CallbackStatus struct {
	State     string `json:"state"` // stored | missing | unavailable
	ReceiveID string `json:"receive_id"`
}

// CachedToken is a cached token or ticket of the profile's app (never its value).
type CachedToken struct {
	Kind      string `json:"kind"`
	AgentID   string `json:"agent_id,omitempty"`
	ExpiresAt string `json:"expires_at"`
	Expired   bool   `json:"expired"`
}

// Describe reports profile name: whether its secrets can be read now, and
// the cached tokens of exactly its app (base URL, corp, secret, agent).
func Describe(ctx context.Context, env Env, name string, p *config.Profile, now time.Time) Status {
	st := Status{Profile: name, CorpID: p.CorpID, AgentID: p.AgentID, BaseURL: p.BaseURL,
		SecretStorage: p.SecretStorage, CachedTokens: []CachedToken{}}
	store, err := env.Store(p.SecretStorage)
	if err != nil {
		st.SecretState, st.SecretProblem = StateUnavailable, err.Error()
		return st
	}
	st.SecretLocation = store.Location()
	secret, err := store.Get(ctx, config.SecretAccount(name))
	st.SecretState, st.SecretProblem = state(err)
	if p.Callback {
		st.Callback = &CallbackStatus{ReceiveID: p.CallbackReceiveID}
		if st.Callback.ReceiveID == "" {
			st.Callback.ReceiveID = p.CorpID
		}
		_, err := store.Get(ctx, config.CallbackTokenAccount(name))
		if err == nil {
			_, err = store.Get(ctx, config.CallbackKeyAccount(name))
		}
		st.Callback.State, _ = state(err)
	}
	describeThirdParty(ctx, env, store, name, p, &st, now)
	base := env.baseURL(p.BaseURL)
	if secret == "" || base == "" || env.Cache == nil {
		return st
	}
	entries, _ := env.Cache.Find(tokencache.MatchSecret(base, p.CorpID, secret, p.AgentID)) // unreadable cache: nothing cached
	for _, e := range entries {
		st.CachedTokens = append(st.CachedTokens, CachedToken{Kind: e.Kind, AgentID: e.AgentID,
			ExpiresAt: e.ExpiresAt.UTC().Format(time.RFC3339), Expired: !now.Before(e.ExpiresAt)})
	}
	return st
}

// Unreadable is the error for the first profile whose secrets could not
// be read (keyring locked, hung or off; file unreadable), so `auth status`
// exits 4 rather than report a success it could not check; nil otherwise.
func Unreadable(sts []Status) error {
	for _, st := range sts {
		problem := st.SecretProblem
		if st.SecretState != StateUnavailable {
			if st.Callback == nil || st.Callback.State != StateUnavailable {
				continue
			}
			problem = "the callback secrets could not be read"
		}
		return fmt.Errorf("profile %q: %w", st.Profile, &credstore.UnavailableError{Reason: problem})
	}
	return nil
}

// state names a store's answer; unavailable is not "logged out", so it
// comes with what is wrong with the store.
func state(err error) (state, problem string) {
	var u *credstore.UnavailableError
	switch {
	case err == nil:
		return StateStored, ""
	case errors.Is(err, credstore.ErrNotFound):
		return StateMissing, ""
	case errors.As(err, &u):
		return StateUnavailable, u.Reason
	}
	return StateUnavailable, err.Error()
}
