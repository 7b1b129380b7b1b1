//go:build groff

package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestManPagesRenderCleanly formats every generated man page with groff's
// warnings on (as man -l does, with preconv for the UTF-8 text). Run by CI:
//
//	go test -tags groff ./cmd/gen-docs/
func TestManPagesRenderCleanly(t *testing.T) {
	dir := t.TempDir()
	if _, err := Generate(NewTree(), Dirs{Man: dir}); err != nil {
		t.Fatal(err)
	}
	pages, err := filepath.Glob(filepath.Join(dir, "*.1"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no man pages generated (%v)", err)
	}
	for _, page := range pages {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, "groff", "-k", "-man", "-Tutf8", "-ww", "-z", page)
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil || len(out) > 0 {
			t.Errorf("groff %s: %v\n%s", filepath.Base(page), err, out)
		}
	}
}
