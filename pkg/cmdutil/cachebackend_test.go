package cmdutil

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/rediscache"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/tokencache"
)

func TestTokenCacheIsTheFileCacheByDefault(t *testing.T) {
	f := testFactory(t, nil)
	c, err := f.TokenCache()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.(*tokencache.Cache); !ok {
		t.Fatalf("default cache is %T, want the file cache", c)
	}
	again, _ := f.TokenCache()
	if again != c {
		t.Fatal("the cache is built once per process")
	}
}

func TestBadCacheURLIsAUsageError(t *testing.T) {
	f := testFactory(t, map[string]string{CacheURLEnv: "redis://ci:hunter2@cache:notaport/0"})
	_, err := f.SessionFor(credentials.Credentials{CorpID: sandbox.DemoCorpID, Secret: sandbox.DemoAppSecret, BaseURL: "http://127.0.0.1:1"}, false)
	if ExitCode(err) != ExitUsage {
		t.Fatalf("exit %d (%v), want %d", ExitCode(err), err, ExitUsage)
	}
	if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "WWCLI_CACHE_URL") {
		t.Fatalf("message %q must name the variable and hide the password", err)
	}
	// --no-cache does not read it.
	if _, err := f.SessionFor(credentials.Credentials{CorpID: sandbox.DemoCorpID, Secret: sandbox.DemoAppSecret, BaseURL: "http://127.0.0.1:1"}, true); err != nil {
		t.Fatal(err)
	}
}

func TestCacheURLSelectsRedisInFrontOfTheFileCache(t *testing.T) {
	// Redis is down here: the token comes through the file cache, with
	// one warning for the whole process however many sessions ask.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	_, base := startSandbox(t)
	f := testFactory(t, map[string]string{CacheURLEnv: "redis://" + addr + "/0?timeout=100ms"})
	io, _, _, stderr := iostreams.Test()
	f.IO = io
	c, err := f.TokenCache()
	if err != nil {
		t.Fatal(err)
	}
	rc, ok := c.(*rediscache.Cache)
	if !ok || rc.Where() != "redis://"+addr+"/0" {
		t.Fatalf("cache %T", c)
	}
	if _, ok := rc.Local.(*tokencache.Cache); !ok {
		t.Fatalf("fallback %T, want the file cache", rc.Local)
	}
	var first string
	for i := range 3 {
		s, err := f.SessionFor(credentials.Credentials{CorpID: sandbox.DemoCorpID, Secret: sandbox.DemoAppSecret, BaseURL: base}, false)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Token(context.Background(), false)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = r.Value
		} else if r.Value != first || !r.Cached {
			t.Fatalf("session %d: %+v, want the file cache's %s", i, r, first)
		}
	}
	if n := strings.Count(stderr.String(), "warning:"); n != 1 || !strings.Contains(stderr.String(), "did not answer") {
		t.Fatalf("stderr %q: want one warning", stderr.String())
	}
}
