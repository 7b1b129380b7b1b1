package callback

import (
	"context"
	"fmt"

	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/config"
)

// profileSource reads the callback Token and EncodingAESKey that
// `wwcli auth login --callback` stored with the profile (keyring or the
// opt-in file), with the receive id given at login (default: the corp id).
type profileSource struct{ f *cmdutil.Factory }

func (p profileSource) Name() string { return fmt.Sprintf("profile %q", p.f.ProfileName()) }

func (p profileSource) Lookup() (*cb.Secrets, error) {
	cfg, err := p.f.Config()
	if err != nil {
		return nil, err
	}
	name := p.f.ProfileName()
	prof := cfg.Profiles[name]
	if prof == nil || !prof.Callback {
		return nil, nil
	}
	store, err := p.f.SecretStore(prof.SecretStorage)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	token, err := store.Get(ctx, config.CallbackTokenAccount(name))
	if err != nil {
		return nil, fmt.Errorf("reading the callback Token of profile %q: %w", name, err)
	}
	key, err := store.Get(ctx, config.CallbackKeyAccount(name))
	if err != nil {
		return nil, fmt.Errorf("reading the callback EncodingAESKey of profile %q: %w", name, err)
	}
	receiveID := prof.CallbackReceiveID // the one given at login, else the corp id
	if receiveID == "" {
		receiveID = prof.CorpID
	}
	return &cb.Secrets{Token: token, EncodingAESKey: key, ReceiveID: receiveID, Source: p.Name()}, nil
}
