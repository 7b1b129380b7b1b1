// Package build reports the version wwcli was built as.
//
// Release builds set Version, Commit and Date with -ldflags -X; a plain
// `go install ...@vX` build has none of those, so Info falls back to the
// module version Go records in the binary.
package build

import (
	"fmt"
	"runtime/debug"
)

// Set by goreleaser: -X github.com/wwcli/wwcli/pkg/build.Version=...
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info is what `wwcli version` prints.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Date    string `json:"date,omitempty"`
}

// Current returns the build facts, filling gaps from debug.ReadBuildInfo.
func Current() Info {
	info := Info{Version: Version, Commit: Commit, Date: Date}
	if bi, ok := debug.ReadBuildInfo(); ok {
		fillFromBuildInfo(&info, bi)
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	return info
}

func fillFromBuildInfo(info *Info, bi *debug.BuildInfo) {
	if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		info.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if info.Commit == "" {
				info.Commit = s.Value
				if len(info.Commit) > 12 {
					info.Commit = info.Commit[:12]
				}
			}
		case "vcs.time":
			if info.Date == "" {
				info.Date = s.Value
			}
		}
	}
}

// String is the one-line form used by --version.
func (i Info) String() string {
	s := "wwcli version " + i.Version
	if i.Commit != "" || i.Date != "" {
		s += fmt.Sprintf(" (%s %s)", i.Commit, i.Date)
	}
	return s
}
