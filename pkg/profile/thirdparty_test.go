package profile

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/config"
)

// A suite login adds the suite to an app profile and keeps the app.
func TestLoginSecretKeepsTheApp(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := Login(ctx, w.env, Request{Name: "default", CorpID: corp, AgentID: ptr("1000002"), Secret: "app", Storage: config.StorageKeyring}); err != nil {
		t.Fatal(err)
	}
	res, err := LoginSecret(ctx, w.env, SecretRequest{Name: "default", Kind: KindSuite, SuiteID: "wwsuite1", Secret: "s1", Storage: config.StorageKeyring})
	if err != nil {
		t.Fatal(err)
	}
	p := w.profile(t, "default")
	if p.CorpID != corp || p.AgentID != "1000002" || p.SuiteID != "wwsuite1" || res.Replaced != "" {
		t.Fatalf("%+v %+v", p, res)
	}
	if v, _ := w.keyring.Get(ctx, config.SecretAccount("default")); v != "app" {
		t.Fatalf("app secret %q", v)
	}
	if v, _ := w.keyring.Get(ctx, config.SuiteSecretAccount("default")); v != "s1" {
		t.Fatalf("suite secret %q", v)
	}
	// Another suite replaces it, and says so.
	res, err = LoginSecret(ctx, w.env, SecretRequest{Name: "default", Kind: KindSuite, SuiteID: "wwsuite2", Secret: "s2", Storage: config.StorageKeyring})
	if err != nil || res.Replaced != "wwsuite1" {
		t.Fatalf("%+v %v", res, err)
	}
	// The provider of the same corp joins; of another corp is refused.
	if _, err := LoginSecret(ctx, w.env, SecretRequest{Name: "default", Kind: KindProvider, Secret: "p", Storage: config.StorageKeyring}); err != nil {
		t.Fatal(err)
	}
	if p := w.profile(t, "default"); !p.Provider || p.CorpID != corp {
		t.Fatalf("%+v", p)
	}
	_, err = LoginSecret(ctx, w.env, SecretRequest{Name: "default", Kind: KindProvider, CorpID: "wwother", Secret: "p", Storage: config.StorageKeyring})
	if err == nil || !strings.Contains(err.Error(), "another profile") {
		t.Fatalf("%v", err)
	}
	// Another storage than the profile's is refused before anything is stored.
	_, err = LoginSecret(ctx, w.env, SecretRequest{Name: "default", Kind: KindSuite, SuiteID: "wwsuite3", Secret: "s3", Storage: config.StorageFile})
	if err == nil || !strings.Contains(err.Error(), "same storage") {
		t.Fatalf("%v", err)
	}
	if v, _ := w.file.Get(ctx, config.SuiteSecretAccount("default")); v != "" {
		t.Fatalf("stored in the other store: %q", v)
	}
}

func TestDescribeAndLogoutThirdParty(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := LoginSecret(ctx, w.env, SecretRequest{Name: "isv", Kind: KindSuite, SuiteID: "wwsuite1", Secret: "s1", Storage: config.StorageFile}); err != nil {
		t.Fatal(err)
	}
	if _, err := LoginSecret(ctx, w.env, SecretRequest{Name: "isv", Kind: KindProvider, CorpID: "wwprov", Secret: "p1", Storage: config.StorageFile}); err != nil {
		t.Fatal(err)
	}
	st := Describe(ctx, w.env, "isv", w.profile(t, "isv"), time.Now())
	if st.Suite == nil || st.Suite.ID != "wwsuite1" || st.Suite.State != StateStored ||
		st.Provider == nil || st.Provider.ID != "wwprov" || st.Provider.State != StateStored || st.SecretState != StateMissing {
		t.Fatalf("%+v", st)
	}
	w.cacheToken(t, qyapi, "wwsuite1", "s1", "suite_token", "")
	w.cacheToken(t, qyapi, "wwprov", "p1", "provider_token", "")
	other := w.cacheToken(t, qyapi, "wwsuite9", "s9", "suite_token", "")
	st = Describe(ctx, w.env, "isv", w.profile(t, "isv"), time.Now())
	if len(st.CachedTokens) != 2 || st.CachedTokens[0].Kind != "suite_token" || st.CachedTokens[1].Kind != "provider_token" {
		t.Fatalf("cached: %+v", st.CachedTokens)
	}
	res, err := Logout(ctx, w.env, "isv", false)
	if err != nil || res.Purged != 2 || res.CacheUnmatched {
		t.Fatalf("%+v %v", res, err)
	}
	for _, a := range []string{config.SuiteSecretAccount("isv"), config.ProviderSecretAccount("isv")} {
		if v, _ := w.file.Get(ctx, a); v != "" {
			t.Fatalf("%s remains", a)
		}
	}
	if _, ok := w.cache.Get(other); !ok {
		t.Fatal("another suite's token was purged")
	}
}

func TestCheckSecretRequest(t *testing.T) {
	for _, c := range []struct {
		prev *config.Profile
		req  SecretRequest
		want string
	}{
		{nil, SecretRequest{Kind: KindSuite, Storage: config.StorageKeyring}, "suite id"},
		{nil, SecretRequest{Kind: KindProvider, Storage: config.StorageKeyring}, "corp id"},
		{nil, SecretRequest{Kind: "x", Storage: config.StorageKeyring}, "unknown"},
		{&config.Profile{SecretStorage: config.StorageKeyring}, SecretRequest{Kind: KindSuite, SuiteID: "ww1", Storage: config.StorageFile}, "drop --insecure-storage"},
	} {
		if err := CheckSecretRequest(c.prev, c.req); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v", c.req, err)
		}
	}
}
