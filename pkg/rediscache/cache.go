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
// by OpTimeout; when Redis is slow, down or answers nonsense the cache
// warns once and serves from the local file cache (Local) instead, so a
// command never hangs on Redis and never gets a token that is not the
// one WeCom handed out for its key. Secrets never reach Redis: keys are
// tokencache.Key.ID() digests and entries hold only a secret fingerprint.
package rediscache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/logging"

	"github.com/wwcli/wwcli/pkg/tokencache"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// keyPrefix starts every key wwcli writes; "v2" follows the file cache's
// entry format version.
const keyPrefix = "wwcli:tokens:v2:"

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
	Now   func() time.Time
	// Warn receives one message per Cache when Redis first fails.
	Warn func(string)
	// OpTimeout bounds each Redis call; LockTTL is the fetch lock's
	// expiry; WaitTimeout bounds how long a process waits for another's
	// fetch; Poll is the wait between looks at the entry.
	OpTimeout   time.Duration
	LockTTL     time.Duration
	WaitTimeout time.Duration
	Poll        time.Duration
	// RetryAfter is how long Redis is left alone after a failure.
	RetryAfter time.Duration

	mu        sync.Mutex
	warned    bool
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
		OpTimeout: cfg.OpTimeout, LockTTL: cfg.LockTTL, WaitTimeout: 30 * time.Second, Poll: 20 * time.Millisecond,
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
}

// errForeign is an entry under k's key that is not k's (another format,
// or bytes that are not an entry): treated as missing, never served.
var errForeign = errors.New("foreign entry")

// Get returns a fresh entry for k from Redis, or from the local cache
// when Redis does not answer.
func (c *Cache) Get(k tokencache.Key) (tokencache.Entry, bool) {
	if !c.up() {
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
	if !c.up() {
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
	deadline := time.Now().Add(c.waitTimeout())
	waitedOn := map[string]bool{} // owners of the locks this process waited for
	for {
		e, ok, err := c.read(ctx, k)
		if err != nil {
			return c.failOver(ctx, err, k, fetch, !newerThan.IsZero())
		}
		if ok && usable(e) {
			return e, true, nil
		}
		if ferr := c.sharedFailure(ctx, k.ID(), waitedOn); ferr != nil {
			return tokencache.Entry{}, false, ferr
		}
		got, err := c.lock(ctx, k.ID(), owner)
		if err != nil {
			return c.failOver(ctx, err, k, fetch, !newerThan.IsZero())
		}
		if got {
			return c.fetchLocked(ctx, k, owner, fetch, usable, !newerThan.IsZero())
		}
		if holder := c.lockOwner(ctx, k.ID()); holder != "" {
			waitedOn[holder] = true
		}
		if time.Now().After(deadline) {
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
		c.shareFailure(ctx, id, owner, err)
		return tokencache.Entry{}, false, err
	}
	if err := c.write(ctx, e); err != nil {
		c.fail(err)
		c.keepLocally(ctx, k, e)
	}
	return e, false, nil
}

// read returns k's entry as Redis holds it. Its expiry is taken from the
// key's remaining TTL on the Redis server, so the clocks of the machines
// in a fleet need not agree.
func (c *Cache) read(ctx context.Context, k tokencache.Key) (tokencache.Entry, bool, error) {
	octx, cancel := c.opContext(ctx)
	defer cancel()
	id := k.ID()
	var get *redis.StringCmd
	var ttl *redis.DurationCmd
	_, err := c.client.Pipelined(octx, func(p redis.Pipeliner) error {
		get = p.Get(octx, entryKey(id))
		ttl = p.PTTL(octx, entryKey(id))
		return nil
	})
	if errors.Is(err, redis.Nil) {
		return tokencache.Entry{}, false, nil
	}
	if err != nil {
		return tokencache.Entry{}, false, c.ctxErr(ctx, err)
	}
	e, err := decode(get.Val(), k)
	if err != nil {
		return tokencache.Entry{}, false, nil
	}
	if left := ttl.Val(); left > 0 {
		lifetime := e.ExpiresAt.Sub(e.FetchedAt)
		e.ExpiresAt = c.Now().Add(left).UTC()
		e.FetchedAt = e.ExpiresAt.Add(-lifetime)
	}
	if !e.FreshAt(c.Now()) {
		return e, false, nil
	}
	return e, true, nil
}

// decode accepts only an entry of k's own: same digest, corp, kind,
// agent and secret fingerprint. Anything else is another key's value.
func decode(raw string, k tokencache.Key) (tokencache.Entry, error) {
	var e tokencache.Entry
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		return e, errForeign
	}
	if e.ID != k.ID() || e.CorpID != k.CorpID || e.Kind != k.Kind || e.AgentID != k.AgentID ||
		e.BaseURL != k.BaseURL || e.SecretFingerprint != tokencache.SecretFingerprint(k.Secret) {
		return e, errForeign
	}
	return e, nil
}

// write stores e until it expires: Redis drops it then by itself.
func (c *Cache) write(ctx context.Context, e tokencache.Entry) error {
	left := e.ExpiresAt.Sub(c.Now())
	if left <= 0 {
		return nil
	}
	b, err := json.Marshal(e)
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

// lockOwner is the owner token of k's lock, "" when none or unreadable.
func (c *Cache) lockOwner(ctx context.Context, id string) string {
	octx, cancel := c.opContext(ctx)
	defer cancel()
	v, _ := c.client.Get(octx, lockKey(id)).Result()
	return v
}

// shareFailure keeps a credentials answer of WeCom for the waiters.
func (c *Cache) shareFailure(ctx context.Context, id, owner string, err error) {
	var apiErr *wecom.APIError
	if !errors.As(err, &apiErr) || !sharedCodes[apiErr.Code] || doneErr(ctx) != nil {
		return
	}
	b, jerr := json.Marshal(failure{Owner: owner, Code: apiErr.Code, Msg: apiErr.Msg, Path: apiErr.Path})
	if jerr != nil {
		return
	}
	octx, cancel := c.opContext(ctx)
	defer cancel()
	_ = c.client.Set(octx, failKey(id), b, failureTTL).Err() // lost: each waiter asks WeCom itself
}

// sharedFailure is the answer of a holder this process waited on, if its
// fetch failed with one of sharedCodes.
func (c *Cache) sharedFailure(ctx context.Context, id string, waitedOn map[string]bool) error {
	if len(waitedOn) == 0 {
		return nil
	}
	octx, cancel := c.opContext(ctx)
	defer cancel()
	raw, err := c.client.Get(octx, failKey(id)).Result()
	if err != nil {
		return nil // none, or Redis trouble the next call meets
	}
	var f failure
	if json.Unmarshal([]byte(raw), &f) != nil || !waitedOn[f.Owner] || !sharedCodes[f.Code] {
		return nil
	}
	return &wecom.APIError{Code: f.Code, Msg: f.Msg, Path: f.Path}
}

// The lock is released or renewed only by its owner: a holder that was
// paused past the expiry must not delete the lock of the next one.
var (
	unlockScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0`)
	renewScript  = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) end return 0`)
)

func (c *Cache) unlock(id, owner string) {
	ctx, cancel := context.WithTimeout(context.Background(), c.opTimeout())
	defer cancel()
	// A failure leaves a lock that expires after LockTTL.
	_ = unlockScript.Run(ctx, c.client, []string{lockKey(id)}, owner).Err()
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
				_ = renewScript.Run(ctx, c.client, []string{lockKey(id)}, owner, ttl.Milliseconds()).Err()
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
		vals, err := c.client.MGet(octx, keys[:n]...).Result()
		cancel()
		if err != nil {
			return nil, err
		}
		for i, v := range vals {
			s, ok := v.(string)
			if !ok {
				continue
			}
			var e tokencache.Entry
			if json.Unmarshal([]byte(s), &e) == nil && entryKey(e.ID) == keys[i] && e.Value != "" {
				out = append(out, e)
			}
		}
		keys = keys[n:]
	}
	return out, nil
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
	return !time.Now().Before(c.downUntil)
}

// fail marks Redis down for a while and warns, once per Cache.
func (c *Cache) fail(err error) {
	c.mu.Lock()
	c.downUntil = time.Now().Add(c.RetryAfter)
	first := !c.warned
	c.warned = true
	c.mu.Unlock()
	if first {
		c.warnf("the Redis token cache at %s did not answer (%v); using the local cache", c.where, describe(err))
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
// socket deadline set from it can fire a moment before ctx says so.
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

func (c *Cache) waitTimeout() time.Duration {
	w := c.WaitTimeout
	if w <= 0 {
		w = 30 * time.Second
	}
	// A waiter must outlast a dead holder's lock.
	return max(w, 2*c.lockTTL())
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
