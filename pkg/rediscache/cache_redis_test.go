//go:build redis

package rediscache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wwcli/wwcli/internal/testutil"
	"github.com/wwcli/wwcli/pkg/rediscache/redistest"
	"github.com/wwcli/wwcli/pkg/tokencache"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// These run against a real redis-server (go test -tags redis): the test
// starts one on a free loopback port and stops it.

func startRedis(t *testing.T) (*redistest.Server, *redis.Client) {
	t.Helper()
	srv := redistest.Start(t)
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr(), DisableIdentity: true})
	t.Cleanup(func() { raw.Close() })
	return srv, raw
}

func TestSingleFlightAcrossCaches(t *testing.T) {
	srv, _ := startRedis(t)
	// 40 caches stand for 40 processes on 4 machines (4 local dirs).
	dirs := []string{t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()}
	var fetches atomic.Int32
	fetch := func(context.Context) (string, time.Duration, error) {
		fetches.Add(1)
		// WeCom takes a while. Not a synchronisation: a process that
		// starts after the fetch finds the entry, and counts as cached.
		time.Sleep(100 * time.Millisecond)
		return "the-token", 2 * time.Hour, nil
	}
	var wg sync.WaitGroup
	values := make([]string, 40)
	errs := make([]error, 40)
	cachedN := atomic.Int32{}
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg, err := ParseURL(srv.URL(0, "")) // each its own: New sets up cfg.Redis
			if err != nil {
				t.Error(err)
				return
			}
			c := New(cfg, tokencache.New(dirs[i%4]))
			defer c.Close()
			e, cached, err := c.GetOrFetch(context.Background(), testKey, fetch)
			values[i], errs[i] = e.Value, err
			if cached {
				cachedN.Add(1)
			}
		}()
	}
	wg.Wait()
	for i := range 40 {
		if errs[i] != nil || values[i] != "the-token" {
			t.Fatalf("cache %d: %q %v", i, values[i], errs[i])
		}
	}
	if fetches.Load() != 1 || cachedN.Load() != 39 {
		t.Fatalf("%d fetches (want 1), %d cached (want 39)", fetches.Load(), cachedN.Load())
	}
}

func TestEntryExpiresWithTheTokenAndHoldsNoSecret(t *testing.T) {
	srv, raw := startRedis(t)
	c, w := newTestCache(t, srv.URL(2, ""))
	var n atomic.Int32
	if _, _, err := c.GetOrFetch(context.Background(), testKey, counting("tok-expiring", 7200*time.Second, &n)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if n, _ := raw.DBSize(ctx).Result(); n != 0 {
		t.Fatalf("db 0 holds %d keys: the URL's /2 was not used", n)
	}
	db2 := redis.NewClient(&redis.Options{Addr: srv.Addr(), DB: 2, DisableIdentity: true})
	defer db2.Close()
	all, err := db2.Keys(ctx, "*").Result()
	if err != nil || len(all) != 1 || all[0] != entryKey(testKey.ID()) {
		t.Fatalf("keys in db 2: %q %v (the lock must be gone, the entry there)", all, err)
	}
	ttl, err := db2.PTTL(ctx, all[0]).Result()
	if err != nil || ttl < 7190*time.Second || ttl > 7200*time.Second {
		t.Fatalf("entry TTL %v %v, want the token's 7200s", ttl, err)
	}
	val, _ := db2.Get(ctx, all[0]).Result()
	if strings.Contains(val, testKey.Secret) || strings.Contains(all[0], testKey.Secret) {
		t.Fatalf("the secret reached Redis: %s = %s", all[0], val)
	}
	// Nor the token: it is sealed.
	var r record
	if json.Unmarshal([]byte(val), &r) != nil || r.SecretFingerprint != tokencache.SecretFingerprint(testKey.Secret) ||
		strings.Contains(val, "tok-expiring") || len(r.Sealed) == 0 || len(r.MAC) != 32 {
		t.Fatalf("stored entry %s", val)
	}
	if len(w.all()) != 0 {
		t.Fatalf("warnings %q", w.all())
	}
}

func TestRefreshAheadAndRedisClockRules(t *testing.T) {
	srv, raw := startRedis(t)
	c, _ := newTestCache(t, srv.URL(0, ""))
	ctx := context.Background()
	var n atomic.Int32
	// The Redis TTL, not the expires_at another machine's clock wrote,
	// decides: 4 minutes left is inside the 5-minute refresh margin.
	if _, _, err := c.GetOrFetch(ctx, testKey, counting("old", 2*time.Hour, &n)); err != nil {
		t.Fatal(err)
	}
	if err := raw.PExpire(ctx, entryKey(testKey.ID()), 4*time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	e, cached, err := c.GetOrFetch(ctx, testKey, counting("new", 2*time.Hour, &n))
	if err != nil || cached || e.Value != "new" || n.Load() != 2 {
		t.Fatalf("a token 4 minutes from expiry must be refreshed: %+v cached=%v err=%v fetches=%d", e, cached, err, n.Load())
	}
	if left := e.ExpiresIn(time.Now()); left < 119*time.Minute {
		t.Fatalf("new entry expires in %v", left)
	}
	// Served from Redis with the expiry Redis counts down.
	if err := raw.PExpire(ctx, entryKey(testKey.ID()), 30*time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	got, ok := c.Get(testKey)
	if !ok || got.Value != "new" || got.ExpiresIn(time.Now()) > 30*time.Minute {
		t.Fatalf("Get: %+v %v", got, ok)
	}
}

func TestForeignEntriesAreNeverServed(t *testing.T) {
	srv, raw := startRedis(t)
	c, _ := newTestCache(t, srv.URL(0, ""))
	ctx := context.Background()
	other := testKey
	other.Secret = "another-secret"
	s, _ := newSealer(other.Secret)
	foreign, _ := s.seal(entryFor(testKey, "not-yours", time.Now(), time.Now().Add(time.Hour)))
	for _, v := range []string{string(foreign), "{corrupt", `{"version":1,"value":"old-format"}`} {
		if err := raw.Set(ctx, entryKey(testKey.ID()), v, time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
		var n atomic.Int32
		e, cached, err := c.GetOrFetch(ctx, testKey, counting("mine", time.Hour, &n))
		if err != nil || cached || e.Value != "mine" {
			t.Fatalf("over %q: %+v cached=%v err=%v", v, e, cached, err)
		}
	}
}

func TestConcurrentRefetchMakesOneFetch(t *testing.T) {
	srv, _ := startRedis(t)
	var fetches atomic.Int32
	fetch := func(context.Context) (string, time.Duration, error) {
		n := fetches.Add(1)
		time.Sleep(50 * time.Millisecond) // WeCom takes a while; any timing gives one fetch
		return fmt.Sprintf("refetched-%d", n), 2 * time.Hour, nil
	}
	// 20 processes hold the same token; WeCom says it went stale (40014)
	// and they all refetch, some only after the first one is done: one
	// new token, not 20.
	caches := make([]*Cache, 20)
	for i := range caches {
		cfg, err := ParseURL(srv.URL(0, ""))
		if err != nil {
			t.Fatal(err)
		}
		caches[i] = New(cfg, nil)
		defer caches[i].Close()
		e, _, err := caches[i].GetOrFetch(context.Background(), testKey, func(context.Context) (string, time.Duration, error) {
			return "stale", 2 * time.Hour, nil
		})
		if err != nil || e.Value != "stale" {
			t.Fatal(e, err)
		}
	}
	var wg sync.WaitGroup
	vals := make([]string, 20)
	for i, c := range caches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i*10) * time.Millisecond) // 40014 arrives at different times
			e, err := c.Refetch(context.Background(), testKey, fetch)
			if err != nil {
				t.Error(err)
			}
			vals[i] = e.Value
		}()
	}
	wg.Wait()
	if fetches.Load() != 1 {
		t.Fatalf("%d fetches for 20 refetches of one stale token, want 1", fetches.Load())
	}
	for _, v := range vals {
		if v != "refetched-1" {
			t.Fatalf("values %q", vals)
		}
	}
	// A process that refetches the value it holds (--refresh, or WeCom
	// rejecting the new one too) does go to WeCom.
	if e, err := caches[0].Refetch(context.Background(), testKey, fetch); err != nil || e.Value != "refetched-2" {
		t.Fatalf("%+v %v", e, err)
	}
	// So does a new process's --refresh: it handed out nothing yet.
	c, _ := newTestCache(t, srv.URL(0, ""))
	if e, err := c.Refetch(context.Background(), testKey, fetch); err != nil || e.Value != "refetched-3" {
		t.Fatalf("%+v %v", e, err)
	}
}

func TestDeadHoldersLockExpires(t *testing.T) {
	srv, raw := startRedis(t)
	ctx := context.Background()
	// A holder died after taking the lock: its owner token is not ours.
	if err := raw.Set(ctx, lockKey(testKey.ID()), "dead-owner", 700*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	c, _ := newTestCache(t, srv.URL(0, "lock_ttl=700ms"))
	var n atomic.Int32
	start := time.Now()
	e, _, err := c.GetOrFetch(ctx, testKey, counting("after-the-dead", time.Hour, &n))
	took := time.Since(start)
	if err != nil || e.Value != "after-the-dead" || n.Load() != 1 {
		t.Fatalf("%+v %v %d", e, err, n.Load())
	}
	if took < 500*time.Millisecond || took > 5*time.Second {
		t.Fatalf("took %v: should wait for the dead holder's lock (700ms), and not much longer", took)
	}
}

func TestUnlockOnlyByItsOwnerAndRenewWhileFetching(t *testing.T) {
	srv, raw := startRedis(t)
	ctx := context.Background()
	c, _ := newTestCache(t, srv.URL(0, "lock_ttl=300ms"))
	// A fetch slower than the lock's TTL keeps the lock (renewed), so a
	// second process does not fetch too. The lock expires by the Redis
	// server's clock, which no test clock moves: these sleeps outlast its
	// TTL in real time, and cannot be replaced by waiting on an event.
	var n atomic.Int32
	slow := func(context.Context) (string, time.Duration, error) {
		n.Add(1)
		time.Sleep(900 * time.Millisecond) // three lock TTLs
		return "slow-token", time.Hour, nil
	}
	done := make(chan error, 1)
	go func() { _, _, err := c.GetOrFetch(ctx, testKey, slow); done <- err }()
	time.Sleep(600 * time.Millisecond) // past two TTLs (server time)
	other, _ := newTestCache(t, srv.URL(0, "lock_ttl=300ms"))
	e, cached, err := other.GetOrFetch(ctx, testKey, slow)
	if err != nil || !cached || e.Value != "slow-token" || n.Load() != 1 {
		t.Fatalf("second process: %+v cached=%v err=%v fetches=%d", e, cached, err, n.Load())
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The owner check: a release by a process that no longer holds the
	// lock leaves the new holder's lock alone.
	raw.Set(ctx, lockKey("x"), "new-holder", time.Minute)
	c.unlock("x", "old-holder")
	if v, _ := raw.Get(ctx, lockKey("x")).Result(); v != "new-holder" {
		t.Fatalf("lock of the new holder was released by the old: %q", v)
	}
	c.unlock("x", "new-holder")
	if err := raw.Get(ctx, lockKey("x")).Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("owner's release left the lock: %v", err)
	}
}

func TestRedisRestartedMidRun(t *testing.T) {
	srv, _ := startRedis(t)
	c, w := newTestCache(t, srv.URL(0, "timeout=200ms"))
	clock := testutil.NewClock(time.Now())
	c.Now = clock.Now
	c.RetryAfter = time.Minute
	redisAsked := asked(c)
	ctx := context.Background()
	var n atomic.Int32
	k2 := testKey
	k2.Kind = "ticket:corp"
	if e, _, err := c.GetOrFetch(ctx, testKey, counting("t1", time.Hour, &n)); err != nil || e.Value != "t1" {
		t.Fatal(e, err)
	}
	srv.Stop()
	// Down: the local file cache serves, one warning.
	for range 3 {
		e, _, err := c.GetOrFetch(ctx, k2, counting("ticket-local", time.Hour, &n))
		if err != nil || e.Value != "ticket-local" {
			t.Fatal(e, err)
		}
	}
	srv.Restart() // empty: what was in Redis is gone
	// Up again, but within RetryAfter of the failure it is left alone.
	down := redisAsked.Load()
	clock.Advance(time.Minute - time.Second)
	if e, ok := c.Get(k2); !ok || e.Value != "ticket-local" {
		t.Fatalf("within RetryAfter the local cache serves: %+v %v", e, ok)
	}
	if again := redisAsked.Load() - down; again != 0 {
		t.Fatalf("Redis was asked %d commands within RetryAfter of its failure, want none", again)
	}
	clock.Advance(time.Second)
	e, cached, err := c.GetOrFetch(ctx, testKey, counting("t2", time.Hour, &n))
	if err != nil || cached || e.Value != "t2" {
		t.Fatalf("after the restart Redis is used again, empty: %+v cached=%v err=%v", e, cached, err)
	}
	e, cached, err = c.GetOrFetch(ctx, testKey, counting("t3", time.Hour, &n))
	if err != nil || !cached || e.Value != "t2" {
		t.Fatalf("then served from it: %+v %v %v", e, cached, err)
	}
	if n.Load() != 3 {
		t.Fatalf("%d fetches, want 3 (t1, the local ticket, t2)", n.Load())
	}
	if len(w.all()) != 1 {
		t.Fatalf("warnings %q, want exactly one", w.all())
	}
}

func TestListFindPurge(t *testing.T) {
	srv, _ := startRedis(t)
	c, _ := newTestCache(t, srv.URL(0, ""))
	ctx := context.Background()
	var n atomic.Int32
	mine := []tokencache.Key{testKey, {BaseURL: testKey.BaseURL, CorpID: testKey.CorpID, Secret: testKey.Secret, Kind: "ticket:agent", AgentID: "1000002"}}
	theirs := tokencache.Key{BaseURL: testKey.BaseURL, CorpID: testKey.CorpID, Secret: "other-app", Kind: "token"}
	for _, k := range append(mine, theirs) {
		if _, _, err := c.GetOrFetch(ctx, k, counting("v-"+k.Kind, time.Hour, &n)); err != nil {
			t.Fatal(err)
		}
	}
	m := tokencache.MatchSecret(testKey.BaseURL, testKey.CorpID, testKey.Secret, "")
	found, err := c.Find(m)
	if err != nil || len(found) != 2 || found[0].Kind != "ticket:agent" || found[1].Kind != "token" {
		t.Fatalf("find: %+v %v", found, err)
	}
	removed, err := c.Purge(m)
	if err != nil || removed != 2 {
		t.Fatalf("purge %d %v", removed, err)
	}
	all, _ := c.List()
	if len(all) != 1 || all[0].SecretFingerprint != tokencache.SecretFingerprint("other-app") {
		t.Fatalf("left: %+v", all)
	}
	if err := c.Delete(theirs); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get(theirs); ok {
		t.Fatal("deleted entry still served")
	}
}

func TestPassword(t *testing.T) {
	srv := redistest.Start(t, "--requirepass", "right-horse-battery")
	ok, w := newTestCache(t, "redis://:right-horse-battery@"+srv.Addr()+"/0")
	var n atomic.Int32
	if _, _, err := ok.GetOrFetch(context.Background(), testKey, counting("with-auth", time.Hour, &n)); err != nil {
		t.Fatal(err)
	}
	if e, ok := ok.Get(testKey); !ok || e.Value != "with-auth" || len(w.all()) != 0 {
		t.Fatalf("%+v %v %q", e, ok, w.all())
	}
	// A wrong password: one warning that names the server, never the
	// password, and the local cache serves.
	bad, w := newTestCache(t, "redis://:wrong-staple-guess@"+srv.Addr()+"/0")
	e, _, err := bad.GetOrFetch(context.Background(), testKey, counting("local", time.Hour, &n))
	if err != nil || e.Value != "local" {
		t.Fatalf("%+v %v", e, err)
	}
	ws := w.all()
	if len(ws) != 1 || strings.Contains(ws[0], "wrong-staple-guess") || !strings.Contains(ws[0], "redis://"+srv.Addr()+"/0") {
		t.Fatalf("warnings %q", ws)
	}
}

func TestTLS(t *testing.T) {
	srv, roots := redistest.StartTLS(t)
	cfg, err := ParseURL(srv.URL(0, ""))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Redis.TLSConfig == nil || cfg.Redis.TLSConfig.ServerName != "127.0.0.1" {
		t.Fatalf("rediss:// without TLS config: %+v", cfg.Redis.TLSConfig)
	}
	// Not trusted by the system's roots: refused, with the fallback.
	untrusted, w := newTestCache(t, srv.URL(0, ""))
	var n atomic.Int32
	if e, _, err := untrusted.GetOrFetch(context.Background(), testKey, counting("local", time.Hour, &n)); err != nil || e.Value != "local" {
		t.Fatalf("%+v %v", e, err)
	}
	if ws := w.all(); len(ws) != 1 || !strings.Contains(ws[0], "certificate") {
		t.Fatalf("an unverified server must be refused: %q", ws)
	}
	// Trusted: works over TLS.
	cfg.Redis.TLSConfig.RootCAs = roots
	c := New(cfg, nil)
	defer c.Close()
	tw := &warnings{}
	c.Warn = tw.add
	if _, _, err := c.GetOrFetch(context.Background(), testKey, counting("over-tls", time.Hour, &n)); err != nil {
		t.Fatal(err)
	}
	if e, ok := c.Get(testKey); !ok || e.Value != "over-tls" || len(tw.all()) != 0 {
		t.Fatalf("%+v %v %q", e, ok, tw.all())
	}
}

// sawHolder calls saw once, when c first finds another process's fetch
// lock held: from then on c waits on that holder.
func sawHolder(c *Cache, saw func()) {
	var once sync.Once
	c.client.AddHook(observer(func(cmds []redis.Cmder) {
		for _, cmd := range cmds {
			owner, ok := cmd.(*redis.StringCmd)
			if ok && cmd.Name() == "getrange" && strings.HasPrefix(fmt.Sprint(cmd.Args()[1]), keyPrefix+"lock:") && owner.Val() != "" {
				once.Do(saw)
			}
		}
	}))
}

// A wrong secret in a fleet: the holder's 40001 is handed to the processes
// that waited on it, not asked of WeCom by each in turn; an answer about
// the caller (60020, its IP) is not shared.
func TestCredentialFailuresAreSharedWithTheWaiters(t *testing.T) {
	srv, _ := startRedis(t)
	for _, tc := range []struct {
		code    int
		fetches int32
	}{{40001, 1}, {60020, 10}} {
		k := testKey
		k.Secret = fmt.Sprintf("secret-%d", tc.code)
		// The holder's fetch answers once the 9 others wait on its lock
		// (each has seen it held), however slowly they start.
		var waiting atomic.Int32
		allWaiting := make(chan struct{})
		var fetches atomic.Int32
		fetch := func(context.Context) (string, time.Duration, error) {
			fetches.Add(1)
			select {
			case <-allWaiting:
			case <-time.After(testutil.WaitTimeout):
				t.Errorf("errcode %d: only %d processes waited on the holder", tc.code, waiting.Load())
			}
			return "", 0, &wecom.APIError{Code: tc.code, Msg: "invalid credential, hint: [1], from ip: 10.0.0.9, more info at x", Path: "/cgi-bin/gettoken"}
		}
		var wg sync.WaitGroup
		errs := make([]error, 10)
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cfg, err := ParseURL(srv.URL(0, "")) // each its own: New sets up cfg.Redis
				if err != nil {
					t.Error(err)
					return
				}
				c := New(cfg, nil)
				defer c.Close()
				sawHolder(c, func() {
					if waiting.Add(1) == 9 {
						close(allWaiting)
					}
				})
				_, _, errs[i] = c.GetOrFetch(context.Background(), k, fetch)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			var apiErr *wecom.APIError
			if !errors.As(err, &apiErr) || apiErr.Code != tc.code || apiErr.Path != "/cgi-bin/gettoken" {
				t.Fatalf("errcode %d, process %d: %v", tc.code, i, err)
			}
		}
		if fetches.Load() != tc.fetches {
			t.Fatalf("errcode %d: %d fetches, want %d", tc.code, fetches.Load(), tc.fetches)
		}
		// A process that starts afterwards (the secret fixed, say) asks
		// WeCom itself.
		c, _ := newTestCache(t, srv.URL(0, ""))
		if e, _, err := c.GetOrFetch(context.Background(), k, counting("fixed", time.Hour, &fetches)); err != nil || e.Value != "fixed" {
			t.Fatalf("after the failure: %+v %v", e, err)
		}
	}
}
