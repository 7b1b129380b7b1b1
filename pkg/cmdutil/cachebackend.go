package cmdutil

import (
	"fmt"
	"path/filepath"

	"github.com/wwcli/wwcli/pkg/rediscache"
	"github.com/wwcli/wwcli/pkg/tokencache"
)

// CacheURLEnv selects the Redis token cache shared by a fleet.
const CacheURLEnv = "WWCLI_CACHE_URL"

// TokenCache is the token cache of this process: the file cache in the
// cache dir, or with WWCLI_CACHE_URL Redis in front of it (the file cache
// then serves when Redis does not answer). It is built once, so Redis is
// dialled and its failure warned about once per process. It is nil, with
// a warning, when neither can be used; a bad WWCLI_CACHE_URL is exit 2.
func (f *Factory) TokenCache() (tokencache.Store, error) {
	f.mu.Lock()
	built, store := f.tokenCacheBuilt, f.tokenCache
	f.mu.Unlock()
	if built {
		return store, nil
	}
	warn := func(msg string) { f.Warnf("%s", msg) }
	var local tokencache.Store
	if dir, err := f.CacheDir(); err != nil {
		fmt.Fprintf(f.IO.ErrOut, "warning: %v; continuing without the token cache\n", err)
	} else {
		c := tokencache.New(filepath.Join(dir, tokencache.SubDir))
		c.Now = f.Now
		c.Warn = warn
		local = c
	}
	store = local
	if raw := f.Getenv(CacheURLEnv); raw != "" {
		cfg, err := rediscache.ParseURL(raw)
		if err != nil {
			return nil, &FlagError{Err: err}
		}
		rc := rediscache.New(cfg, local)
		rc.Now = f.Now
		rc.Warn = warn
		store = rc
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.tokenCacheBuilt {
		f.tokenCacheBuilt, f.tokenCache = true, store
	}
	return f.tokenCache, nil
}
