package cmd

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Checks that keep README.md and docs/ true to the code and readable from a
// clone alone.

const repoRoot = ".."

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// environmentVariables are the names `wwcli help environment` lists: the
// first column of each entry, "A, B=1, C" style.
func environmentVariables(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, line := range strings.Split(environmentHelp, "\n") {
		if !strings.HasPrefix(line, "  ") || strings.HasPrefix(line, "   ") {
			continue // the heading, or a description on its own line
		}
		first, _, _ := strings.Cut(strings.TrimSpace(line), "  ")
		for _, name := range strings.Split(first, ",") {
			name, _, _ = strings.Cut(strings.TrimSpace(name), "=")
			names = append(names, name)
		}
	}
	if len(names) < 10 {
		t.Fatalf("found only %v in the environment help", names)
	}
	return names
}

func TestREADMEListsEveryEnvironmentVariable(t *testing.T) {
	readme := readRepoFile(t, "README.md")
	for _, name := range environmentVariables(t) {
		if !regexp.MustCompile("`" + regexp.QuoteMeta(name) + "[^A-Z0-9_]").MatchString(readme) {
			t.Errorf("README.md's environment table lacks `%s`, which `wwcli help environment` lists", name)
		}
	}
}

// TestDocsNameEveryPackage: README's project layout and docs/architecture.md
// name every package of pkg/ (helpers for tests inside them excepted).
func TestDocsNameEveryPackage(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join(repoRoot, "pkg"))
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{
		"README.md":            readRepoFile(t, "README.md"),
		"docs/architecture.md": readRepoFile(t, "docs/architecture.md"),
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		for file, text := range docs {
			if !strings.Contains(text, "`"+e.Name()+"`") {
				t.Errorf("%s does not name the package pkg/%s", file, e.Name())
			}
		}
	}
	if n < 10 {
		t.Fatalf("found only %d packages in pkg/", n)
	}
	checkLayerTable(t, docs["docs/architecture.md"])
}

// checkLayerTable: docs/architecture.md's layer table places every package
// of pkg/ and internal/ (helpers for tests included) in the layer that
// TestImportRules enforces, and names no package that is gone.
func checkLayerTable(t *testing.T, doc string) {
	t.Helper()
	documented := map[string]string{} // package -> layer named in its row
	rows := 0
	for _, line := range strings.Split(doc, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 5 || !slices.Contains(layerNames[:], strings.TrimSpace(cells[1])) {
			continue // "| layer | what it is | packages |" rows only
		}
		rows++
		for _, m := range layerTableCode.FindAllStringSubmatch(cells[3], -1) {
			if under(m[1], "pkg") || under(m[1], "internal") {
				documented[m[1]] = strings.TrimSpace(cells[1])
			}
		}
	}
	if rows != len(layerNames) {
		t.Fatalf("docs/architecture.md's layer table has %d rows, want one per layer %v", rows, layerNames)
	}
	_, pkgs := modulePackages(t)
	n := 0
	for _, p := range pkgs {
		if !under(p.path, "pkg") && !under(p.path, "internal") {
			continue
		}
		n++
		got, ok := documented[p.path]
		want, placed := layers[p.path]
		switch {
		case !ok:
			t.Errorf("docs/architecture.md's layer table does not name `%s`", p.path)
		case placed && got != want.String():
			t.Errorf("docs/architecture.md puts `%s` in the %s layer, cmd/importrules_test.go in %s", p.path, got, want)
		}
		delete(documented, p.path)
	}
	for path := range documented {
		t.Errorf("docs/architecture.md's layer table names `%s`, which is not a package", path)
	}
	if n < 10 {
		t.Fatalf("go list found only %d packages in pkg/ and internal/", n)
	}
}

var layerTableCode = regexp.MustCompile("`([^`]+)`")

// outsideReferences are names of material that lives outside this
// repository; a clone cannot follow them.
var outsideReferences = []string{"../shared", "shared/ci/", "ARCHITECTURE.md", "wecom-api", "cli-style-study",
	"reference/audit", "wecom-messaging-and-suites"}

// TestNothingPointsOutsideTheRepository reads every text file of the
// repository (code comments included) and every relative link in README.md
// and docs/.
func TestNothingPointsOutsideTheRepository(t *testing.T) {
	skipDirs := map[string]bool{".git": true, "node_modules": true, "dist": true, "bin": true}
	self := filepath.Join("cmd", "docs_test.go")
	checked := 0
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(repoRoot, path)
		if d.IsDir() {
			if skipDirs[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		if rel == self || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.IndexByte(b, 0) >= 0 {
			return nil // binary
		}
		checked++
		for _, ref := range outsideReferences {
			if i := bytes.Index(b, []byte(ref)); i >= 0 {
				line := bytes.Count(b[:i], []byte("\n")) + 1
				t.Errorf("%s:%d refers to %q, which is not in the repository; point at docs/ or the official page", rel, line, ref)
			}
		}
		if strings.HasSuffix(rel, ".md") {
			checkMarkdownLinks(t, rel, string(b))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("read only %d files", checked)
	}
}

var (
	markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	// code is where brackets are not links: fenced blocks and `spans`.
	code = regexp.MustCompile("(?s)```.*?```|`[^`\n]*`")
)

// checkMarkdownLinks: a relative link must name a file or directory of the
// repository.
func checkMarkdownLinks(t *testing.T, file, text string) {
	t.Helper()
	for _, m := range markdownLink.FindAllStringSubmatch(code.ReplaceAllString(text, ""), -1) {
		target, _, _ := strings.Cut(m[1], "#")
		if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		path := filepath.Join(filepath.Dir(file), filepath.FromSlash(target))
		if strings.HasPrefix(path, "..") {
			t.Errorf("%s links to %s, outside the repository", file, m[1])
			continue
		}
		if _, err := os.Stat(filepath.Join(repoRoot, path)); err != nil {
			t.Errorf("%s links to %s, which does not exist", file, m[1])
		}
	}
}
