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

// Kinds of third-party secret a profile can hold besides the app secret.
const (
	KindSuite    = "suite"    // a suite secret (third-party app or 代开发 template)
	KindProvider = "provider" // the provider secret of the provider's corp
)

// SecretRequest is one `auth login --suite ID` or `auth login --provider`:
// it adds (or replaces) that secret in the profile and keeps the rest.
type SecretRequest struct {
	Name    string
	Kind    string // KindSuite or KindProvider
	SuiteID string // KindSuite
	CorpID  string // KindProvider: the provider's corp id ("" keeps the profile's)
	BaseURL *string
	Secret  string
	Storage string
}

// SecretResult is what such a login stored.
type SecretResult struct {
	Profile        config.Profile
	SecretLocation string
	// Replaced is the suite id whose secret this login replaced, when the
	// profile held another suite.
	Replaced string
}

// thirdPartyAccounts are the accounts of a profile's third-party secrets.
func thirdPartyAccounts(name string) []string {
	return []string{config.SuiteSecretAccount(name), config.ProviderSecretAccount(name)}
}

// CheckSecretRequest validates req against the profile it would change,
// before anyone is asked for a secret. prev may be nil.
func CheckSecretRequest(prev *config.Profile, req SecretRequest) error {
	if prev != nil && prev.SecretStorage != "" && prev.SecretStorage != req.Storage {
		return fmt.Errorf("profile %q keeps its secrets in the %s store; log in with the same storage (%s), or use another --profile",
			req.Name, prev.SecretStorage, map[string]string{config.StorageFile: "add --insecure-storage", config.StorageKeyring: "drop --insecure-storage"}[prev.SecretStorage])
	}
	switch req.Kind {
	case KindSuite:
		if req.SuiteID == "" {
			return errors.New("--suite needs the suite id (服务商管理后台 → 应用管理 → the app → SuiteID)")
		}
	case KindProvider:
		corp := req.CorpID
		if corp == "" && prev != nil {
			corp = prev.CorpID
		}
		if corp == "" {
			return errors.New("--provider needs the provider's corp id: add --corp-id ww... (服务商管理后台 → 服务商信息)")
		}
		if prev != nil && prev.CorpID != "" && prev.CorpID != corp {
			return fmt.Errorf("profile %q is for corp %s, not %s: store the provider secret in another profile (--profile NAME)", req.Name, prev.CorpID, corp)
		}
	default:
		return fmt.Errorf("unknown secret kind %q", req.Kind)
	}
	return nil
}

// LoginSecret stores req's secret and records it in the profile, under
// the config lock. The profile's app secret, callback secrets and other
// third-party secret are left as they are.
func LoginSecret(ctx context.Context, env Env, req SecretRequest) (*SecretResult, error) {
	store, err := env.Store(req.Storage)
	if err != nil {
		return nil, err
	}
	res := &SecretResult{SecretLocation: store.Location()}
	err = config.Update(env.ConfigDir, func(cfg *config.Config) error {
		prev := cfg.Profiles[req.Name]
		if err := CheckSecretRequest(prev, req); err != nil {
			return err
		}
		p := config.Profile{SecretStorage: req.Storage}
		if prev != nil {
			p = *prev
			p.SecretStorage = req.Storage
		}
		if req.BaseURL != nil {
			p.BaseURL = *req.BaseURL
		}
		account := config.SuiteSecretAccount(req.Name)
		switch req.Kind {
		case KindSuite:
			if p.SuiteID != "" && p.SuiteID != req.SuiteID {
				res.Replaced = p.SuiteID
			}
			p.SuiteID = req.SuiteID
		case KindProvider:
			account = config.ProviderSecretAccount(req.Name)
			if req.CorpID != "" {
				p.CorpID = req.CorpID
			}
			p.Provider = true
		}
		if err := store.Set(ctx, account, req.Secret); err != nil {
			return fmt.Errorf("storing the %s secret in %s: %w", req.Kind, store.Location(), err)
		}
		cfg.Profiles[req.Name] = &p
		res.Profile = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// SecretStatus says whether a third-party secret of the profile is stored
// (never the secret itself).
type SecretStatus struct {
	ID    string `json:"id"`    // the suite id, or the provider's corp id
	State string `json:"state"` // stored | missing | unavailable
}

// describeThirdParty fills the suite and provider parts of st, and lists
// the cached suite and provider tokens of those secrets.
func describeThirdParty(ctx context.Context, env Env, store credstore.Store, name string, p *config.Profile, st *Status, now time.Time) {
	if p.SuiteID != "" {
		_, err := store.Get(ctx, config.SuiteSecretAccount(name))
		st.Suite = &SecretStatus{ID: p.SuiteID}
		st.Suite.State, _ = state(err)
	}
	if p.Provider {
		_, err := store.Get(ctx, config.ProviderSecretAccount(name))
		st.Provider = &SecretStatus{ID: p.CorpID}
		st.Provider.State, _ = state(err)
	}
	base := env.baseURL(p.BaseURL)
	if env.Cache == nil || base == "" {
		return
	}
	for _, s := range readThirdParty(ctx, store, name, p) {
		entries, _ := env.Cache.Find(tokencache.MatchSecret(base, s.id, s.secret, ""))
		for _, e := range entries {
			st.CachedTokens = append(st.CachedTokens, CachedToken{Kind: e.Kind, AgentID: e.AgentID,
				ExpiresAt: e.ExpiresAt.UTC().Format(time.RFC3339), Expired: !now.Before(e.ExpiresAt)})
		}
	}
}

// thirdPartySecret is a suite or provider secret with the id its cached
// tokens are keyed by (suite id, provider corp id).
type thirdPartySecret struct{ id, secret string }

// readThirdParty reads the profile's suite and provider secrets (those
// that can be read), so logout can match their cached tokens.
func readThirdParty(ctx context.Context, store credstore.Store, name string, p *config.Profile) []thirdPartySecret {
	var out []thirdPartySecret
	if p.SuiteID != "" {
		if v, err := store.Get(ctx, config.SuiteSecretAccount(name)); err == nil {
			out = append(out, thirdPartySecret{p.SuiteID, v})
		}
	}
	if p.Provider {
		if v, err := store.Get(ctx, config.ProviderSecretAccount(name)); err == nil {
			out = append(out, thirdPartySecret{p.CorpID, v})
		}
	}
	return out
}

// purgeThirdParty removes the cached suite and provider tokens of those
// secrets (best effort: they expire within 2 hours anyway).
func purgeThirdParty(env Env, p config.Profile, secrets []thirdPartySecret) int {
	base := env.baseURL(p.BaseURL)
	if env.Cache == nil || base == "" {
		return 0
	}
	n := 0
	for _, s := range secrets {
		k, _ := env.Cache.Purge(tokencache.MatchSecret(base, s.id, s.secret, ""))
		n += k
	}
	return n
}
