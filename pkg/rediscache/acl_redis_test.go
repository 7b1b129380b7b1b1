//go:build redis

package rediscache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
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

// Audit N13: the ACL docs/fleet.md gives is exactly what the cache needs,
// and a user without EVAL is told about.

const aclPassword = "fleet-pass"

// documentedACL is the rules of the `user wwcli ...` line of docs/fleet.md,
// with the placeholder password replaced.
func documentedACL(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../docs/fleet.md")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "user wwcli "); ok {
			rules := strings.Fields(rest)
			i := slices.Index(rules, ">PASSWORD")
			if i < 0 {
				t.Fatalf("the ACL line has no >PASSWORD: %q", line)
			}
			rules[i] = ">" + aclPassword
			return rules
		}
	}
	t.Fatal("docs/fleet.md has no `user wwcli ...` ACL line")
	return nil
}

// startACL runs a redis-server whose only user is wwcli with rules; raw
// is a client logged in as that user.
func startACL(t *testing.T, rules []string) (*redistest.Server, *redis.Client) {
	t.Helper()
	srv := redistest.Start(t, append([]string{"--user", "default", "off", "--user", "wwcli"}, rules...)...)
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr(), Username: "wwcli", Password: aclPassword, DisableIdentity: true, Protocol: 2})
	t.Cleanup(func() { raw.Close() })
	return srv, raw
}

func aclURL(srv *redistest.Server, query string) string {
	return fmt.Sprintf("redis://wwcli:%s@%s/0?%s", aclPassword, srv.Addr(), query)
}

func TestDocumentedACLIsEnoughForEverything(t *testing.T) {
	rules := documentedACL(t)
	if slices.Contains(rules, "+@all") {
		t.Fatalf("the documented ACL grants everything: %q", rules)
	}
	ws, err := everything(t, rules)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 || warningsWith(ws, "had no expiry") != 1 {
		t.Fatalf("warnings %q, want only the one about the lock without expiry", ws)
	}
}

// And nothing in it is superfluous: without any one of its commands,
// something the cache does fails or warns.
func TestEveryDocumentedCommandIsNeeded(t *testing.T) {
	rules := documentedACL(t)
	for _, r := range rules {
		if !strings.HasPrefix(r, "+") {
			continue
		}
		t.Run(r, func(t *testing.T) {
			ws, err := everything(t, slices.DeleteFunc(slices.Clone(rules), func(x string) bool { return x == r }))
			if err == nil && len(ws) == 1 {
				t.Fatalf("everything works without %s", r)
			}
		})
	}
}

// everything runs what the cache does against a server whose only user
// has rules, and returns the warnings or the first thing that failed.
func everything(t *testing.T, rules []string) ([]string, error) {
	srv, raw := startACL(t, rules)
	ctx := context.Background()
	url := aclURL(srv, "lock_ttl=300ms")
	c, w := newTestCache(t, url)
	waiter, ww := newTestCache(t, url)
	warnings := func() []string { return append(w.all(), ww.all()...) }
	if err := c.Ping(ctx); err != nil {
		return warnings(), fmt.Errorf("ping: %w", err)
	}
	// A fetch slower than the lock's TTL: the holder renews its lock
	// (script), a second process waits on it and takes its value. The
	// lock expires by the Redis server's clock, so the sleeps below
	// outlast its 300ms TTL in real time; no event can stand in for them.
	var n atomic.Int32
	slow := func(context.Context) (string, time.Duration, error) {
		n.Add(1)
		time.Sleep(500 * time.Millisecond)
		return "acl-1", time.Hour, nil
	}
	done := make(chan error, 1)
	go func() { _, _, err := c.GetOrFetch(ctx, testKey, slow); done <- err }()
	for range 100 { // until the holder has its lock
		if k, _ := raw.Exists(ctx, lockKey(testKey.ID())).Result(); k == 1 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(400 * time.Millisecond) // past the first TTL: only a renewal keeps the lock
	e, cached, err := waiter.GetOrFetch(ctx, testKey, slow)
	if err != nil || !cached || e.Value != "acl-1" {
		<-done
		return warnings(), fmt.Errorf("waiter: %+v cached=%v err=%v", e, cached, err)
	}
	if err := <-done; err != nil || n.Load() != 1 {
		return warnings(), fmt.Errorf("holder: %v, %d fetches", err, n.Load())
	}
	// Released (script), not left to expire.
	if k, _ := raw.Exists(ctx, lockKey(testKey.ID())).Result(); k != 0 {
		return warnings(), errors.New("the lock was not released")
	}
	if e, err := c.Refetch(ctx, testKey, counting("acl-2", time.Hour, &n)); err != nil || e.Value != "acl-2" {
		return warnings(), fmt.Errorf("refetch %+v %v", e, err)
	}
	if e, ok := waiter.Get(testKey); !ok || e.Value != "acl-2" {
		return warnings(), fmt.Errorf("get %+v %v", e, ok)
	}
	// A lock without expiry is deleted (script).
	ticketKey := testKey
	ticketKey.Kind = "ticket:corp"
	raw.Set(ctx, lockKey(ticketKey.ID()), "stolen-forever", 0)
	start := time.Now()
	if e, _, err := c.GetOrFetch(ctx, ticketKey, counting("ticket", time.Hour, &n)); err != nil || e.Value != "ticket" || time.Since(start) > time.Second {
		return warnings(), fmt.Errorf("lock without expiry: %+v %v after %v", e, err, time.Since(start))
	}
	// A credentials failure is shared with a waiter (SET, GETRANGE).
	bad := testKey
	bad.Secret = "wrong-secret"
	// The holder answers once the other has seen its lock held, or has
	// given up waiting (a command it lacks): no guess at how long the
	// other takes to start.
	seen, gaveUp := make(chan struct{}), make(chan struct{}, 2)
	var seenOnce sync.Once
	var refusals atomic.Int32
	refuse := func(context.Context) (string, time.Duration, error) {
		refusals.Add(1)
		select {
		case <-seen:
		case <-gaveUp:
		case <-time.After(testutil.WaitTimeout):
		}
		return "", 0, &wecom.APIError{Code: 40001, Msg: "invalid credential", Path: "/cgi-bin/gettoken"}
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, cc := range []*Cache{c, waiter} {
		sawHolder(cc, func() { seenOnce.Do(func() { close(seen) }) })
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = cc.GetOrFetch(ctx, bad, refuse)
			gaveUp <- struct{}{}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		var apiErr *wecom.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != 40001 {
			return warnings(), fmt.Errorf("shared failure: %v", errs)
		}
	}
	if refusals.Load() != 1 {
		return warnings(), fmt.Errorf("shared failure: %d fetches", refusals.Load())
	}
	// auth status and logout (SCAN, GETRANGE, DEL).
	m := tokencache.MatchSecret(testKey.BaseURL, testKey.CorpID, testKey.Secret, "")
	if found, err := c.Find(m); err != nil || len(found) != 2 {
		return warnings(), fmt.Errorf("find %+v %v", found, err)
	}
	if removed, err := c.Purge(m); err != nil || removed != 2 {
		return warnings(), fmt.Errorf("purge %d %v", removed, err)
	}
	if k, _ := raw.Exists(ctx, entryKey(testKey.ID())).Result(); k != 0 {
		return warnings(), errors.New("purged entry still in Redis")
	}
	return warnings(), nil
}

func TestACLWithoutEvalWarnsOnceNamingIt(t *testing.T) {
	for name, drop := range map[string][]string{
		"neither EVAL nor EVALSHA": {"+eval", "+evalsha"},
		"EVALSHA only":             {"+eval"},
	} {
		t.Run(name, func(t *testing.T) {
			rules := slices.DeleteFunc(documentedACL(t), func(r string) bool { return slices.Contains(drop, r) })
			srv, raw := startACL(t, rules)
			ctx := context.Background()
			c, w := newTestCache(t, aclURL(srv, "lock_ttl=10s"))
			var n atomic.Int32
			// Tokens are still shared; only the lock cannot be released.
			if e, _, err := c.GetOrFetch(ctx, testKey, counting("no-eval", time.Hour, &n)); err != nil || e.Value != "no-eval" {
				t.Fatalf("%+v %v", e, err)
			}
			other, _ := newTestCache(t, aclURL(srv, ""))
			if e, ok := other.Get(testKey); !ok || e.Value != "no-eval" {
				t.Fatalf("not shared: %+v %v", e, ok)
			}
			if left, _ := raw.PTTL(ctx, lockKey(testKey.ID())).Result(); left <= 0 {
				t.Fatalf("lock PTTL %v: the release was expected to fail", left)
			}
			ws := w.all()
			if len(ws) != 1 || warningsWith(ws, "could not release its fetch lock") != 1 || warningsWith(ws, "NOPERM") != 1 ||
				warningsWith(ws, "EVALSHA/EVAL") != 1 || warningsWith(ws, "docs/fleet.md") != 1 || warningsWith(ws, aclPassword) != 0 {
				t.Fatalf("warnings %q", ws)
			}
			// Once per process.
			ticketKey := testKey
			ticketKey.Kind = "ticket:corp"
			if _, _, err := c.GetOrFetch(ctx, ticketKey, counting("t", time.Hour, &n)); err != nil {
				t.Fatal(err)
			}
			if len(w.all()) != 1 {
				t.Fatalf("warnings %q, want still one", w.all())
			}
		})
	}
}

// A user that lacks another command the cache needs gets the warning
// that names it, and the local cache.
func TestACLWithoutACommandNamesIt(t *testing.T) {
	rules := slices.DeleteFunc(documentedACL(t), func(r string) bool { return r == "+getrange" })
	srv, _ := startACL(t, rules)
	c, w := newTestCache(t, aclURL(srv, ""))
	var n atomic.Int32
	if e, _, err := c.GetOrFetch(context.Background(), testKey, counting("local", time.Hour, &n)); err != nil || e.Value != "local" {
		t.Fatalf("%+v %v", e, err)
	}
	if ws := w.all(); len(ws) != 1 || warningsWith(ws, "refused a command") != 1 || warningsWith(ws, "getrange") != 1 {
		t.Fatalf("warnings %q", ws)
	}
}
