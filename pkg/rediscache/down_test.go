package rediscache

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/wwcli/wwcli/pkg/tokencache"
)

// These run without a redis-server: a closed port and a server that
// accepts and never answers stand for a Redis that is down or hung.

type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) add(m string) { w.mu.Lock(); w.msgs = append(w.msgs, m); w.mu.Unlock() }
func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.msgs...)
}

func newTestCache(t *testing.T, url string) (*Cache, *warnings) {
	t.Helper()
	cfg, err := ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	local := tokencache.New(t.TempDir())
	w := &warnings{}
	c := New(cfg, local)
	c.Warn = w.add
	t.Cleanup(func() { _ = c.Close() })
	return c, w
}

func counting(value string, lifetime time.Duration, n *atomic.Int32) tokencache.Fetcher {
	return func(context.Context) (string, time.Duration, error) {
		n.Add(1)
		return value, lifetime, nil
	}
}

// observer sees every command a Cache sends to Redis, after its answer
// (or its failure): tests count what reached Redis instead of timing it.
type observer func(cmds []redis.Cmder)

func (o observer) DialHook(next redis.DialHook) redis.DialHook { return next }

func (o observer) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		o([]redis.Cmder{cmd})
		return err
	}
}

func (o observer) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		o(cmds)
		return err
	}
}

// asked counts the commands c sends to Redis from now on.
func asked(c *Cache) *atomic.Int32 {
	var n atomic.Int32
	c.client.AddHook(observer(func(cmds []redis.Cmder) { n.Add(int32(len(cmds))) }))
	return &n
}

var testKey = tokencache.Key{BaseURL: "http://127.0.0.1:1", CorpID: "wwcorp", Secret: "app-secret", Kind: "token"}

func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// silentServer accepts connections and never answers: a hung Redis.
func silentServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return l.Addr().String()
}

func TestRedisDownFallsBackToTheFileCacheWithOneWarning(t *testing.T) {
	for name, addr := range map[string]string{"refused": closedPort(t), "hung": silentServer(t)} {
		t.Run(name, func(t *testing.T) {
			c, w := newTestCache(t, "redis://"+addr+"/0?timeout=200ms")
			redisAsked := asked(c)
			var fetches atomic.Int32
			start := time.Now()
			e, cached, err := c.GetOrFetch(context.Background(), testKey, counting("tok-1", 2*time.Hour, &fetches))
			if err != nil || cached || e.Value != "tok-1" {
				t.Fatalf("first: %+v cached=%v err=%v", e, cached, err)
			}
			// Generous: one 200ms timeout, ten times over, for a loaded
			// machine running -race; a wait per retry would be far more.
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("a dead Redis cost %v; each call is bounded by 200ms", d)
			}
			failed := redisAsked.Load()
			if failed == 0 {
				t.Fatal("the first call never asked Redis")
			}
			// The local file cache has it now; Redis is not asked again
			// (no second timeout) and no second warning.
			for range 5 {
				e, cached, err = c.GetOrFetch(context.Background(), testKey, counting("tok-2", 2*time.Hour, &fetches))
				if err != nil || !cached || e.Value != "tok-1" {
					t.Fatalf("again: %+v cached=%v err=%v", e, cached, err)
				}
			}
			if got, ok := c.Get(testKey); !ok || got.Value != "tok-1" {
				t.Fatalf("Get: %+v %v", got, ok)
			}
			if again := redisAsked.Load() - failed; again != 0 {
				t.Fatalf("Redis was asked %d more commands within RetryAfter of its failure, want none", again)
			}
			if fetches.Load() != 1 {
				t.Fatalf("%d fetches, want 1", fetches.Load())
			}
			ws := w.all()
			if len(ws) != 1 || !strings.Contains(ws[0], "the Redis token cache at redis://"+addr+"/0 did not answer") ||
				!strings.Contains(ws[0], "using the local cache") {
				t.Fatalf("warnings %q, want one naming the server", ws)
			}
		})
	}
}

func TestRedisDownWithoutLocalCacheStillFetches(t *testing.T) {
	cfg, err := ParseURL("redis://" + closedPort(t) + "/0?timeout=100ms")
	if err != nil {
		t.Fatal(err)
	}
	c := New(cfg, nil)
	defer c.Close()
	var fetches atomic.Int32
	e, err := c.Refetch(context.Background(), testKey, counting("tok-r", time.Hour, &fetches))
	if err != nil || e.Value != "tok-r" || fetches.Load() != 1 {
		t.Fatalf("%+v %v %d", e, err, fetches.Load())
	}
	if _, ok := c.Get(testKey); ok {
		t.Fatal("nothing can be cached without Redis and without a local cache")
	}
	if n, err := c.Purge(tokencache.MatchSecret(testKey.BaseURL, testKey.CorpID, testKey.Secret, "")); n != 0 || err != nil {
		t.Fatalf("purge %d %v", n, err)
	}
}

func TestCancelledCommandIsNotAFallback(t *testing.T) {
	c, w := newTestCache(t, "redis://"+silentServer(t)+"/0?timeout=2s")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	var fetches atomic.Int32
	_, _, err := c.GetOrFetch(ctx, testKey, counting("x", time.Hour, &fetches))
	if !errors.Is(err, context.DeadlineExceeded) || fetches.Load() != 0 {
		t.Fatalf("err %v fetches %d", err, fetches.Load())
	}
	if len(w.all()) != 0 {
		t.Fatalf("an interrupted command is no Redis failure: %q", w.all())
	}
}
