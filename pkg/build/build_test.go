package build

import (
	"runtime/debug"
	"testing"
)

func TestFillFromBuildInfoUsesModuleVersionAndVCS(t *testing.T) {
	bi := &debug.BuildInfo{
		Main: debug.Module{Version: "v1.2.3"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"},
			{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
		},
	}
	var info Info
	fillFromBuildInfo(&info, bi)
	if info.Version != "v1.2.3" || info.Commit != "0123456789ab" || info.Date != "2026-01-02T03:04:05Z" {
		t.Fatalf("got %+v", info)
	}
}

func TestFillFromBuildInfoKeepsLdflagsValues(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}
	info := Info{Version: "1.0.0", Commit: "abc"}
	fillFromBuildInfo(&info, bi)
	if info.Version != "1.0.0" || info.Commit != "abc" {
		t.Fatalf("ldflags values overwritten: %+v", info)
	}
}

func TestStringFormats(t *testing.T) {
	if got := (Info{Version: "dev"}).String(); got != "wwcli version dev" {
		t.Fatalf("got %q", got)
	}
	if got := (Info{Version: "1.0.0", Commit: "abc", Date: "d"}).String(); got != "wwcli version 1.0.0 (abc d)" {
		t.Fatalf("got %q", got)
	}
}
