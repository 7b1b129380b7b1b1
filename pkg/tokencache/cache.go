// Package tokencache keeps access_tokens and jsapi_tickets across
// processes: one 0600 JSON file per key, written by atomic rename, with a
// file lock so that N concurrent processes on an empty cache make one fetch.
//
// A cache is a convenience, never a source of truth: a file that is corrupt,
// foreign (another key) or unreadable is ignored and replaced, and a
// directory that cannot be written degrades to fetching every time.
package tokencache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/wwcli/wwcli/pkg/atomicfile"
	"github.com/wwcli/wwcli/pkg/safedir"
)

// formatVersion guards against reading files written by another layout.
// Version 2 stores the secret fingerprint, so entries can be matched to a
// profile by the whole key; version 1 files are refetched once.
const formatVersion = 2

// Key identifies one cached value. Secret is only ever stored as a
// fingerprint, so a changed secret never finds the old token.
type Key struct {
	BaseURL string
	CorpID  string
	Secret  string
	Kind    string // "token", "ticket:corp", "ticket:agent"
	AgentID string
}

// ID is the file-name-safe digest of the key.
func (k Key) ID() string {
	h := sha256.New()
	for _, part := range []string{k.BaseURL, k.CorpID, SecretFingerprint(k.Secret), k.Kind, k.AgentID} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:40]
}

// SecretFingerprint is a one-way digest of a secret, safe to store.
func SecretFingerprint(secret string) string {
	sum := sha256.Sum256([]byte("wwcli-secret-fingerprint\x00" + secret))
	return hex.EncodeToString(sum[:8])
}

// Entry is what a cache file holds.
type Entry struct {
	Version int    `json:"version"`
	ID      string `json:"id"`
	CorpID  string `json:"corp_id"`
	Kind    string `json:"kind"`
	AgentID string `json:"agent_id,omitempty"`
	BaseURL string `json:"base_url"`
	// SecretFingerprint is SecretFingerprint(key.Secret): one-way, so the
	// file never holds the secret, yet `auth status` and `auth logout` can
	// tell which app an entry belongs to.
	SecretFingerprint string    `json:"secret_fingerprint"`
	Value             string    `json:"value"`
	FetchedAt         time.Time `json:"fetched_at"`
	ExpiresAt         time.Time `json:"expires_at"`
}

// ExpiresIn is the remaining lifetime at now.
func (e Entry) ExpiresIn(now time.Time) time.Duration { return e.ExpiresAt.Sub(now) }

// Cache is a directory of entries.
type Cache struct {
	Dir string
	Now func() time.Time
	// Warn receives one message when the cache cannot be used (unwritable
	// directory); the command shows it on stderr and goes on without cache.
	Warn func(string)
	// LockTimeout bounds how long a process waits for another's fetch.
	LockTimeout time.Duration
}

// New returns a cache in dir.
func New(dir string) *Cache {
	return &Cache{Dir: dir, Now: time.Now, LockTimeout: 30 * time.Second}
}

// SubDir is the cache's directory inside wwcli's cache dir.
const SubDir = "tokens"

// InCacheDir returns the token cache inside wwcli's cache dir
// (WWCLI_CACHE_DIR), the one every command shares.
func InCacheDir(cacheDir string) *Cache { return New(filepath.Join(cacheDir, SubDir)) }

// Fetcher fetches a fresh value and its lifetime.
type Fetcher func(ctx context.Context) (value string, lifetime time.Duration, err error)

// refreshMargin is how long before expiry a value counts as stale, so a
// token is never handed out moments before WeCom rejects it: 5 minutes, or
// a quarter of the lifetime for short-lived values (the sandbox's).
func refreshMargin(lifetime time.Duration) time.Duration {
	m := 5 * time.Minute
	if q := lifetime / 4; q < m {
		m = q
	}
	return m
}

func (c *Cache) fresh(e Entry, id string) bool {
	return e.ID == id && e.FreshAt(c.Now())
}

// FreshAt says whether e can still be handed out at now: it expires later
// than the refresh margin.
func (e Entry) FreshAt(now time.Time) bool {
	if e.Version != formatVersion || e.Value == "" {
		return false
	}
	lifetime := e.ExpiresAt.Sub(e.FetchedAt)
	return now.Add(refreshMargin(lifetime)).Before(e.ExpiresAt)
}

// NewEntry fetches a value for k now, as GetOrFetch stores it, for callers
// that keep entries elsewhere (the in-memory tokens of a run without cache).
func NewEntry(ctx context.Context, k Key, now time.Time, fetch Fetcher) (Entry, error) {
	value, lifetime, err := fetch(ctx)
	if err != nil {
		return Entry{}, err
	}
	return Entry{Version: formatVersion, ID: k.ID(), CorpID: k.CorpID, Kind: k.Kind, AgentID: k.AgentID,
		BaseURL: k.BaseURL, SecretFingerprint: SecretFingerprint(k.Secret),
		Value: value, FetchedAt: now.UTC(), ExpiresAt: now.Add(lifetime).UTC()}, nil
}

// Get returns a fresh entry for k, if one is cached.
func (c *Cache) Get(k Key) (Entry, bool) {
	id := k.ID()
	e, err := c.read(id)
	if err != nil || !c.fresh(e, id) {
		return Entry{}, false
	}
	return e, true
}

// GetOrFetch returns a fresh cached entry (cached=true) or calls fetch once
// across all processes sharing the directory and stores its result.
func (c *Cache) GetOrFetch(ctx context.Context, k Key, fetch Fetcher) (e Entry, cached bool, err error) {
	if err := safedir.Dir(c.Dir); err != nil {
		c.warn(fmt.Sprintf("token cache not used: %v", err))
		e, err := NewEntry(ctx, k, c.Now(), fetch)
		return e, false, err
	}
	if e, ok := c.Get(k); ok {
		return e, true, nil
	}
	id := k.ID()
	unlock, lockErr := c.lock(ctx, id)
	if lockErr != nil {
		if ctx.Err() != nil {
			return Entry{}, false, ctx.Err()
		}
		c.warn(fmt.Sprintf("token cache unusable (%v); fetching without cache", lockErr))
		e, err := NewEntry(ctx, k, c.Now(), fetch)
		return e, false, err
	}
	defer unlock()
	// Another process may have fetched while we waited for the lock.
	if e, ok := c.Get(k); ok {
		return e, true, nil
	}
	e, err = NewEntry(ctx, k, c.Now(), fetch)
	if err != nil {
		return Entry{}, false, err
	}
	if werr := c.write(e); werr != nil {
		c.warn(fmt.Sprintf("could not save to the token cache (%v); the next run fetches again", werr))
	}
	return e, false, nil
}

// Refetch fetches a new entry for k even when a fresh one is cached
// (--refresh), and replaces the cached entry only when the fetch succeeds:
// during an outage the old, still valid entry stays usable.
func (c *Cache) Refetch(ctx context.Context, k Key, fetch Fetcher) (Entry, error) {
	if err := safedir.Dir(c.Dir); err != nil {
		c.warn(fmt.Sprintf("token cache not used: %v", err))
		return NewEntry(ctx, k, c.Now(), fetch)
	}
	unlock, lockErr := c.lock(ctx, k.ID())
	if lockErr != nil {
		if ctx.Err() != nil {
			return Entry{}, ctx.Err()
		}
		c.warn(fmt.Sprintf("token cache unusable (%v); fetching without cache", lockErr))
		return NewEntry(ctx, k, c.Now(), fetch)
	}
	defer unlock()
	e, err := NewEntry(ctx, k, c.Now(), fetch)
	if err != nil {
		return Entry{}, err
	}
	if werr := c.write(e); werr != nil {
		c.warn(fmt.Sprintf("could not save to the token cache (%v); the next run fetches again", werr))
	}
	return e, nil
}

// Delete drops the entry for k (after WeCom said the token is invalid).
func (c *Cache) Delete(k Key) error {
	err := os.Remove(c.path(k.ID()))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// List returns every readable entry of this format, fresh or not.
func (c *Cache) List() ([]Entry, error) {
	if err := safedir.Dir(c.Dir); err != nil {
		c.warn(fmt.Sprintf("token cache not used: %v", err))
		return nil, nil
	}
	atomicfile.CleanStale(c.Dir)
	names, err := filepath.Glob(filepath.Join(c.Dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, n := range names {
		id := strings.TrimSuffix(filepath.Base(n), ".json")
		if e, err := c.read(id); err == nil && e.ID == id && e.Version == formatVersion {
			out = append(out, e)
		}
	}
	return out, nil
}

// Match selects the entries of one app: the parts of Key that say whose
// tokens they are (every kind). AgentID "" matches every agent; otherwise
// entries that name an agent must name this one.
type Match struct {
	BaseURL           string
	CorpID            string
	SecretFingerprint string
	AgentID           string
}

// MatchSecret is the Match of an app by its secret (hashed here).
func MatchSecret(baseURL, corpID, secret, agentID string) Match {
	return Match{BaseURL: baseURL, CorpID: corpID, SecretFingerprint: SecretFingerprint(secret), AgentID: agentID}
}

// Matches reports whether e belongs to the app m describes.
func (m Match) Matches(e Entry) bool {
	if e.BaseURL != m.BaseURL || e.CorpID != m.CorpID || e.SecretFingerprint != m.SecretFingerprint {
		return false
	}
	return m.AgentID == "" || e.AgentID == "" || e.AgentID == m.AgentID
}

// Find returns the entries m matches, sorted by kind then agent.
func (c *Cache) Find(m Match) ([]Entry, error) {
	entries, err := c.List()
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, e := range entries {
		if m.Matches(e) {
			out = append(out, e)
		}
	}
	sortEntries(out)
	return out, nil
}

func sortEntries(out []Entry) {
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].AgentID < out[j].AgentID
	})
}

// Purge removes the entries m matches (for `auth logout`, and the old
// secret's entries at `auth login`) and returns how many it removed.
// Other apps' entries, and the same corp's on another base URL (the
// sandbox), are never touched.
func (c *Cache) Purge(m Match) (int, error) {
	entries, err := c.Find(m)
	if err != nil {
		return 0, err
	}
	n := 0
	var firstErr error
	for _, e := range entries {
		err := os.Remove(c.path(e.ID))
		switch {
		case err == nil:
			n++
		case !errors.Is(err, os.ErrNotExist) && firstErr == nil:
			firstErr = err
		}
		_ = os.Remove(c.path(e.ID) + ".lock") // only a lock; recreated on demand
	}
	return n, firstErr
}

func (c *Cache) path(id string) string { return filepath.Join(c.Dir, id+".json") }

func (c *Cache) read(id string) (Entry, error) {
	// An entry another user could have written may hold their token.
	if err := safedir.File(c.path(id)); err != nil {
		c.warn(fmt.Sprintf("cache entry ignored: %v", err))
		return Entry{}, err
	}
	b, err := os.ReadFile(c.path(id))
	if err != nil {
		return Entry{}, err
	}
	var e Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// write stores e atomically: readers see the old file or the new one,
// never half of one.
func (c *Cache) write(e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	atomicfile.CleanStale(c.Dir)
	return atomicfile.Write(c.path(e.ID), b)
}

func (c *Cache) lock(ctx context.Context, id string) (func(), error) {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return nil, err
	}
	fl := safedir.NewLock(c.path(id) + ".lock")
	timeout := c.LockTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ok, err := fl.TryLockContext(lctx, 10*time.Millisecond)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New("timed out waiting for another wwcli process")
	}
	return func() { _ = fl.Unlock() }, nil
}

func (c *Cache) warn(msg string) {
	if c.Warn != nil {
		c.Warn(msg)
	}
}
