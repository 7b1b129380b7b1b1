//go:build redis

package rediscache

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/tokencache"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// What someone who can write to Redis, but holds no secret, can do to the
// fleet (audit N2 and N8): never choose a value, and cost a bounded time
// and memory.

func warningsWith(ws []string, part string) int {
	n := 0
	for _, w := range ws {
		if strings.Contains(w, part) {
			n++
		}
	}
	return n
}

// The audit's N2 repro: copy the entry's fields, put the attacker's value
// in; also an entry sealed with a guessed secret, and the old v2 format.
func TestPoisonedEntriesAreNotServedAndAreReplaced(t *testing.T) {
	srv, raw := startRedis(t)
	ctx := context.Background()
	ticketKey := testKey
	ticketKey.Kind = "ticket:corp"
	first, _ := newTestCache(t, srv.URL(0, ""))
	var n atomic.Int32
	for _, k := range []tokencache.Key{testKey, ticketKey} {
		if _, _, err := first.GetOrFetch(ctx, k, counting("genuine-"+strings.ReplaceAll(k.Kind, ":", "-"), 2*time.Hour, &n)); err != nil {
			t.Fatal(err)
		}
	}
	guess := testKey
	guess.Secret = "a-guess-at-the-secret"
	gs, _ := newSealer(guess.Secret)
	for _, k := range []tokencache.Key{testKey, ticketKey} {
		key := entryKey(k.ID())
		val, err := raw.Get(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		left, _ := raw.PTTL(ctx, key).Result()
		var m map[string]any
		if err := json.Unmarshal([]byte(val), &m); err != nil {
			t.Fatal(err)
		}
		var forged map[string]any
		b, _ := gs.seal(entryFor(k, "ATTACKER-CHOSEN-"+k.Kind, time.Now(), time.Now().Add(2*time.Hour)))
		_ = json.Unmarshal(b, &forged)
		if k.Kind == "token" {
			m["value"] = "ATTACKER-CHOSEN-" + k.Kind // the audit's edit
		} else {
			m["sealed"], m["nonce"] = forged["sealed"], forged["nonce"]
		}
		b, _ = json.Marshal(m)
		if err := raw.Set(ctx, key, b, left).Err(); err != nil {
			t.Fatal(err)
		}
		// A v2 entry as wwcli used to store it: never read any more.
		old := `{"version":2,"id":"` + k.ID() + `","corp_id":"wwcorp","kind":"` + k.Kind + `","base_url":"` + k.BaseURL +
			`","secret_fingerprint":"` + tokencache.SecretFingerprint(k.Secret) + `","value":"ATTACKER-v2"}`
		if err := raw.Set(ctx, "wwcli:tokens:v2:"+k.ID(), old, time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
	}
	// Another process of the fleet.
	c, w := newTestCache(t, srv.URL(0, ""))
	for _, k := range []tokencache.Key{testKey, ticketKey} {
		if e, ok := c.Get(k); ok {
			t.Fatalf("Get served the poisoned %s: %q", k.Kind, e.Value)
		}
		want := "refetched-" + strings.ReplaceAll(k.Kind, ":", "-")
		e, cached, err := c.GetOrFetch(ctx, k, counting(want, 2*time.Hour, &n))
		if err != nil || cached || e.Value != want {
			t.Fatalf("%s: %+v cached=%v err=%v", k.Kind, e, cached, err)
		}
		// Replaced in Redis: the first process now reads the new value.
		if e, ok := first.Get(k); !ok || e.Value != want {
			t.Fatalf("%s in Redis afterwards: %+v %v", k.Kind, e, ok)
		}
	}
	ws := w.all()
	if len(ws) != 1 || warningsWith(ws, "ignored the entry "+entryKey(testKey.ID())) != 1 ||
		warningsWith(ws, "not a wwcli entry") != 1 || warningsWith(ws, srv.URL(0, "")) != 1 {
		t.Fatalf("warnings %q, want one (per process) naming the entry and the server", ws)
	}
}

// A genuine entry of the same app copied under another key's name (the
// ticket under the token's): its MAC is right, yet it is not served.
func TestGenuineEntryUnderAnotherKeyIsForeign(t *testing.T) {
	srv, raw := startRedis(t)
	ctx := context.Background()
	c, w := newTestCache(t, srv.URL(0, ""))
	ticketKey := testKey
	ticketKey.Kind = "ticket:corp"
	var n atomic.Int32
	if _, _, err := c.GetOrFetch(ctx, ticketKey, counting("the-ticket", time.Hour, &n)); err != nil {
		t.Fatal(err)
	}
	val, _ := raw.Get(ctx, entryKey(ticketKey.ID())).Result()
	raw.Set(ctx, entryKey(testKey.ID()), val, time.Hour)
	e, _, err := c.GetOrFetch(ctx, testKey, counting("the-token", time.Hour, &n))
	if err != nil || e.Value != "the-token" {
		t.Fatalf("%+v %v", e, err)
	}
	if ws := w.all(); len(ws) != 1 || warningsWith(ws, "belongs to another key") != 1 {
		t.Fatalf("warnings %q", ws)
	}
}

// A Redis writer can read a lock's owner token; it still cannot make the
// processes waiting on that lock exit with a WeCom error it wrote.
func TestForgedSharedFailureIsIgnored(t *testing.T) {
	srv, raw := startRedis(t)
	ctx := context.Background()
	id := testKey.ID()
	raw.Set(ctx, lockKey(id), "holder-x", 400*time.Millisecond)
	raw.Set(ctx, failKey(id), `{"owner":"holder-x","errcode":40001,"errmsg":"forged","path":"/cgi-bin/gettoken"}`, 5*time.Second)
	c, _ := newTestCache(t, srv.URL(0, "lock_ttl=400ms"))
	var n atomic.Int32
	e, _, err := c.GetOrFetch(ctx, testKey, counting("after-the-lock", time.Hour, &n))
	var apiErr *wecom.APIError
	if errors.As(err, &apiErr) || err != nil || e.Value != "after-the-lock" || n.Load() != 1 {
		t.Fatalf("%+v err=%v fetches=%d", e, err, n.Load())
	}
}

// N8: a lock key without expiry made every command wait 30 s.
func TestLockWithoutExpiryIsDeletedAtOnce(t *testing.T) {
	srv, raw := startRedis(t)
	ctx := context.Background()
	ticketKey := testKey
	ticketKey.Kind = "ticket:corp"
	for _, k := range []tokencache.Key{testKey, ticketKey} {
		if err := raw.Set(ctx, lockKey(k.ID()), "stolen-forever", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	c, w := newTestCache(t, srv.URL(0, "lock_ttl=5s"))
	var n atomic.Int32
	for _, k := range []tokencache.Key{testKey, ticketKey} {
		start := time.Now()
		e, cached, err := c.GetOrFetch(ctx, k, counting("own-"+k.Kind, time.Hour, &n))
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("%s took %v: a lock without expiry must not be waited for (lock_ttl 5s)", k.Kind, took)
		}
		if err != nil || cached || e.Value != "own-"+k.Kind {
			t.Fatalf("%+v %v %v", e, cached, err)
		}
		if left, _ := raw.PTTL(ctx, lockKey(k.ID())).Result(); left != -2*time.Nanosecond {
			t.Fatalf("the lock is still there (PTTL %v)", left)
		}
	}
	if ws := w.all(); len(ws) != 1 || warningsWith(ws, "had no expiry") != 1 || warningsWith(ws, lockKey(testKey.ID())) != 1 {
		t.Fatalf("warnings %q, want one per process", ws)
	}
	// A lock with an expiry is another process's: left alone.
	raw.Set(ctx, lockKey("other"), "someone", time.Minute)
	c.breakLock(ctx, "other")
	if v, _ := raw.Get(ctx, lockKey("other")).Result(); v != "someone" {
		t.Fatalf("a lock with an expiry was deleted: %q", v)
	}
}

// N8: a lock a hostile Redis keeps (a long TTL) costs at most twice
// LockTTL per command, then the local cache serves.
func TestWaitForALockIsBoundedByTwiceLockTTL(t *testing.T) {
	srv, raw := startRedis(t)
	ctx := context.Background()
	raw.Set(ctx, lockKey(testKey.ID()), "held-for-an-hour", time.Hour)
	c, w := newTestCache(t, srv.URL(0, "lock_ttl=250ms"))
	var n atomic.Int32
	start := time.Now()
	e, cached, err := c.GetOrFetch(ctx, testKey, counting("local", time.Hour, &n))
	took := time.Since(start)
	if err != nil || cached || e.Value != "local" || n.Load() != 1 {
		t.Fatalf("%+v %v %v %d", e, cached, err, n.Load())
	}
	if took < 500*time.Millisecond || took > 3*time.Second {
		t.Fatalf("waited %v, want about 2 x lock_ttl (500ms)", took)
	}
	if ws := w.all(); len(ws) != 1 || warningsWith(ws, "waited 500ms for another wwcli process's fetch") != 1 {
		t.Fatalf("warnings %q", ws)
	}
	if left, _ := raw.PTTL(ctx, lockKey(testKey.ID())).Result(); left < time.Minute {
		t.Fatalf("a lock with an expiry was touched: PTTL %v", left)
	}
}

// allocated is how many bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// N8: a 100 MB value once cost 427 MB of memory. Entries, locks and
// failures are read 64 KiB at most, whatever Redis holds.
func TestHugeValuesAreNeverReadWhole(t *testing.T) {
	srv, raw := startRedis(t)
	ctx := context.Background()
	const huge = 32 << 20
	big := strings.Repeat("x", huge)
	const bound = 4 << 20
	id := testKey.ID()
	other := strings.Repeat("0", 40)
	raw.Set(ctx, entryKey(id), big, time.Hour)
	raw.Set(ctx, entryKey(other), big, time.Hour)
	c, w := newTestCache(t, srv.URL(0, "lock_ttl=300ms"))
	var n atomic.Int32
	var e tokencache.Entry
	var err error
	if got := allocated(func() { e, _, err = c.GetOrFetch(ctx, testKey, counting("own", time.Hour, &n)) }); got > bound {
		t.Fatalf("reading a %d-byte entry allocated %d bytes", huge, got)
	}
	if err != nil || e.Value != "own" {
		t.Fatalf("%+v %v", e, err)
	}
	if ws := w.all(); len(ws) != 1 || warningsWith(ws, "longer than 64 KiB") != 1 {
		t.Fatalf("warnings %q", ws)
	}
	if l, _ := raw.StrLen(ctx, entryKey(id)).Result(); l > 1024 {
		t.Fatalf("the huge entry was not replaced: %d bytes", l)
	}
	var listed []tokencache.Entry
	if got := allocated(func() { listed, err = c.List() }); got > bound {
		t.Fatalf("List allocated %d bytes", got)
	}
	if err != nil || len(listed) != 1 || listed[0].ID != id || listed[0].Value != "" {
		t.Fatalf("List: %+v %v", listed, err)
	}
	// A huge lock owner and a huge failure, read while waiting.
	ticketKey := testKey
	ticketKey.Kind = "ticket:corp"
	raw.Set(ctx, lockKey(ticketKey.ID()), big, 300*time.Millisecond)
	raw.Set(ctx, failKey(ticketKey.ID()), big, 5*time.Second)
	if got := allocated(func() { e, _, err = c.GetOrFetch(ctx, ticketKey, counting("ticket", time.Hour, &n)) }); got > bound {
		t.Fatalf("waiting on a huge lock allocated %d bytes", got)
	}
	if err != nil || e.Value != "ticket" {
		t.Fatalf("%+v %v", e, err)
	}
}

// A hash (or any non-string) under the key is foreign, not a Redis that
// does not answer: the entry is replaced and Redis stays in use.
func TestWrongTypeUnderTheKeyIsReplaced(t *testing.T) {
	srv, raw := startRedis(t)
	ctx := context.Background()
	raw.HSet(ctx, entryKey(testKey.ID()), "value", "ATTACKER")
	c, w := newTestCache(t, srv.URL(0, ""))
	var n atomic.Int32
	if e, _, err := c.GetOrFetch(ctx, testKey, counting("own", time.Hour, &n)); err != nil || e.Value != "own" {
		t.Fatalf("%+v %v", e, err)
	}
	other, _ := newTestCache(t, srv.URL(0, ""))
	if e, ok := other.Get(testKey); !ok || e.Value != "own" {
		t.Fatalf("the entry was not stored in Redis: %+v %v", e, ok)
	}
	if ws := w.all(); len(ws) != 1 || warningsWith(ws, "not a string") != 1 {
		t.Fatalf("warnings %q", ws)
	}
}

// A PEXPIRE on a genuine entry cannot make a token live longer than
// WeCom said it would.
func TestRedisTTLCannotStretchTheSealedLifetime(t *testing.T) {
	srv, raw := startRedis(t)
	ctx := context.Background()
	c, _ := newTestCache(t, srv.URL(0, ""))
	var n atomic.Int32
	if _, _, err := c.GetOrFetch(ctx, testKey, counting("tok", time.Hour, &n)); err != nil {
		t.Fatal(err)
	}
	raw.PExpire(ctx, entryKey(testKey.ID()), 10*time.Hour)
	e, ok := c.Get(testKey)
	if !ok || e.ExpiresIn(time.Now()) > time.Hour {
		t.Fatalf("served %+v %v, expiring in %v", e, ok, e.ExpiresIn(time.Now()))
	}
}

// A value no reader would accept (control bytes) is not shared.
func TestValueThatIsNotATokenIsNotStored(t *testing.T) {
	srv, raw := startRedis(t)
	ctx := context.Background()
	c, _ := newTestCache(t, srv.URL(0, ""))
	var n atomic.Int32
	if _, _, err := c.GetOrFetch(ctx, testKey, counting("esc\x1b[2J", time.Hour, &n)); err != nil {
		t.Fatal(err)
	}
	if k, _ := raw.Exists(ctx, entryKey(testKey.ID())).Result(); k != 0 {
		t.Fatal("stored a value every reader refuses")
	}
}

// Redis gone while the holder fetches: its write and its lock release
// both fail, with one warning between them (the lock scripts' own
// warning is for a Redis that answers with an error).
func TestRedisGoneMidFetchWarnsOnce(t *testing.T) {
	srv, _ := startRedis(t)
	c, w := newTestCache(t, srv.URL(0, "timeout=200ms"))
	fetch := func(context.Context) (string, time.Duration, error) {
		srv.Stop()
		return "fetched-as-redis-died", time.Hour, nil
	}
	e, _, err := c.GetOrFetch(context.Background(), testKey, fetch)
	if err != nil || e.Value != "fetched-as-redis-died" {
		t.Fatalf("%+v %v", e, err)
	}
	if ws := w.all(); len(ws) != 1 || warningsWith(ws, "did not answer") != 1 {
		t.Fatalf("warnings %q, want one", ws)
	}
	// Kept in the local cache.
	if e, ok := c.Local.Get(testKey); !ok || e.Value != "fetched-as-redis-died" {
		t.Fatalf("local: %+v %v", e, ok)
	}
}
