package sandbox

import (
	"strings"
	"testing"
)

// A state path that can be read (it does not exist yet) but not written
// fails at start, not at shutdown: /proc/self takes no new files, even
// from root.
func TestStatePathThatCannotBeWrittenFailsAtStart(t *testing.T) {
	s, err := Open(Options{StatePath: "/proc/self/wwcli-sandbox-state.json"})
	if err == nil {
		_ = s.Close()
		t.Fatal("no error")
	}
	if !strings.Contains(err.Error(), "use a --state path you can read and write") {
		t.Fatal(err)
	}
}
