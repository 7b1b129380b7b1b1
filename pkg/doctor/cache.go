package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wwcli/wwcli/pkg/check"
	"github.com/wwcli/wwcli/pkg/rediscache"
)

// CheckTokenCache is the shared token cache on Redis (WWCLI_CACHE_URL);
// the check runs only when one is configured.
const CheckTokenCache = "token cache (Redis)"

// SharedCache is what the check asks of the Redis token cache
// (*rediscache.Cache in the CLI).
type SharedCache interface {
	Where() string // the server, without credentials
	Ping(ctx context.Context) error
}

// checkSharedCache pings the fleet's Redis. A Redis that does not answer
// is a warning, not a failure: every command then uses the file cache.
func (d *doctor) checkSharedCache(ctx context.Context) {
	if d.env.SharedCache == nil {
		return
	}
	d.start(CheckTokenCache)
	c := d.env.SharedCache
	start := time.Now()
	err := c.Ping(ctx)
	var urlErr *rediscache.URLError
	if errors.As(err, &urlErr) {
		reason, fix, _ := strings.Cut(urlErr.Error(), "\n")
		d.add(Check{Name: CheckTokenCache, Status: check.Fail, Detail: reason + "; every command that uses a token stops (exit 2)", Fix: dedent(fix)})
		return
	}
	if err != nil {
		d.add(Check{Name: CheckTokenCache, Status: check.Warn,
			Detail: fmt.Sprintf("%s (WWCLI_CACHE_URL) did not answer: %v; commands use this machine's file cache instead", c.Where(), err),
			Fix:    "check that Redis runs and this machine may reach it, and the password or ACL user in WWCLI_CACHE_URL (docs/fleet.md)"})
		return
	}
	d.add(Check{Name: CheckTokenCache, Status: check.Pass,
		Detail: fmt.Sprintf("%s answers (%s): tokens and tickets are shared with every machine using it", c.Where(), check.Duration(time.Since(start)))})
}
