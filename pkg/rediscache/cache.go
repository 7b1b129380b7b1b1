// Package rediscache is the token cache shared by a fleet: the
// tokencache.Store interface on Redis (WWCLI_CACHE_URL), so N machines on
// an empty cache make one gettoken and one ticket fetch between them.
//
// Single flight across machines: the process that finds no fresh entry
// takes a lock key (SET NX PX) holding a random owner token, renews it
// while it fetches, stores the value with the token's lifetime as its
// Redis expiry, and deletes the lock only if it still holds it (a Lua
// compare-and-delete). The others poll, bounded in time, and read what it
// stored. A holder that dies leaves a lock that expires after LockTTL; a
// holder whose fetch WeCom refused for its credentials (40001, ...) leaves
// that answer for the processes that waited on it.
//
// Redis is a convenience, never a source of truth: every call is bounded
// by OpTimeout, every value read is bounded by 64 KiB, and a wait for
// another process's lock by twice LockTTL; when Redis is slow, down or
// answers nonsense the cache warns once and serves from the local file
// cache (Local) instead, so a command never hangs on Redis. Entries are
// sealed (seal.go) with keys derived from the key's secret: a command
// never gets a token that is not one a holder of its secret fetched, and
// Redis holds no token in clear. Secrets never reach Redis: keys are
// tokencache.Key.ID() digests and entries hold only a secret fingerprint.
package rediscache

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/logging"

	"github.com/wwcli/wwcli/pkg/tokencache"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// keyPrefix starts every key wwcli writes. v3 entries are sealed; the
// unauthenticated v2 ones are never read, whoever wrote them.
const keyPrefix = "wwcli:tokens:v3:"

// maxList bounds how many keys List reads (auth status, logout).
const maxList = 10000

// DefaultRetryAfter is how long Redis is skipped after a failure before
// it is tried again (long-running servers such as the relay come back).
const DefaultRetryAfter = 30 * time.Second

// Cache is a tokencache.Store on Redis, in front of a local one.
type Cache struct {
	client *redis.Client
	where  string
	// Local serves when Redis cannot (and is purged with it); nil means
	// fetch without cache then.
	Local tokencache.Store
	// Now is the clock of everything the cache decides by time: whether
	// an entry is fresh, how long Redis is left alone after a failure
	// (RetryAfter), when a wait for another process's fetch gives up. A
	// test may move it. What Redis keeps (entry and lock TTLs) expires by
	// the server's clock, and a context's deadline by the real one.
	Now func() time.Time
	// Warn receives one message per Cache when Redis first fails, and
	// one per kind of trouble in what Redis holds (a foreign entry, a
	// lock without expiry, a lock that could not be released).
	Warn func(string)
	// OpTimeout bounds each Redis call; LockTTL is the fetch lock's
	// expiry; WaitTimeout bounds how long a process waits for another's
	// fetch (0: twice LockTTL); Poll is the wait between looks at the
	// entry.
	OpTimeout   time.Duration
	LockTTL     time.Duration
	WaitTimeout time.Duration
	Poll        time.Duration
	// RetryAfter is how long Redis is left alone after a failure.
	RetryAfter time.Duration

	mu        sync.Mutex
	warned    bool            // the Redis-failed warning (and the wait's)
	warnedOf  map[string]bool // the other warnings, once per kind
	downUntil time.Time
	// served is the value this process last handed out per key: a
	// Refetch (WeCom said it went stale) takes any other fresh value.
	served map[string]string
}

// New connects lazily to the server cfg names, with local as fallback.
func New(cfg Config, local tokencache.Store) *Cache {
	// go-redis logs dial failures to stderr by itself, through a logger of
	// its own package; this cache says what matters once, in its warning.
	redis.SetLogger(&logging.VoidLogger{})
	return &Cache{
		client: redis.NewClient(cfg.Redis), where: cfg.Where, Local: local, Now: time.Now,
		OpTimeout: cfg.OpTimeout, LockTTL: cfg.LockTTL, Poll: 20 * time.Millisecond,
		RetryAfter: DefaultRetryAfter,
	}
}

// Close closes the connections.
func (c *Cache) Close() error { return c.client.Close() }

// Where names the server (no credentials), for messages.
func (c *Cache) Where() string { return c.where }

var _ tokencache.Store = (*Cache)(nil)

func entryKey(id string) string { return keyPrefix + id }
func lockKey(id string) string  { return keyPrefix + "lock:" + id }
func failKey(id string) string  { return keyPrefix + "fail:" + id }

// sharedCodes are WeCom's answers about the credentials themselves: every
// process with the same key (corp + secret fingerprint) would get the
// same one, and WeCom may block an IP that keeps sending a wrong secret.
// A holder's fetch that meets one is handed to the processes that waited
// on it, rather than each asking WeCom in turn. Answers about the caller
// (60020, its IP) or the moment (45009, -1) are not shared.
var sharedCodes = map[int]bool{40001: true, 40013: true, 40091: true, 41002: true, 41004: true}

// failureTTL is how long a shared failure is kept: long enough for the
// waiters' next look, short enough that a fixed secret is tried soon.
const failureTTL = 5 * time.Second

// failure is a holder's failed fetch, for the processes waiting on it.
type failure struct {
	Owner string `json:"owner"` // the lock owner token of the holder
	Code  int    `json:"errcode"`
	Msg   string `json:"errmsg"`
	Path  string `json:"path"`
	MAC   []byte `json:"mac"` // sealer.failureMAC
}

// Warning kinds, each shown once per process.
const (
	warnForeign = "foreign"
	warnNoTTL   = "no-ttl"
	warnScript  = "script"
)

// Get returns a fresh entry for k from Redis, or from the local cache
// when Redis does not answer.
func (c *Cache) Get(k tokencache.Key) (tokencache.Entry, bool) {
	if !c.up() || k.Secret == "" {
		return c.localGet(k)
	}
	e, ok, err := c.read(context.Background(), k)
	if err != nil {
		c.fail(err)
		return c.localGet(k)
	}
	return e, ok
}

// GetOrFetch returns a fresh entry from Redis or fetches it once across
// every process sharing the server.
func (c *Cache) GetOrFetch(ctx context.Context, k tokencache.Key, fetch tokencache.Fetcher) (tokencache.Entry, bool, error) {
	return c.flight(ctx, k, fetch, time.Time{})
}

// Refetch fetches a new entry even when a fresh one is cached. When
// another process already replaced the value this one handed out (a whole
// fleet meeting 40014 at once), or fetched one while this one waited for
// the lock, that newer entry is used instead: one fetch for the fleet.
func (c *Cache) Refetch(ctx context.Context, k tokencache.Key, fetch tokencache.Fetcher) (tokencache.Entry, error) {
	e, _, err := c.flight(ctx, k, fetch, c.Now())
	return e, err
}

// flight is the distributed single flight. With newerThan zero any fresh
// entry is served; otherwise only one this process has not handed out,
// or (when it handed out none) one fetched after newerThan.
func (c *Cache) flight(ctx context.Context, k tokencache.Key, fetch tokencache.Fetcher, newerThan time.Time) (tokencache.Entry, bool, error) {
	e, cached, err := c.flightOnce(ctx, k, fetch, newerThan)
	if err == nil {
		c.mu.Lock()
		if c.served == nil {
			c.served = map[string]string{}
		}
		c.served[k.ID()] = e.Value
		c.mu.Unlock()
	}
	return e, cached, err
}

func (c *Cache) flightOnce(ctx context.Context, k tokencache.Key, fetch tokencache.Fetcher, newerThan time.Time) (tokencache.Entry, bool, error) {
	if !c.up() || k.Secret == "" { // no secret, no key to seal with: not shared
		return c.fallback(ctx, k, fetch, !newerThan.IsZero())
	}
	owner, err := ownerToken()
	if err != nil {
		return c.fallback(ctx, k, fetch, !newerThan.IsZero())
	}
	c.mu.Lock()
	handedOut, had := c.served[k.ID()]
	c.mu.Unlock()
	usable := func(e tokencache.Entry) bool {
		switch {
		case newerThan.IsZero():
			return true
		case had:
			return e.Value != handedOut
		default:
			return e.FetchedAt.After(newerThan)
		}
	}
	deadline := c.Now().Add(c.waitTimeout())
	waitedOn := map[string]bool{} // owners of the locks this process waited for
	for {
		e, ok, err := c.read(ctx, k)
		if err != nil {
			return c.failOver(ctx, err, k, fetch, !newerThan.IsZero())
		}
		if ok && usable(e) {
			return e, true, nil
		}
		if ferr := c.sharedFailure(ctx, k, waitedOn); ferr != nil {
			return tokencache.Entry{}, false, ferr
		}
		got, err := c.lock(ctx, k.ID(), owner)
		if err != nil {
			return c.failOver(ctx, err, k, fetch, !newerThan.IsZero())
		}
		if got {
			return c.fetchLocked(ctx, k, owner, fetch, usable, !newerThan.IsZero())
		}
		holder, ttl := c.lockState(ctx, k.ID())
		if holder != "" {
			waitedOn[holder] = true
		}
		if ttl == noExpiry {
			// wwcli always sets a lock with PX: one that never expires
			// would make every process wait its whole wait.
			c.breakLock(ctx, k.ID())
		}
		if c.Now().After(deadline) {
			c.warn(fmt.Sprintf("waited %s for another wwcli process's fetch through Redis at %s; using the local cache", c.waitTimeout(), c.where))
			return c.fallback(ctx, k, fetch, !newerThan.IsZero())
		}
		t := time.NewTimer(c.poll())
		select {
		case <-ctx.Done():
			t.Stop()
			return tokencache.Entry{}, false, ctx.Err()
		case <-t.C:
		}
	}
}

// fetchLocked runs with the lock held: look once more (the last holder
// may have stored and released between our read and our lock), fetch,
// store, release.
func (c *Cache) fetchLocked(ctx context.Context, k tokencache.Key, owner string, fetch tokencache.Fetcher, usable func(tokencache.Entry) bool, refetch bool) (tokencache.Entry, bool, error) {
	id := k.ID()
	stopRenew := c.renew(id, owner)
	defer func() {
		stopRenew()
		c.unlock(id, owner)
	}()
	e, ok, err := c.read(ctx, k)
	if err != nil {
		return c.failOver(ctx, err, k, fetch, refetch)
	}
	if ok && usable(e) {
		return e, true, nil
	}
	e, err = tokencache.NewEntry(ctx, k, c.Now(), fetch)
	if err != nil {
		c.shareFailure(ctx, k, owner, err)
		return tokencache.Entry{}, false, err
	}
	if err := c.write(ctx, k, e); err != nil {
		c.fail(err)
		c.keepLocally(ctx, k, e)
	}
	return e, false, nil
}

// read returns k's entry as Redis holds it. Its expiry is taken from the
// key's remaining TTL on the Redis server, so the clocks of the machines
// in a fleet need not agree. An entry k's secret did not seal is missing.
func (c *Cache) read(ctx context.Context, k tokencache.Key) (tokencache.Entry, bool, error) {
	s, err := newSealer(k.Secret)
	if err != nil {
		return tokencache.Entry{}, false, nil
	}
	octx, cancel := c.opContext(ctx)
	defer cancel()
	id := k.ID()
	var get *redis.StringCmd
	var ttl *redis.DurationCmd
	_, err = c.client.Pipelined(octx, func(p redis.Pipeliner) error {
		// GETRANGE reads at most maxEntry+1 bytes whatever the value's
		// size: one byte more than an entry may have tells it is too long.
		get = p.GetRange(octx, entryKey(id), 0, maxEntry)
		ttl = p.PTTL(octx, entryKey(id))
		return nil
	})
	if redis.HasErrorPrefix(get.Err(), "WRONGTYPE") {
		c.foreign(id, "it is not a string")
		return tokencache.Entry{}, false, nil
	}
	if err != nil {
		return tokencache.Entry{}, false, c.ctxErr(ctx, err)
	}
	if get.Val() == "" { // GETRANGE of a missing key
		return tokencache.Entry{}, false, nil
	}
	e, err := s.open(get.Val(), k)
	if err != nil {
		c.foreign(id, err.Error())
		return tokencache.Entry{}, false, nil
	}
	lifetime := e.ExpiresAt.Sub(e.FetchedAt)
	if left := ttl.Val(); left > 0 {
		// The sealed lifetime bounds what a PEXPIRE on the entry can add.
		left = min(left, lifetime)
		e.ExpiresAt = c.Now().Add(left).UTC()
		e.FetchedAt = e.ExpiresAt.Add(-lifetime)
	}
	if !e.FreshAt(c.Now()) {
		return e, false, nil
	}
	return e, true, nil
}

// foreign warns, once per process, about an entry that is not its key's.
func (c *Cache) foreign(id, reason string) {
	c.warnOnce(warnForeign, fmt.Sprintf("ignored the entry %s in the Redis token cache at %s (%s): whoever can write to that Redis "+
		"wrote it, or it is damaged; fetching a new one", entryKey(id), c.where, strings.TrimPrefix(reason, "foreign entry: ")))
}

// write stores e, sealed with k's secret, until it expires: Redis drops
// it then by itself.
func (c *Cache) write(ctx context.Context, k tokencache.Key, e tokencache.Entry) error {
	left := e.ExpiresAt.Sub(c.Now())
	if left <= 0 || !validValue(e.Value) {
		return nil // a value no reader would take is not shared
	}
	s, err := newSealer(k.Secret)
	if err != nil {
		return nil
	}
	b, err := s.seal(e)
	if err != nil {
		return err
	}
	octx, cancel := c.opContext(ctx)
	defer cancel()
	return c.ctxErr(ctx, c.client.Set(octx, entryKey(e.ID), b, left).Err())
}

// lock takes the fetch lock for id with owner as its value.
func (c *Cache) lock(ctx context.Context, id, owner string) (bool, error) {
	octx, cancel := c.opContext(ctx)
	defer cancel()
	ok, err := c.client.SetNX(octx, lockKey(id), owner, c.lockTTL()).Result()
	return ok, c.ctxErr(ctx, err)
}

// noExpiry is PTTL's answer for a key that exists and never expires.
const noExpiry = -1 * time.Nanosecond

// maxOwner bounds how much of a lock's value is read: wwcli's owner
// tokens are 32 hex digits.
const maxOwner = 64

// lockState is the owner token of id's lock ("" when none or unreadable)
// and its PTTL (noExpiry when it has none).
func (c *Cache) lockState(ctx context.Context, id string) (string, time.Duration) {
	octx, cancel := c.opContext(ctx)
	defer cancel()
	var get *redis.StringCmd
	var ttl *redis.DurationCmd
	_, _ = c.client.Pipelined(octx, func(p redis.Pipeliner) error {
		get = p.GetRange(octx, lockKey(id), 0, maxOwner-1)
		ttl = p.PTTL(octx, lockKey(id))
		return nil
	})
	if ttl.Err() != nil {
		return get.Val(), 0
	}
	return get.Val(), ttl.Val()
}

// breakLock deletes id's lock if it still has no expiry, and warns once.
// The check and the delete are one script, so a lock a wwcli process
// took in between is left alone. When the script cannot run, the wait's
// bound (twice LockTTL) still ends the wait.
func (c *Cache) breakLock(ctx context.Context, id string) {
	octx, cancel := c.opContext(ctx)
	defer cancel()
	n, err := breakScript.Run(octx, c.client, []string{lockKey(id)}).Int()
	if err != nil {
		if doneErr(ctx) == nil {
			c.scriptFailed("delete a fetch lock that never expires", err)
		}
		return
	}
	if n == 1 {
		c.warnOnce(warnNoTTL, fmt.Sprintf("deleted the fetch lock %s in the Redis token cache at %s: it had no expiry, "+
			"which wwcli never sets, so every process would have waited for it", lockKey(id), c.where))
	}
}

// shareFailure keeps a credentials answer of WeCom for the waiters.
func (c *Cache) shareFailure(ctx context.Context, k tokencache.Key, owner string, err error) {
	var apiErr *wecom.APIError
	if !errors.As(err, &apiErr) || !sharedCodes[apiErr.Code] || doneErr(ctx) != nil {
		return
	}
	s, serr := newSealer(k.Secret)
	if serr != nil {
		return
	}
	id := k.ID()
	f := failure{Owner: owner, Code: apiErr.Code, Msg: apiErr.Msg, Path: apiErr.Path}
	f.MAC = s.failureMAC(id, f)
	b, jerr := json.Marshal(f)
	if jerr != nil {
		return
	}
	octx, cancel := c.opContext(ctx)
	defer cancel()
	_ = c.client.Set(octx, failKey(id), b, failureTTL).Err() // lost: each waiter asks WeCom itself
}

// sharedFailure is the answer of a holder this process waited on, if its
// fetch failed with one of sharedCodes and k's secret sealed it.
func (c *Cache) sharedFailure(ctx context.Context, k tokencache.Key, waitedOn map[string]bool) error {
	if len(waitedOn) == 0 {
		return nil
	}
	s, err := newSealer(k.Secret)
	if err != nil {
		return nil
	}
	id := k.ID()
	octx, cancel := c.opContext(ctx)
	defer cancel()
	raw, err := c.client.GetRange(octx, failKey(id), 0, maxEntry).Result()
	if err != nil || raw == "" || len(raw) > maxEntry {
		return nil // none, or Redis trouble the next call meets
	}
	var f failure
	if json.Unmarshal([]byte(raw), &f) != nil || !waitedOn[f.Owner] || !sharedCodes[f.Code] ||
		!hmac.Equal(f.MAC, s.failureMAC(id, f)) {
		return nil
	}
	return &wecom.APIError{Code: f.Code, Msg: f.Msg, Path: f.Path}
}

// The lock is released or renewed only by its owner: a holder that was
// paused past the expiry must not delete the lock of the next one.
var (
	unlockScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0`)
	renewScript  = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) end return 0`)
	// breakScript deletes a lock only while it has no expiry.
	breakScript = redis.NewScript(`if redis.call("pttl", KEYS[1]) == -1 then return redis.call("del", KEYS[1]) end return 0`)
)

func (c *Cache) unlock(id, owner string) {
	ctx, cancel := context.WithTimeout(context.Background(), c.opTimeout())
	defer cancel()
	// A failure leaves a lock that expires after LockTTL; say so, as the
	// other processes wait for it meanwhile.
	if err := unlockScript.Run(ctx, c.client, []string{lockKey(id)}, owner).Err(); err != nil {
		c.scriptFailed("release its fetch lock", err)
	}
}

// scriptFailed warns, once per process, that a lock script failed; a
// NOPERM names what the Redis user lacks. A Redis that does not answer
// is the usual failure, with its one warning.
func (c *Cache) scriptFailed(what string, err error) {
	var reply redis.Error
	if !errors.As(err, &reply) {
		c.fail(err)
		return
	}
	if redis.HasErrorPrefix(err, "NOPERM") {
		c.warnOnce(warnScript, fmt.Sprintf("wwcli could not %s in the Redis token cache at %s: the Redis user may not run "+
			"EVALSHA/EVAL or a command its script calls (%v); the lock stays until it expires after %s and other wwcli "+
			"processes wait for it meanwhile; grant the commands docs/fleet.md lists", what, c.where, err, c.lockTTL()))
		return
	}
	c.warnOnce(warnScript, fmt.Sprintf("wwcli could not %s in the Redis token cache at %s (%v); the lock stays until it "+
		"expires after %s", what, c.where, err, c.lockTTL()))
}

// renew extends the lock every third of its TTL while the fetch runs, so
// a slow WeCom answer does not let a second process fetch as well; the
// returned func stops it.
func (c *Cache) renew(id, owner string) func() {
	done := make(chan struct{})
	finished := make(chan struct{})
	ttl := c.lockTTL()
	go func() {
		defer close(finished)
		tick := time.NewTicker(ttl / 3)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				ctx, cancel := context.WithTimeout(context.Background(), c.opTimeout())
				if err := renewScript.Run(ctx, c.client, []string{lockKey(id)}, owner, ttl.Milliseconds()).Err(); err != nil {
					c.scriptFailed("renew its fetch lock", err)
				}
				cancel()
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// Delete drops k's entry from Redis and from the local cache.
func (c *Cache) Delete(k tokencache.Key) error {
	var err error
	if c.up() {
		ctx, cancel := context.WithTimeout(context.Background(), c.opTimeout())
		err = c.client.Del(ctx, entryKey(k.ID())).Err()
		cancel()
		if err != nil {
			c.fail(err)
		}
	}
	if c.Local != nil {
		if lerr := c.Local.Delete(k); lerr != nil {
			return lerr
		}
	}
	return err
}

// List returns the entries Redis holds (or the local ones when Redis does
// not answer).
func (c *Cache) List() ([]tokencache.Entry, error) {
	if !c.up() {
		return c.localList()
	}
	out, err := c.list(context.Background())
	if err != nil {
		c.fail(err)
		return c.localList()
	}
	return out, nil
}

func (c *Cache) list(ctx context.Context) ([]tokencache.Entry, error) {
	var keys []string
	var cursor uint64
	for range maxList / 100 {
		octx, cancel := c.opContext(ctx)
		batch, next, err := c.client.Scan(octx, cursor, keyPrefix+"*", 100).Result()
		cancel()
		if err != nil {
			return nil, err
		}
		for _, key := range batch {
			if len(key) == len(keyPrefix)+40 { // entries, not locks
				keys = append(keys, key)
			}
		}
		cursor = next
		if cursor == 0 || len(keys) >= maxList {
			break
		}
	}
	var out []tokencache.Entry
	for len(keys) > 0 {
		n := min(len(keys), 100)
		octx, cancel := c.opContext(ctx)
		// Bounded reads, as in read: MGET would take each value whole.
		cmds := make([]*redis.StringCmd, n)
		_, err := c.client.Pipelined(octx, func(p redis.Pipeliner) error {
			for i, key := range keys[:n] {
				cmds[i] = p.GetRange(octx, key, 0, maxEntry)
			}
			return nil
		})
		cancel()
		for i, cmd := range cmds {
			if err := cmd.Err(); err != nil {
				if redis.HasErrorPrefix(err, "WRONGTYPE") {
					continue
				}
				return nil, err
			}
			if e, ok := listed(cmd.Val(), keys[i]); ok {
				out = append(out, e)
			}
		}
		if err != nil && !redis.HasErrorPrefix(err, "WRONGTYPE") {
			return nil, err
		}
		keys = keys[n:]
	}
	return out, nil
}

// listed is the entry raw describes, for List: without the secret its
// MAC cannot be checked nor its value opened, so it says only which app,
// kind and expiry the entry claims (what `auth status` shows, and what
// `auth logout` matches to delete it). The value stays empty.
func listed(raw, key string) (tokencache.Entry, bool) {
	var r record
	if len(raw) > maxEntry || json.Unmarshal([]byte(raw), &r) != nil || r.Format != entryFormat ||
		entryKey(r.ID) != key || len(r.MAC) == 0 {
		return tokencache.Entry{}, false
	}
	e := entryFor(tokencache.Key{BaseURL: r.BaseURL, CorpID: r.CorpID, Kind: r.Kind, AgentID: r.AgentID}, "", r.FetchedAt, r.ExpiresAt)
	e.ID, e.SecretFingerprint = r.ID, r.SecretFingerprint
	return e, true
}

// Find returns the entries m matches, from Redis (or locally).
func (c *Cache) Find(m tokencache.Match) ([]tokencache.Entry, error) {
	entries, err := c.List()
	if err != nil {
		return nil, err
	}
	var out []tokencache.Entry
	for _, e := range entries {
		if m.Matches(e) {
			out = append(out, e)
		}
	}
	tokencache.SortEntries(out)
	return out, nil
}

// Purge removes the entries m matches from Redis and from the local
// cache, and returns how many distinct entries it removed.
func (c *Cache) Purge(m tokencache.Match) (int, error) {
	removed := map[string]bool{}
	var firstErr error
	if c.Local != nil {
		local, _ := c.Local.Find(m)
		for _, e := range local {
			removed[e.ID] = true
		}
		if _, err := c.Local.Purge(m); err != nil {
			firstErr = err
		}
	}
	if c.up() {
		entries, err := c.list(context.Background())
		if err != nil {
			c.fail(err)
			return len(removed), firstErr
		}
		for _, e := range entries {
			if !m.Matches(e) {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), c.opTimeout())
			err := c.client.Del(ctx, entryKey(e.ID)).Err()
			cancel()
			if err != nil {
				c.fail(err)
				break
			}
			removed[e.ID] = true
		}
	}
	return len(removed), firstErr
}

// Ping checks that Redis answers within OpTimeout.
func (c *Cache) Ping(ctx context.Context) error {
	octx, cancel := c.opContext(ctx)
	defer cancel()
	return c.client.Ping(octx).Err()
}

// failOver reports a Redis failure and serves from the local cache; an
// interrupted command stays interrupted.
func (c *Cache) failOver(ctx context.Context, err error, k tokencache.Key, fetch tokencache.Fetcher, refetch bool) (tokencache.Entry, bool, error) {
	if cerr := doneErr(ctx); cerr != nil {
		return tokencache.Entry{}, false, cerr
	}
	c.fail(err)
	return c.fallback(ctx, k, fetch, refetch)
}

func (c *Cache) fallback(ctx context.Context, k tokencache.Key, fetch tokencache.Fetcher, refetch bool) (tokencache.Entry, bool, error) {
	switch {
	case c.Local == nil:
		e, err := tokencache.NewEntry(ctx, k, c.Now(), fetch)
		return e, false, err
	case refetch:
		e, err := c.Local.Refetch(ctx, k, fetch)
		return e, false, err
	default:
		return c.Local.GetOrFetch(ctx, k, fetch)
	}
}

// keepLocally puts an entry Redis would not take into the local cache,
// so the next command on this machine need not fetch again.
func (c *Cache) keepLocally(ctx context.Context, k tokencache.Key, e tokencache.Entry) {
	if c.Local == nil {
		return
	}
	left := e.ExpiresAt.Sub(c.Now())
	_, _ = c.Local.Refetch(ctx, k, func(context.Context) (string, time.Duration, error) { return e.Value, left, nil })
}

func (c *Cache) localGet(k tokencache.Key) (tokencache.Entry, bool) {
	if c.Local == nil {
		return tokencache.Entry{}, false
	}
	return c.Local.Get(k)
}

func (c *Cache) localList() ([]tokencache.Entry, error) {
	if c.Local == nil {
		return nil, nil
	}
	return c.Local.List()
}

// up says whether Redis is worth asking: not within RetryAfter of a
// failure.
func (c *Cache) up() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.Now().Before(c.downUntil)
}

// fail marks Redis down for a while and warns, once per Cache.
func (c *Cache) fail(err error) {
	c.mu.Lock()
	c.downUntil = c.Now().Add(c.RetryAfter)
	first := !c.warned
	c.warned = true
	c.mu.Unlock()
	switch {
	case !first:
	case redis.HasErrorPrefix(err, "NOPERM"):
		c.warnf("the Redis token cache at %s refused a command (%v): the Redis user lacks a command docs/fleet.md lists; "+
			"using the local cache", c.where, err)
	default:
		c.warnf("the Redis token cache at %s did not answer (%v); using the local cache", c.where, describe(err))
	}
}

// warnOnce shows msg unless a warning of its kind was shown already.
func (c *Cache) warnOnce(kind, msg string) {
	c.mu.Lock()
	first := !c.warnedOf[kind]
	if c.warnedOf == nil {
		c.warnedOf = map[string]bool{}
	}
	c.warnedOf[kind] = true
	c.mu.Unlock()
	if first && c.Warn != nil {
		c.Warn(msg)
	}
}

func (c *Cache) warn(msg string) {
	c.mu.Lock()
	first := !c.warned
	c.warned = true
	c.mu.Unlock()
	if first && c.Warn != nil {
		c.Warn(msg)
	}
}

func (c *Cache) warnf(format string, a ...any) {
	if c.Warn != nil {
		c.Warn(fmt.Sprintf(format, a...))
	}
}

// describe shortens the usual failures; go-redis errors carry no
// password.
func describe(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer within the timeout"
	default:
		return err.Error()
	}
}

// opContext bounds one Redis call, inside the command's own context.
func (c *Cache) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.opTimeout())
}

// ctxErr keeps a Redis failure a Redis failure, and the command's own
// cancellation its cancellation.
func (c *Cache) ctxErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if cerr := doneErr(ctx); cerr != nil {
		return cerr
	}
	return err
}

// doneErr is ctx's error, or DeadlineExceeded once its deadline passed: a
// socket deadline set from it can fire a moment before ctx says so. The
// deadline is on the real clock (the context package sets it), not c.Now.
func doneErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

func (c *Cache) opTimeout() time.Duration {
	if c.OpTimeout > 0 {
		return c.OpTimeout
	}
	return DefaultOpTimeout
}

func (c *Cache) lockTTL() time.Duration {
	if c.LockTTL > 0 {
		return c.LockTTL
	}
	return DefaultLockTTL
}

// waitTimeout is how long a process waits for another's fetch: long
// enough to outlast a dead holder's lock (LockTTL), bounded so that a
// lock a hostile Redis keeps alive costs at most this much per command.
func (c *Cache) waitTimeout() time.Duration {
	if c.WaitTimeout > 0 {
		return c.WaitTimeout
	}
	return 2 * c.lockTTL()
}

func (c *Cache) poll() time.Duration {
	if c.Poll > 0 {
		return c.Poll
	}
	return 20 * time.Millisecond
}

// ownerToken is the lock's value: random, so only its taker can free it.
func ownerToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
