package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/apicatalog"
)

// TestEndpointTableDrift: the endpoint table in docs/sandbox.md is the
// API catalog's (pkg/apicatalog/endpoints.tsv).
func TestEndpointTableDrift(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "sandbox.md"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := apicatalog.ReplaceTable(string(doc), apicatalog.Load().MarkdownTable())
	if err != nil {
		t.Fatal(err)
	}
	if want != string(doc) {
		t.Fatalf("docs/sandbox.md: the endpoint table differs from pkg/apicatalog; %s", regenerateHint)
	}
}

func TestEndpointTableFlag(t *testing.T) {
	file := filepath.Join(t.TempDir(), "doc.md")
	os.WriteFile(file, []byte("# x\n"+apicatalog.BeginMarker+"\nstale\n"+apicatalog.EndMarker+"\n"), 0o644)
	var stderr strings.Builder
	if code := run([]string{"--endpoint-table", file}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got, _ := os.ReadFile(file)
	if strings.Contains(string(got), "stale") || !strings.Contains(string(got), "| `user/get` | GET | app | **yes** |") {
		t.Fatalf("%s", got)
	}
	os.WriteFile(file, []byte("no markers\n"), 0o644)
	if code := run([]string{"--endpoint-table", file}, &stderr); code != 1 {
		t.Fatalf("missing markers: exit %d", code)
	}
}
