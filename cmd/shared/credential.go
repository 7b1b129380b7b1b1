package shared

import (
	"context"
	"fmt"
	"time"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/session"
)

// Lifetime ends the --json document of every command that hands out a
// cached token or ticket (token, ticket, provider token, suite token):
// embedded last in its struct, its keys follow the command's own.
type Lifetime struct {
	ExpiresIn int    `json:"expires_in"`
	ExpiresAt string `json:"expires_at"`
	Cached    bool   `json:"cached"`
}

// LifetimeOf is r's lifetime as --json prints it (expires_at in UTC,
// RFC 3339).
func LifetimeOf(r session.Result) Lifetime {
	return Lifetime{ExpiresIn: r.ExpiresIn, ExpiresAt: r.ExpiresAt.UTC().Format(time.RFC3339), Cached: r.Cached}
}

// PrintCredential prints a token or ticket the one way every command that
// hands one out does: value alone on stdout, so $(wwcli token) works, and
// then note, when not "", on stderr; with --json or --jq the document doc
// instead, and no note.
func PrintCredential(ctx context.Context, ios *iostreams.IOStreams, e *cmdutil.Exporter, value string, doc any, note string) error {
	if err := e.Value(ctx, ios, value, doc); err != nil {
		return err
	}
	if note != "" && !e.Enabled() {
		fmt.Fprintln(ios.ErrOut, note)
	}
	return nil
}
