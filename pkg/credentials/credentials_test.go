package credentials

import (
	"context"
	"errors"
	"testing"

	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

// sources are Sources over a map, one in-memory config and one store.
func sources(env map[string]string, profiles map[string]*config.Profile, store credstore.Store) Sources {
	return Sources{
		Getenv:  func(k string) string { return env[k] },
		Profile: config.DefaultProfile,
		Config:  func() (*config.Config, error) { return &config.Config{Profiles: profiles}, nil },
		Store:   func(string) (credstore.Store, error) { return store, nil },
		Warnf:   func(string, ...any) {},
	}
}

func TestAppPrecedence(t *testing.T) {
	ctx := context.Background()
	store := credstore.NewMemory()
	_ = store.Set(ctx, config.SecretAccount(config.DefaultProfile), "profile-secret")
	profiles := map[string]*config.Profile{config.DefaultProfile: {CorpID: "wwprofile", AgentID: "1000005", SecretStorage: config.StorageKeyring}}

	c, err := sources(nil, profiles, store).App(ctx, AppInput{})
	if err != nil || c.CorpID != "wwprofile" || c.Secret != "profile-secret" || c.AgentID != "1000005" || c.Profile != config.DefaultProfile {
		t.Fatalf("profile: %+v %v", c, err)
	}
	env := map[string]string{"WWCLI_CORP_ID": "wwenv", "WWCLI_SECRET": "env-secret"}
	c, err = sources(env, profiles, store).App(ctx, AppInput{})
	if err != nil || c.CorpID != "wwenv" || c.Source != "WWCLI_SECRET" || c.AgentID != "" {
		t.Fatalf("env before the profile: %+v %v", c, err)
	}
	noted := false
	c, err = sources(env, profiles, store).App(ctx, AppInput{Args: []string{"wwprofile", "arg-secret"}, ArgsNote: func() { noted = true }})
	if err != nil || c.Secret != "arg-secret" || c.AgentID != "1000005" || !noted {
		t.Fatalf("arguments first, agent from the profile of that corp, note: %+v %v %v", c, err, noted)
	}
}

func TestAppErrors(t *testing.T) {
	ctx := context.Background()
	var ce *Error
	if _, err := sources(nil, nil, credstore.NewMemory()).App(ctx, AppInput{}); err != ErrNoCredentials {
		t.Errorf("nothing anywhere: %v, want ErrNoCredentials", err)
	}
	if _, err := sources(nil, nil, nil).App(ctx, AppInput{AgentID: "x"}); !errors.As(err, &ce) || !ce.Usage {
		t.Errorf("bad agent id: %v, want a usage Error", err)
	}
	if _, err := sources(map[string]string{"WWCLI_SECRET": "s"}, nil, nil).App(ctx, AppInput{}); !errors.As(err, &ce) || ce.Usage {
		t.Errorf("WWCLI_SECRET alone: %v, want a missing-credentials Error", err)
	}
	s := sources(map[string]string{"WWCLI_CORP_ID": "wwother"}, nil, nil)
	s.Sandbox = true
	var sc *SandboxCorpError
	if _, err := s.App(ctx, AppInput{}); !errors.As(err, &sc) || sc.Corp != "wwother" || sc.Source != "WWCLI_CORP_ID" {
		t.Errorf("--sandbox with another corp: %v", err)
	}
	s = sources(nil, nil, nil)
	s.Sandbox = true
	if c, err := s.App(ctx, AppInput{}); err != nil || c.CorpID != sandbox.DemoCorpID {
		t.Errorf("--sandbox: %+v %v, want the demo app", c, err)
	}
}

func TestCallbackSecretsFromEnv(t *testing.T) {
	s := sources(map[string]string{EnvCallbackToken: "t", EnvCallbackAESKey: "k"}, nil, nil)
	sec, err := s.CallbackSecrets(context.Background(), "")
	if err != nil || sec.Token != "t" || sec.EncodingAESKey != "k" || sec.Source != "environment" {
		t.Fatalf("%+v %v", sec, err)
	}
	if _, err := sources(nil, nil, nil).CallbackSecrets(context.Background(), ""); !errors.Is(err, ErrNoCallbackSecrets) {
		t.Fatalf("nothing: %v", err)
	}
}
