package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/wwcli/wwcli/pkg/iostreams"
)

const regenerateHint = "generated files are stale; regenerate them with: scripts/gen-docs"

// docsEmptyEnv keeps the developer's environment out of generated text.
func docsEmptyEnv(string) string { return "" }

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
