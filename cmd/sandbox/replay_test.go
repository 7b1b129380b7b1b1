package sandbox

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/recording"
)

func TestReplayFlag(t *testing.T) {
	f, _, _ := testFactory(t)
	var got *Options
	cmd := NewCmd(f, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--replay", "fixtures"})
	if err := cmd.Execute(); err != nil || got.Replay != "fixtures" {
		t.Fatalf("%v %+v", err, got)
	}
}

func TestLoadReplay(t *testing.T) {
	if recs, err := loadReplay(""); recs != nil || err != nil {
		t.Fatalf("no --replay: %v %v", recs, err)
	}
	dir := t.TempDir()
	if _, err := loadReplay(filepath.Join(dir, "missing")); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("missing dir: %v", err)
	}
	e := recording.New(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), "GET", "/cgi-bin/tag/list", nil, nil, []byte(`{"errcode":0,"errmsg":"ok","taglist":[]}`), 200)
	if _, err := recording.Write(dir, e); err != nil {
		t.Fatal(err)
	}
	recs, err := loadReplay(dir)
	if err != nil || len(recs) != 1 {
		t.Fatalf("%d %v", len(recs), err)
	}
	var buf strings.Builder
	logLine := func(line string) { buf.WriteString(line + "\n") }
	reportReplay(logLine, dir, recs, func(string) bool { return false })
	if !strings.Contains(buf.String(), "replaying 1 recordings of 1 endpoints") || strings.Contains(buf.String(), "warning") {
		t.Fatalf("%q", buf.String())
	}
	buf.Reset()
	reportReplay(logLine, dir, recs, func(p string) bool { return p == "/cgi-bin/tag/list" })
	if !strings.Contains(buf.String(), "warning: the sandbox simulates GET /cgi-bin/tag/list itself; those recordings are not served") {
		t.Fatalf("%q", buf.String())
	}
	os.WriteFile(filepath.Join(dir, "junk.json"), []byte("{"), 0o600)
	if _, err := loadReplay(dir); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "junk.json") {
		t.Fatalf("junk: %v", err)
	}
}
