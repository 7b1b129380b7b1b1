package sandbox

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/recording"
)

// loadReplay reads --replay's recordings before the server starts, so a
// bad fixture directory stops it with a message instead of serving less.
func loadReplay(dir string) ([]recording.Exchange, error) {
	if dir == "" {
		return nil, nil
	}
	recs, err := recording.Load(dir) // refuses files and directories other users could write (safedir)
	if err != nil {
		return nil, cmdutil.Errorf(cmdutil.ExitUsage, "--replay: %v (the directory holds 'wwcli api --record DIR' files)", err)
	}
	return recs, nil
}

func reportReplay(logLine func(string), dir string, recs []recording.Exchange, simulates func(path string) bool) {
	if dir == "" {
		return
	}
	paths := map[string]bool{}
	var shadowed []string
	for _, e := range recs {
		key := e.Method + " " + e.Path
		if !paths[key] && simulates(e.Path) {
			shadowed = append(shadowed, key)
		}
		paths[key] = true
	}
	logLine(fmt.Sprintf("replaying %d recordings of %d endpoints from %s for what the sandbox does not simulate", len(recs), len(paths), dir))
	if len(shadowed) > 0 {
		sort.Strings(shadowed)
		logLine(fmt.Sprintf("warning: the sandbox simulates %s itself; those recordings are not served", strings.Join(shadowed, ", ")))
	}
}
