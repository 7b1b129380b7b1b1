package profile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/tokencache"
)

const (
	corp   = "ww5a8f2c1d9e0b3a47"
	aesKey = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
	qyapi  = "https://qyapi.weixin.qq.com"
)

// store wraps a memory store so a test can make it fail.
type store struct {
	credstore.Store
	kind      string
	failGet   error
	failSet   error
	failDel   error
	deletions int
}

func (s *store) Location() string { return s.kind + " store" }
func (s *store) Get(ctx context.Context, a string) (string, error) {
	if s.failGet != nil {
		return "", s.failGet
	}
	return s.Store.Get(ctx, a)
}
func (s *store) Set(ctx context.Context, a, v string) error {
	if s.failSet != nil {
		return s.failSet
	}
	return s.Store.Set(ctx, a, v)
}
func (s *store) Delete(ctx context.Context, a string) error {
	s.deletions++
	if s.failDel != nil {
		return s.failDel
	}
	return s.Store.Delete(ctx, a)
}

type world struct {
	env           Env
	keyring, file *store
	cache         *tokencache.Cache
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	w := &world{
		keyring: &store{Store: credstore.NewMemory(), kind: "keyring"},
		file:    &store{Store: credstore.NewMemory(), kind: "file"},
		cache:   tokencache.InCacheDir(filepath.Join(dir, "cache")),
	}
	w.env = Env{
		ConfigDir: filepath.Join(dir, "config"),
		Store: func(storage string) (credstore.Store, error) {
			if storage == config.StorageFile {
				return w.file, nil
			}
			return w.keyring, nil
		},
		Cache: w.cache,
		BaseURL: func(stored string) string {
			if stored == "" {
				return qyapi
			}
			return stored
		},
	}
	return w
}

func (w *world) profile(t *testing.T, name string) *config.Profile {
	t.Helper()
	cfg, err := config.Load(w.env.ConfigDir)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Profiles[name]
}

// cacheToken puts a token for one app (base URL, corp, secret) in the cache.
func (w *world) cacheToken(t *testing.T, base, corpID, secret, kind, agent string) tokencache.Key {
	t.Helper()
	k := tokencache.Key{BaseURL: base, CorpID: corpID, Secret: secret, Kind: kind, AgentID: agent}
	_, _, err := w.cache.GetOrFetch(context.Background(), k, func(context.Context) (string, time.Duration, error) {
		return "tok", 2 * time.Hour, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func ptr(s string) *string { return &s }

func TestMergeKeepsWhatWasNotGiven(t *testing.T) {
	prev := &config.Profile{CorpID: corp, AgentID: "1000002", BaseURL: "http://127.0.0.1:8081", SecretStorage: "keyring", Callback: true, CallbackReceiveID: "suite1"}
	p, kept, dropped := Merge(prev, Request{Storage: "file"})
	if p.CorpID != corp || p.AgentID != "1000002" || p.BaseURL != "http://127.0.0.1:8081" || !p.Callback || p.CallbackReceiveID != "suite1" || p.SecretStorage != "file" {
		t.Fatalf("merged %+v", p)
	}
	if strings.Join(kept, ",") != "corp id,agent id,base URL,callback secrets" || len(dropped) != 0 {
		t.Fatalf("kept %v dropped %v", kept, dropped)
	}
	// Given values win, and an empty one clears the field.
	p, kept, _ = Merge(prev, Request{CorpID: corp, AgentID: ptr("1000005"), BaseURL: ptr(""), Storage: "keyring"})
	if p.AgentID != "1000005" || p.BaseURL != "" || strings.Join(kept, ",") != "callback secrets" {
		t.Fatalf("merged %+v kept %v", p, kept)
	}
	// Another corp: nothing of the old corp's app is carried over, and that is said.
	p, kept, dropped = Merge(prev, Request{CorpID: "ww1436e0e65a779aee", Storage: "keyring"})
	if p.AgentID != "" || p.BaseURL != "" || p.Callback || len(kept) != 0 || strings.Join(dropped, ",") != "agent id,base URL,callback secrets" {
		t.Fatalf("merged %+v kept %v dropped %v", p, kept, dropped)
	}
	// New callback secrets: their receive id is kept unless it is the corp id.
	p, _, _ = Merge(nil, Request{CorpID: corp, Callback: &cb.Secrets{ReceiveID: corp}})
	if !p.Callback || p.CallbackReceiveID != "" {
		t.Fatalf("merged %+v", p)
	}
}

// Logging in again with only a new secret keeps the agent id, base URL and
// callback secrets (with their receive id): the usual secret rotation.
func TestReloginKeepsEveryField(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	first := Request{Name: "ag", CorpID: corp, AgentID: ptr("1000002"), BaseURL: ptr("http://127.0.0.1:8081"),
		Secret: "s1", Storage: config.StorageKeyring, Callback: &cb.Secrets{Token: "tok", EncodingAESKey: aesKey, ReceiveID: "suite1"}}
	if _, err := Login(ctx, w.env, first); err != nil {
		t.Fatal(err)
	}
	res, err := Login(ctx, w.env, Request{Name: "ag", Secret: "s2", Storage: config.StorageKeyring})
	if err != nil {
		t.Fatal(err)
	}
	p := w.profile(t, "ag")
	if p.CorpID != corp || p.AgentID != "1000002" || p.BaseURL != "http://127.0.0.1:8081" || !p.Callback || p.CallbackReceiveID != "suite1" {
		t.Fatalf("stored %+v", p)
	}
	if len(res.Kept) != 4 || res.MovedFrom != "" || len(res.Warnings) != 0 {
		t.Fatalf("result %+v", res)
	}
	if v, _ := w.keyring.Get(ctx, "ag"); v != "s2" {
		t.Fatalf("secret %q", v)
	}
	if v, _ := w.keyring.Get(ctx, config.CallbackTokenAccount("ag")); v != "tok" {
		t.Fatalf("callback token %q", v)
	}
}

// Moving keyring → file carries the callback secrets and removes the old
// copies; an old copy that cannot be removed is a warning, not silence.
func TestStorageMoveCarriesCallbackAndWarnsOnFailedDelete(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := Login(ctx, w.env, Request{Name: "p", CorpID: corp, Secret: "s", Storage: config.StorageKeyring,
		Callback: &cb.Secrets{Token: "tok", EncodingAESKey: aesKey}}); err != nil {
		t.Fatal(err)
	}
	w.keyring.failDel = errors.New("no such interface")
	res, err := Login(ctx, w.env, Request{Name: "p", Secret: "s", Storage: config.StorageFile})
	if err != nil {
		t.Fatal(err)
	}
	if p := w.profile(t, "p"); !p.Callback || p.SecretStorage != config.StorageFile {
		t.Fatalf("stored %+v", p)
	}
	for _, a := range accounts("p") {
		if _, err := w.file.Get(ctx, a); err != nil {
			t.Errorf("%s not in the file store: %v", a, err)
		}
	}
	if res.MovedFrom != "keyring store" || len(res.Warnings) != 3 || !strings.Contains(res.Warnings[0], `the old copy of "p" in keyring store could not be removed (no such interface)`) {
		t.Fatalf("result %+v", res)
	}
	w.keyring.failDel = nil
	if _, err := Login(ctx, w.env, Request{Name: "p", Secret: "s", Storage: config.StorageKeyring}); err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts("p") {
		if _, err := w.file.Get(ctx, a); !errors.Is(err, credstore.ErrNotFound) {
			t.Errorf("%s: the old copy stays in the file store (%v)", a, err)
		}
	}
}

// Callback secrets that cannot be read from the old store stay there,
// untouched, and the profile says it has none (with a warning).
func TestCallbackThatCannotMoveStaysWithAWarning(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := Login(ctx, w.env, Request{Name: "p", CorpID: corp, Secret: "s", Storage: config.StorageFile,
		Callback: &cb.Secrets{Token: "tok", EncodingAESKey: aesKey}}); err != nil {
		t.Fatal(err)
	}
	w.file.failGet = errors.New("secrets file is not valid JSON")
	res, err := Login(ctx, w.env, Request{Name: "p", Secret: "s", Storage: config.StorageKeyring})
	if err != nil {
		t.Fatal(err)
	}
	if p := w.profile(t, "p"); p.Callback {
		t.Fatal("the profile claims callback secrets it no longer reaches")
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "the callback secrets stay in file store") {
		t.Fatalf("warnings %v", res.Warnings)
	}
	w.file.failGet = nil
	if v, _ := w.file.Get(ctx, config.CallbackTokenAccount("p")); v != "tok" {
		t.Fatal("the callback secrets must be left where they were")
	}
}

// A failed store leaves the config as it was.
func TestFailedStoreSavesNothing(t *testing.T) {
	w := newWorld(t)
	w.keyring.failSet = &credstore.UnavailableError{Reason: "no D-Bus session bus"}
	_, err := Login(context.Background(), w.env, Request{Name: "p", CorpID: corp, Secret: "s", Storage: config.StorageKeyring})
	if !credstore.IsUnavailable(err) {
		t.Fatalf("got %v", err)
	}
	if w.profile(t, "p") != nil {
		t.Fatal("a profile was saved without its secret")
	}
}

// Login drops the replaced secret's cached tokens only: another app of the
// corp and the same corp on the sandbox keep theirs, and logging in again
// with the same secret keeps its own.
func TestLoginPurgesOnlyTheReplacedSecretsTokens(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := Login(ctx, w.env, Request{Name: "p", CorpID: corp, Secret: "old", Storage: config.StorageKeyring}); err != nil {
		t.Fatal(err)
	}
	own := w.cacheToken(t, qyapi, corp, "old", "token", "")
	ownTicket := w.cacheToken(t, qyapi, corp, "old", "ticket:agent", "1000002")
	otherApp := w.cacheToken(t, qyapi, corp, "other-app", "token", "")
	sandbox := w.cacheToken(t, "http://127.0.0.1:8081", corp, "old", "token", "")
	res, err := Login(ctx, w.env, Request{Name: "p", Secret: "old", Storage: config.StorageKeyring})
	if err != nil || res.Purged != 0 {
		t.Fatalf("same secret: purged %d %v", res.Purged, err)
	}
	res, err = Login(ctx, w.env, Request{Name: "p", Secret: "new", Storage: config.StorageKeyring})
	if err != nil || res.Purged != 2 {
		t.Fatalf("purged %d %v", res.Purged, err)
	}
	for _, k := range []tokencache.Key{own, ownTicket} {
		if _, ok := w.cache.Get(k); ok {
			t.Errorf("%+v should be gone", k)
		}
	}
	for _, k := range []tokencache.Key{otherApp, sandbox} {
		if _, ok := w.cache.Get(k); !ok {
			t.Errorf("%+v must stay", k)
		}
	}
}

func TestLogoutRemovesOnlyItsOwn(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for _, r := range []Request{
		{Name: "a", CorpID: corp, Secret: "sa", Storage: config.StorageKeyring, Callback: &cb.Secrets{Token: "t", EncodingAESKey: aesKey}},
		{Name: "b", CorpID: corp, Secret: "sb", Storage: config.StorageKeyring},
	} {
		if _, err := Login(ctx, w.env, r); err != nil {
			t.Fatal(err)
		}
	}
	mine := w.cacheToken(t, qyapi, corp, "sa", "token", "")
	theirs := w.cacheToken(t, qyapi, corp, "sb", "token", "")
	sandbox := w.cacheToken(t, "http://127.0.0.1:8081", corp, "sa", "token", "")
	res, err := Logout(ctx, w.env, "a", false)
	if err != nil || res.Purged != 1 || res.CacheUnmatched || len(res.Warnings) != 0 {
		t.Fatalf("logout %+v %v", res, err)
	}
	if w.profile(t, "a") != nil || w.profile(t, "b") == nil {
		t.Fatal("wrong profiles removed")
	}
	for _, a := range accounts("a") {
		if _, err := w.keyring.Get(ctx, a); !errors.Is(err, credstore.ErrNotFound) {
			t.Errorf("%s left behind", a)
		}
	}
	if _, ok := w.cache.Get(mine); ok {
		t.Error("own token left behind")
	}
	for _, k := range []tokencache.Key{theirs, sandbox} {
		if _, ok := w.cache.Get(k); !ok {
			t.Errorf("%+v must stay", k)
		}
	}
	if _, err := Logout(ctx, w.env, "a", false); !errors.As(err, new(*NotFoundError)) {
		t.Fatalf("second logout: %v", err)
	}
}

// An unreachable keyring keeps the profile (with logout's own fixes)
// unless --force, which removes it and warns the entry may remain.
func TestLogoutWithUnreachableKeyring(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := Login(ctx, w.env, Request{Name: "p", CorpID: corp, Secret: "s", Storage: config.StorageKeyring}); err != nil {
		t.Fatal(err)
	}
	w.keyring.failGet = &credstore.UnavailableError{Reason: "no D-Bus session bus"}
	w.keyring.failDel = w.keyring.failGet
	_, err := Logout(ctx, w.env, "p", false)
	var kept *KeptError
	if !errors.As(err, &kept) || kept.ExitCode() != 4 || !strings.Contains(err.Error(), "wwcli auth logout --profile p --force") ||
		strings.Contains(err.Error(), "--insecure-storage") {
		t.Fatalf("got %v", err)
	}
	if w.profile(t, "p") == nil || w.keyring.deletions != 0 {
		t.Fatal("nothing may change without --force")
	}
	res, err := Logout(ctx, w.env, "p", true)
	if err != nil || w.profile(t, "p") != nil {
		t.Fatalf("force: %v", err)
	}
	if !res.CacheUnmatched || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], `may remain in keyring store (account "p"): OS keyring unavailable: no D-Bus session bus`) {
		t.Fatalf("result %+v", res)
	}
	if w.keyring.deletions != 0 {
		t.Fatal("an unreachable keyring is not asked again")
	}
}

// A config that cannot be saved changes nothing: the secret stays.
func TestLogoutWithUnsavableConfigKeepsTheSecret(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := Login(ctx, w.env, Request{Name: "p", CorpID: corp, Secret: "s", Storage: config.StorageKeyring}); err != nil {
		t.Fatal(err)
	}
	// A directory where the lock file belongs: the update cannot start.
	if err := os.Mkdir(filepath.Join(w.env.ConfigDir, config.FileName+".lock.d"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(w.env.ConfigDir, config.FileName+".lock"))
	os.Rename(filepath.Join(w.env.ConfigDir, config.FileName+".lock.d"), filepath.Join(w.env.ConfigDir, config.FileName+".lock"))
	_, err := Logout(ctx, w.env, "p", false)
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Op != config.OpSave {
		t.Fatalf("got %T %v", err, err)
	}
	if v, _ := w.keyring.Get(ctx, "p"); v != "s" || w.keyring.deletions != 0 {
		t.Fatal("the secret was removed although the profile could not be")
	}
}

func TestDescribe(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := Login(ctx, w.env, Request{Name: "p", CorpID: corp, AgentID: ptr("1000002"), Secret: "s", Storage: config.StorageKeyring,
		Callback: &cb.Secrets{Token: "t", EncodingAESKey: aesKey, ReceiveID: "suite1"}}); err != nil {
		t.Fatal(err)
	}
	w.cacheToken(t, qyapi, corp, "s", "token", "")
	w.cacheToken(t, qyapi, corp, "s", "ticket:agent", "1000002")
	w.cacheToken(t, qyapi, corp, "s", "ticket:agent", "1000003") // another agent's
	w.cacheToken(t, qyapi, corp, "other", "token", "")           // another app's
	w.cacheToken(t, "http://127.0.0.1:8081", corp, "s", "token", "")
	st := Describe(ctx, w.env, "p", w.profile(t, "p"), time.Now())
	if st.SecretState != StateStored || st.Callback == nil || st.Callback.State != StateStored || st.Callback.ReceiveID != "suite1" {
		t.Fatalf("status %+v", st)
	}
	if len(st.CachedTokens) != 2 || st.CachedTokens[0].Kind != "ticket:agent" || st.CachedTokens[0].AgentID != "1000002" || st.CachedTokens[1].Kind != "token" {
		t.Fatalf("cached %+v", st.CachedTokens)
	}
	w.keyring.Delete(ctx, config.CallbackKeyAccount("p"))
	if st := Describe(ctx, w.env, "p", w.profile(t, "p"), time.Now()); st.Callback.State != StateMissing {
		t.Fatalf("a half-stored callback pair is missing, got %+v", st.Callback)
	}
	w.keyring.failGet = &credstore.UnavailableError{Reason: "locked"}
	st = Describe(ctx, w.env, "p", w.profile(t, "p"), time.Now())
	if st.SecretState != StateUnavailable || st.SecretProblem != "locked" || len(st.CachedTokens) != 0 {
		t.Fatalf("status %+v", st)
	}
}
