package sandbox

import (
	"fmt"
	"io"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/recording"
)

// loadReplay reads --replay's recordings before the server starts, so a
// bad fixture directory stops it with a message instead of serving less.
func loadReplay(dir string) ([]recording.Exchange, error) {
	if dir == "" {
		return nil, nil
	}
	recs, err := recording.Load(dir)
	if err != nil {
		return nil, cmdutil.Errorf(cmdutil.ExitUsage, "--replay: %v (the directory holds 'wwcli api --record DIR' files)", err)
	}
	return recs, nil
}

func reportReplay(w io.Writer, dir string, recs []recording.Exchange) {
	if dir == "" {
		return
	}
	paths := map[string]bool{}
	for _, e := range recs {
		paths[e.Method+" "+e.Path] = true
	}
	fmt.Fprintf(w, "replaying %d recordings of %d endpoints from %s for what the sandbox does not simulate\n", len(recs), len(paths), dir)
}
