package cmdutil

import (
	"time"

	"github.com/wwcli/wwcli/pkg/iostreams"
)

// GlobalFlags are the persistent flags every command sees. The root command
// binds them; commands read them through the Factory.
type GlobalFlags struct {
	Profile string        // --profile / WWCLI_PROFILE
	BaseURL string        // --base-url / WWCLI_BASE_URL
	Timeout time.Duration // --timeout, bounds every HTTP request
	Debug   bool          // --debug: debug=1 on WeCom calls + redacted request log
	Sandbox bool          // --sandbox / WWCLI_SANDBOX=1: in-process sandbox
	NoColor bool          // --no-color
}

// Factory carries the dependencies a command needs. Everything that touches
// the outside world is here so tests can replace it; nothing is global.
type Factory struct {
	IO     *iostreams.IOStreams
	Getenv func(string) string
	Now    func() time.Time
	Global GlobalFlags
}
