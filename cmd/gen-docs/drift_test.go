package main

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

const regenerateHint = "generated files are stale; regenerate them with: scripts/gen-docs"

// TestGeneratedDocsDrift regenerates completions, the Markdown reference
// and the man pages and compares them with the committed files.
func TestGeneratedDocsDrift(t *testing.T) {
	tmp := t.TempDir()
	dirs := map[string]string{ // committed dir (from the repo root) -> fresh copy
		"completions": filepath.Join(tmp, "completions"),
		"docs/cli":    filepath.Join(tmp, "cli"),
		"docs/man":    filepath.Join(tmp, "man"),
	}
	if _, err := Generate(NewTree(), Dirs{Completions: dirs["completions"], Markdown: dirs["docs/cli"], Man: dirs["docs/man"]}); err != nil {
		t.Fatal(err)
	}
	for committed, fresh := range dirs {
		compareGeneratedDir(t, filepath.Join("..", "..", committed), fresh)
	}
}

func compareGeneratedDir(t *testing.T, committed, fresh string) {
	t.Helper()
	want := readGeneratedDir(t, fresh)
	got := readGeneratedDir(t, committed)
	if len(want) == 0 {
		t.Fatalf("gen-docs wrote nothing into %s", fresh)
	}
	for _, name := range sortedFileNames(want) {
		have, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s/%s is missing; %s", committed, name, regenerateHint)
		case !bytes.Equal(have, want[name]):
			t.Errorf("%s/%s differs from the command tree; %s", committed, name, regenerateHint)
		}
	}
	for _, name := range sortedFileNames(got) {
		if _, ok := want[name]; !ok {
			t.Errorf("%s/%s belongs to no command any more; %s", committed, name, regenerateHint)
		}
	}
}

func readGeneratedDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() || e.Name() == ".gitkeep" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

func sortedFileNames(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
