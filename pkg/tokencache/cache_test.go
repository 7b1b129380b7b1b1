package tokencache

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newCache(t *testing.T) (*Cache, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	c := New(filepath.Join(t.TempDir(), "cache"))
	c.Now = clk.now
	return c, clk
}

var key = Key{BaseURL: "https://qyapi.weixin.qq.com", CorpID: "ww1", Secret: "s3cret", Kind: "token"}

func fetchValue(v string, n *atomic.Int32) Fetcher {
	return func(context.Context) (string, time.Duration, error) {
		n.Add(1)
		return v, 7200 * time.Second, nil
	}
}

func TestFetchOnceThenCached(t *testing.T) {
	c, _ := newCache(t)
	var n atomic.Int32
	e, cached, err := c.GetOrFetch(context.Background(), key, fetchValue("tok1", &n))
	if err != nil || cached || e.Value != "tok1" {
		t.Fatalf("first: %+v %v %v", e, cached, err)
	}
	e, cached, err = c.GetOrFetch(context.Background(), key, fetchValue("tok2", &n))
	if err != nil || !cached || e.Value != "tok1" || n.Load() != 1 {
		t.Fatalf("second: %+v cached=%v err=%v fetches=%d", e, cached, err, n.Load())
	}
}

func TestFilesHoldNoSecret(t *testing.T) {
	c, _ := newCache(t)
	var n atomic.Int32
	if _, _, err := c.GetOrFetch(context.Background(), key, fetchValue("tok1", &n)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(c.path(key.ID()))
	if err != nil {
		t.Fatal(err)
	}
	if contains(string(b), "s3cret") {
		t.Fatal("the secret itself must never be written to the cache")
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestRefreshAheadOfExpiry(t *testing.T) {
	c, clk := newCache(t)
	var n atomic.Int32
	c.GetOrFetch(context.Background(), key, fetchValue("old", &n))
	clk.t = clk.t.Add(7200*time.Second - 6*time.Minute) // still more than the 5-minute margin
	if e, _, _ := c.GetOrFetch(context.Background(), key, fetchValue("new", &n)); e.Value != "old" {
		t.Fatalf("refreshed too early: %q", e.Value)
	}
	clk.t = clk.t.Add(2 * time.Minute) // inside the margin
	if e, cached, _ := c.GetOrFetch(context.Background(), key, fetchValue("new", &n)); e.Value != "new" || cached {
		t.Fatalf("not refreshed inside the margin: %q cached=%v", e.Value, cached)
	}
}

func TestShortLifetimeUsesQuarterMargin(t *testing.T) {
	if got := refreshMargin(60 * time.Second); got != 15*time.Second {
		t.Fatalf("margin for 60s: %v", got)
	}
	if got := refreshMargin(7200 * time.Second); got != 5*time.Minute {
		t.Fatalf("margin for 7200s: %v", got)
	}
}

func TestChangedSecretNeverGetsOldToken(t *testing.T) {
	c, _ := newCache(t)
	var n atomic.Int32
	c.GetOrFetch(context.Background(), key, fetchValue("tok-old-secret", &n))
	k2 := key
	k2.Secret = "rotated"
	e, cached, _ := c.GetOrFetch(context.Background(), k2, fetchValue("tok-new-secret", &n))
	if cached || e.Value != "tok-new-secret" {
		t.Fatalf("a new secret got %q (cached=%v)", e.Value, cached)
	}
}

func TestCorruptAndForeignFilesAreReplaced(t *testing.T) {
	for name, content := range map[string]string{
		"corrupt": "{not json",
		"foreign": `{"version":1,"id":"someone-else","value":"x","fetched_at":"2026-11-23T12:00:00Z","expires_at":"2999-01-01T00:00:00Z"}`,
		"future":  `{"version":99,"value":"x"}`,
		"empty":   ``,
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := newCache(t)
			os.MkdirAll(c.Dir, 0o700)
			os.WriteFile(c.path(key.ID()), []byte(content), 0o600)
			var n atomic.Int32
			e, cached, err := c.GetOrFetch(context.Background(), key, fetchValue("fresh", &n))
			if err != nil || cached || e.Value != "fresh" {
				t.Fatalf("got %+v cached=%v err=%v", e, cached, err)
			}
			if got, ok := c.Get(key); !ok || got.Value != "fresh" {
				t.Fatal("the bad file was not replaced")
			}
		})
	}
}

func TestUnwritableDirDegradesWithWarning(t *testing.T) {
	// A path below a regular file cannot be created even by root.
	base := t.TempDir()
	file := filepath.Join(base, "not-a-dir")
	os.WriteFile(file, []byte("x"), 0o600)
	c := New(filepath.Join(file, "cache"))
	var warnings []string
	c.Warn = func(s string) { warnings = append(warnings, s) }
	var n atomic.Int32
	for i := 0; i < 2; i++ {
		e, cached, err := c.GetOrFetch(context.Background(), key, fetchValue("tok", &n))
		if err != nil || cached || e.Value != "tok" {
			t.Fatalf("got %+v cached=%v err=%v", e, cached, err)
		}
	}
	if n.Load() != 2 || len(warnings) != 2 {
		t.Fatalf("fetches=%d warnings=%v", n.Load(), warnings)
	}
}

func TestFetchErrorIsNotCached(t *testing.T) {
	c, _ := newCache(t)
	boom := errors.New("boom")
	_, _, err := c.GetOrFetch(context.Background(), key, func(context.Context) (string, time.Duration, error) { return "", 0, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err=%v", err)
	}
	if _, ok := c.Get(key); ok {
		t.Fatal("an error must not be cached")
	}
}

// Many cache instances (as in many processes: flock locks conflict between
// separate open files) on an empty cache fetch exactly once.
func TestConcurrentInstancesFetchOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	var n atomic.Int32
	slowFetch := func(context.Context) (string, time.Duration, error) {
		n.Add(1)
		time.Sleep(20 * time.Millisecond)
		return "tok", time.Hour, nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := New(dir)
			e, _, err := c.GetOrFetch(context.Background(), key, slowFetch)
			if err == nil && e.Value != "tok" {
				err = errors.New("wrong value " + e.Value)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n.Load() != 1 {
		t.Fatalf("%d fetches, want 1 (GOMAXPROCS=%d)", n.Load(), runtime.GOMAXPROCS(0))
	}
}

// Entries are matched by the cache's own key: another app of the same corp
// (another secret) and the same app on another base URL (the sandbox) are
// never matched, so logging out of one never wipes the others.
func TestFindAndPurgeMatchTheWholeKey(t *testing.T) {
	c, _ := newCache(t)
	var n atomic.Int32
	ticket := key
	ticket.Kind = "ticket:corp"
	agent := key
	agent.Kind, agent.AgentID = "ticket:agent", "1000002"
	otherApp := key
	otherApp.Secret = "another-app-secret"
	sandbox := key
	sandbox.BaseURL = "http://127.0.0.1:8081"
	otherCorp := key
	otherCorp.CorpID = "ww2"
	for _, k := range []Key{key, ticket, agent, otherApp, sandbox, otherCorp} {
		if _, _, err := c.GetOrFetch(context.Background(), k, fetchValue("v", &n)); err != nil {
			t.Fatal(err)
		}
	}
	if l, _ := c.List(); len(l) != 6 {
		t.Fatalf("list: %d", len(l))
	}
	app := MatchSecret(key.BaseURL, key.CorpID, key.Secret, "")
	found, err := c.Find(app)
	if err != nil || len(found) != 3 || found[0].Kind != "ticket:agent" || found[1].Kind != "ticket:corp" || found[2].Kind != "token" {
		t.Fatalf("find: %+v %v", found, err)
	}
	if found, _ := c.Find(MatchSecret(key.BaseURL, key.CorpID, key.Secret, "1000003")); len(found) != 2 {
		t.Fatalf("another agent's ticket must not match: %+v", found)
	}
	if removed, err := c.Purge(app); err != nil || removed != 3 {
		t.Fatalf("purge: %d %v", removed, err)
	}
	left, _ := c.List()
	if len(left) != 3 {
		t.Fatalf("left: %+v", left)
	}
	for _, k := range []Key{otherApp, sandbox, otherCorp} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("purging one app removed %+v", k)
		}
	}
	if err := c.Delete(otherCorp); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(otherCorp); err != nil {
		t.Fatal("deleting a missing entry is not an error")
	}
}

// A version-1 file (no fingerprint) is neither listed nor used: refetched once.
func TestOldFormatIsRefetched(t *testing.T) {
	c, _ := newCache(t)
	os.MkdirAll(c.Dir, 0o700)
	old := `{"version":1,"id":"` + key.ID() + `","corp_id":"ww1","kind":"token","value":"old","fetched_at":"2026-11-23T12:00:00Z","expires_at":"2026-11-23T14:00:00Z"}`
	os.WriteFile(c.path(key.ID()), []byte(old), 0o600)
	if l, _ := c.List(); len(l) != 0 {
		t.Fatalf("old entries listed: %+v", l)
	}
	var n atomic.Int32
	if e, cached, _ := c.GetOrFetch(context.Background(), key, fetchValue("new", &n)); cached || e.Value != "new" || e.SecretFingerprint != SecretFingerprint(key.Secret) {
		t.Fatalf("got %+v cached=%v", e, cached)
	}
}

func TestLockWaitHonoursContext(t *testing.T) {
	c, _ := newCache(t)
	unlock, err := c.lock(context.Background(), key.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	other := New(c.Dir)
	var n atomic.Int32
	_, _, err = other.GetOrFetch(ctx, key, fetchValue("x", &n))
	if !errors.Is(err, context.DeadlineExceeded) || n.Load() != 0 {
		t.Fatalf("err=%v fetches=%d", err, n.Load())
	}
}

// Refetch replaces the entry only when the fetch succeeds (--refresh
// during an outage must not throw away a valid token).
func TestRefetchKeepsEntryWhenFetchFails(t *testing.T) {
	c, _ := newCache(t)
	var n atomic.Int32
	ctx := context.Background()
	if _, _, err := c.GetOrFetch(ctx, key, fetchValue("tok1", &n)); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("503")
	if _, err := c.Refetch(ctx, key, func(context.Context) (string, time.Duration, error) { return "", 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("err=%v", err)
	}
	if e, ok := c.Get(key); !ok || e.Value != "tok1" {
		t.Fatalf("after a failed refetch: %+v %v, want tok1 kept", e, ok)
	}
	if e, err := c.Refetch(ctx, key, fetchValue("tok2", &n)); err != nil || e.Value != "tok2" {
		t.Fatalf("refetch: %+v %v", e, err)
	}
	if e, ok := c.Get(key); !ok || e.Value != "tok2" || n.Load() != 2 {
		t.Fatalf("after refetch: %+v %v fetches=%d", e, ok, n.Load())
	}
}

// A kill -9 between the temporary file's creation and its rename leaves a
// complete entry behind; the next write sweeps the old ones but never a
// fresh one another process is still writing.
func TestWriteSweepsStaleTempFiles(t *testing.T) {
	c, _ := newCache(t)
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(c.Dir, ".tmp-123456")
	fresh := filepath.Join(c.Dir, ".tmp-654321")
	for _, p := range []string{old, fresh} {
		if err := os.WriteFile(p, []byte(`{"value":"TOK"}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-2 * time.Minute)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	if _, _, err := c.GetOrFetch(context.Background(), key, fetchValue("T1", &n)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temp file still there (err=%v)", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temp file removed: %v", err)
	}
}

// `auth logout` lists the cache: the sweep runs there too.
func TestListSweepsStaleTempFiles(t *testing.T) {
	c, _ := newCache(t)
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(c.Dir, ".tmp-777")
	if err := os.WriteFile(old, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	if _, err := c.List(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temp file still there after List (err=%v)", err)
	}
}

// A cache entry another user could have written (mode 0666) is treated as
// absent, with a warning: its token may be the attacker's.
func TestEntryWritableByOthersIsIgnored(t *testing.T) {
	c, _ := newCache(t)
	var warned []string
	c.Warn = func(m string) { warned = append(warned, m) }
	var n atomic.Int32
	if _, _, err := c.GetOrFetch(context.Background(), key, fetchValue("T1", &n)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(c.path(key.ID()), 0o666); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get(key); ok {
		t.Fatal("a 0666 entry was trusted")
	}
	if len(warned) == 0 || !strings.Contains(warned[0], "chmod go-w") {
		t.Fatalf("warnings: %q", warned)
	}
}

func TestLockSymlinkIsNotFollowed(t *testing.T) {
	c, _ := newCache(t)
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "victim")
	if err := os.Symlink(target, c.path(key.ID())+".lock"); err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	_, _, _ = c.GetOrFetch(context.Background(), key, fetchValue("T1", &n))
	if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the lock symlink was followed (err=%v)", err)
	}
}
