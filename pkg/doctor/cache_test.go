package doctor

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/check"
	"github.com/wwcli/wwcli/pkg/rediscache"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

type fakeShared struct{ err error }

func (f fakeShared) Where() string              { return "redis://10.0.0.5:6379/0" }
func (f fakeShared) Ping(context.Context) error { return f.err }

func TestSharedCacheCheck(t *testing.T) {
	_, badURLErr := rediscache.ParseURL("redis://:pw@host:port/0")
	for name, tc := range map[string]struct {
		cache  SharedCache
		status check.Status
		detail string
	}{
		"none":    {nil, -1, ""},
		"answers": {fakeShared{}, check.Pass, "redis://10.0.0.5:6379/0 answers"},
		"down":    {fakeShared{errors.New("connection refused")}, check.Warn, "did not answer: connection refused; commands use this machine's file cache"},
		"bad URL": {fakeShared{badURLErr}, check.Fail, "not a usable Redis URL"},
	} {
		t.Run(name, func(t *testing.T) {
			_, env := setup(t, sandbox.Options{})
			e := env()
			e.SharedCache = tc.cache
			rep := Run(context.Background(), e)
			c := find(rep, CheckTokenCache)
			if c.Status != tc.status || !strings.Contains(c.Detail, tc.detail) {
				t.Fatalf("%+v", c)
			}
			if tc.status == check.Warn && !rep.OK {
				t.Fatalf("a Redis that does not answer is a warning: %+v", rep.Checks)
			}
			if tc.status == check.Fail && (rep.OK || !strings.Contains(c.Fix, "redis://[user:password@]host:port/db")) {
				t.Fatalf("%+v", c)
			}
		})
	}
}
