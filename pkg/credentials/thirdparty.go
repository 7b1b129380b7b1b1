package credentials

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

// Third-party credentials (服务商): a suite (third-party app or 代开发
// template) and the provider itself. They follow the rules of app
// credentials: a secret is never a flag value; env for CI, the keyring (or
// the opt-in file) for profiles, and under --sandbox the sandbox's demo
// world.

// Suite finds the suite credentials: WWCLI_SUITE_ID with
// WWCLI_SUITE_SECRET, else (under --sandbox) the demo suite, else the
// profile's suite (`wwcli auth login --suite ID`). WWCLI_SUITE_ID alone
// selects the sandbox's template or must name the profile's suite.
// try is the offline line its "no suite" message suggests.
func (s Sources) Suite(ctx context.Context, command, try string) (SuiteCredentials, error) {
	id, secret := strings.TrimSpace(s.Getenv("WWCLI_SUITE_ID")), s.Getenv("WWCLI_SUITE_SECRET")
	switch {
	case secret != "" && id == "":
		return SuiteCredentials{}, missingErrorf("WWCLI_SUITE_SECRET is set but WWCLI_SUITE_ID is not: set both")
	case strings.ContainsAny(id, " \t\r\n"):
		return SuiteCredentials{}, usageErrorf("suite id %q contains whitespace; copy SuiteID again from 服务商管理后台 → 应用管理 → the app", id)
	}
	if s.Sandbox {
		demo := SuiteCredentials{SuiteID: sandbox.DemoSuiteID, Secret: sandbox.DemoSuiteSecret, Source: "sandbox demo suite"}
		if id == sandbox.DemoTemplateID {
			demo = SuiteCredentials{SuiteID: sandbox.DemoTemplateID, Secret: sandbox.DemoTemplateSecret, Source: "sandbox demo 代开发 template"}
		}
		if id != "" && id != demo.SuiteID {
			return SuiteCredentials{}, missingErrorf("--sandbox knows only the demo suite %s and the demo 代开发 template %s, not WWCLI_SUITE_ID=%s: unset WWCLI_SUITE_ID, or drop --sandbox to call WeCom",
				sandbox.DemoSuiteID, sandbox.DemoTemplateID, id)
		}
		if secret != "" && secret != demo.Secret {
			return SuiteCredentials{}, missingErrorf("--sandbox uses the demo suite's secret, not WWCLI_SUITE_SECRET: unset WWCLI_SUITE_SECRET, or drop --sandbox to call WeCom")
		}
		return demo, nil
	}
	if secret != "" {
		return SuiteCredentials{SuiteID: id, Secret: secret, Source: "WWCLI_SUITE_SECRET"}, nil
	}
	name := s.Profile
	p, err := s.profile()
	if err != nil {
		return SuiteCredentials{}, err
	}
	if p == nil || p.SuiteID == "" {
		return SuiteCredentials{}, missingErrorf("%s needs a suite: set WWCLI_SUITE_ID and WWCLI_SUITE_SECRET (CI), or store one with 'wwcli auth login --suite SUITE_ID' (profile %q has none); try it offline with '%s'",
			command, name, try)
	}
	if id != "" && id != p.SuiteID {
		return SuiteCredentials{}, missingErrorf("WWCLI_SUITE_ID is %s but profile %q holds suite %s: set WWCLI_SUITE_SECRET too, or unset WWCLI_SUITE_ID", id, name, p.SuiteID)
	}
	secret, err = s.profileSecret(ctx, p, name, config.SuiteSecretAccount(name), "suite secret", "--suite "+p.SuiteID)
	if err != nil {
		return SuiteCredentials{}, err
	}
	store, _ := s.Store(p.SecretStorage)
	return SuiteCredentials{SuiteID: p.SuiteID, Secret: secret, Source: fmt.Sprintf("profile %q (%s)", name, store.Kind()),
		Profile: name, BaseURL: p.BaseURL}, nil
}

// ProviderCredentials are the provider's corp id and provider_secret.
type ProviderCredentials struct {
	CorpID  string
	Secret  string
	Source  string
	Profile string
	BaseURL string
}

// Provider finds the provider credentials: WWCLI_PROVIDER_SECRET
// with the corp id (corpID, else WWCLI_PROVIDER_CORP_ID, else
// WWCLI_CORP_ID, else the profile's), else
// (under --sandbox) the demo provider, else the profile's provider secret
// (`wwcli auth login --provider`). try is the offline line its "no
// provider" message suggests.
func (s Sources) Provider(ctx context.Context, command, corpID, try string) (ProviderCredentials, error) {
	secret := s.Getenv("WWCLI_PROVIDER_SECRET")
	// WWCLI_PROVIDER_CORP_ID first: a job may hold an app's WWCLI_CORP_ID too.
	corp := firstNonEmpty(corpID, s.Getenv("WWCLI_PROVIDER_CORP_ID"), s.Getenv("WWCLI_CORP_ID"))
	if s.Sandbox {
		if corp != "" && corp != sandbox.DemoProviderCorpID {
			return ProviderCredentials{}, missingErrorf("--sandbox knows only the demo provider corp %s, not %s: drop the corp id, or drop --sandbox to call WeCom",
				sandbox.DemoProviderCorpID, corp)
		}
		if secret != "" && secret != sandbox.DemoProviderSecret {
			return ProviderCredentials{}, missingErrorf("--sandbox uses the demo provider's secret, not WWCLI_PROVIDER_SECRET: unset it, or drop --sandbox to call WeCom")
		}
		return ProviderCredentials{CorpID: sandbox.DemoProviderCorpID, Secret: sandbox.DemoProviderSecret, Source: "sandbox demo provider"}, nil
	}
	name := s.Profile
	p, err := s.profile()
	if err != nil {
		return ProviderCredentials{}, err
	}
	if secret != "" {
		if corp == "" && p != nil && p.Provider {
			corp = p.CorpID
		}
		if corp == "" {
			return ProviderCredentials{}, usageErrorf("WWCLI_PROVIDER_SECRET needs the provider's corp id: add --corp-id ww... or set WWCLI_PROVIDER_CORP_ID")
		}
		return ProviderCredentials{CorpID: corp, Secret: secret, Source: "WWCLI_PROVIDER_SECRET"}, Check(corp, secret)
	}
	if p == nil || !p.Provider {
		return ProviderCredentials{}, missingErrorf("%s needs the provider secret (服务商管理后台 → 应用管理 → 通用开发参数): set WWCLI_CORP_ID and WWCLI_PROVIDER_SECRET (CI), or store it with 'wwcli auth login --provider --corp-id CORPID' (profile %q has none); try it offline with '%s'",
			command, name, try)
	}
	if corp != "" && corp != p.CorpID {
		return ProviderCredentials{}, missingErrorf("the corp id is %s but profile %q is the provider %s: set WWCLI_PROVIDER_SECRET too, or drop the corp id", corp, name, p.CorpID)
	}
	secret, err = s.profileSecret(ctx, p, name, config.ProviderSecretAccount(name), "provider secret", "--provider --corp-id "+p.CorpID)
	if err != nil {
		return ProviderCredentials{}, err
	}
	store, _ := s.Store(p.SecretStorage)
	return ProviderCredentials{CorpID: p.CorpID, Secret: secret, Source: fmt.Sprintf("profile %q (%s)", name, store.Kind()),
		Profile: name, BaseURL: p.BaseURL}, nil
}

// profileSecret reads one secret of profile p; what names it in messages
// ("suite secret") and loginArgs how `auth login` stores it.
func (s Sources) profileSecret(ctx context.Context, p *config.Profile, name, account, what, loginArgs string) (string, error) {
	store, err := s.Store(p.SecretStorage)
	if err != nil {
		return "", missing(err)
	}
	secret, err := store.Get(ctx, account)
	switch {
	case errors.Is(err, credstore.ErrNotFound):
		return "", missingErrorf("profile %q has no %s in %s: run 'wwcli auth login --profile %s %s'", name, what, store.Location(), name, loginArgs)
	case credstore.IsUnavailable(err):
		return "", missing(fmt.Errorf("cannot read the %s of profile %q: %w", what, name, err))
	case err != nil:
		return "", missing(err)
	}
	return secret, nil
}
