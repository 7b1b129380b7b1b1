package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/wwcli/wwcli/pkg/iostreams"
)

const regenerateHint = "generated files are stale; regenerate them with: scripts/gen-docs " +
	"(or: go run . gen-docs --completions completions --markdown docs/cli --man docs/man)"

// docsEmptyEnv keeps the developer's environment out of generated text.
func docsEmptyEnv(string) string { return "" }

// TestGeneratedDocsDrift regenerates completions, the Markdown reference
// and the man pages and compares them with the committed files.
func TestGeneratedDocsDrift(t *testing.T) {
	tmp := t.TempDir()
	dirs := map[string]string{ // committed dir (from the repo root) -> fresh copy
		"completions": filepath.Join(tmp, "completions"),
		"docs/cli":    filepath.Join(tmp, "cli"),
		"docs/man":    filepath.Join(tmp, "man"),
	}
	io, _, _, errOut := iostreams.Test()
	code := Run([]string{"gen-docs",
		"--completions", dirs["completions"],
		"--markdown", dirs["docs/cli"],
		"--man", dirs["docs/man"]}, io, docsEmptyEnv)
	if code != 0 {
		t.Fatalf("gen-docs exited %d: %s", code, errOut)
	}
	for committed, fresh := range dirs {
		compareGeneratedDir(t, filepath.Join("..", committed), fresh)
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

// TestCompletionCommandDrift checks cobra's default
// `completion` command works and prints what completions/ ships.
func TestCompletionCommandDrift(t *testing.T) {
	for shell, file := range map[string]string{
		"bash": "wwcli.bash", "zsh": "wwcli.zsh", "fish": "wwcli.fish", "powershell": "wwcli.ps1",
	} {
		io, _, out, errOut := iostreams.Test()
		if code := Run([]string{"completion", shell}, io, docsEmptyEnv); code != 0 {
			t.Fatalf("wwcli completion %s exited %d: %s", shell, code, errOut)
		}
		if out.Len() == 0 {
			t.Fatalf("wwcli completion %s printed nothing", shell)
		}
		committed, err := os.ReadFile(filepath.Join("..", "completions", file))
		if err != nil {
			t.Fatalf("%v; %s", err, regenerateHint)
		}
		if !bytes.Equal(out.Bytes(), committed) {
			t.Errorf("wwcli completion %s differs from completions/%s; %s", shell, file, regenerateHint)
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
