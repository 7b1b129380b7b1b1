package cmd

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The import rules of docs/architecture.md, checked on what `go list` says
// the packages import (not on what their comments claim).

// goPackage is one package of the module as `go list` reports it.
type goPackage struct {
	path    string   // import path relative to the module ("pkg/wecom"; "" for the root)
	imports []string // direct imports of its non-test files
	deps    []string // everything its non-test files pull in, transitively
	dir     string
	goFiles []string
}

// goList runs `go list` from the repository root.
func goList(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"list"}, args...)...)
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

func modulePackages(t *testing.T) (module string, pkgs []goPackage) {
	t.Helper()
	module = strings.TrimSpace(goList(t, "-m"))
	out := goList(t, "-f", "{{.ImportPath}}\t{{join .Imports \" \"}}\t{{join .Deps \" \"}}\t{{.Dir}}\t{{join .GoFiles \" \"}}", "./...")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			t.Fatalf("go list line %q", line)
		}
		pkgs = append(pkgs, goPackage{
			path:    strings.TrimPrefix(strings.TrimPrefix(f[0], module), "/"),
			imports: strings.Fields(f[1]),
			deps:    strings.Fields(f[2]),
			dir:     f[3],
			goFiles: strings.Fields(f[4]),
		})
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return module, pkgs
}

func under(path, dir string) bool { return path == dir || strings.HasPrefix(path, dir+"/") }

// matching returns the entries of list that are (or are inside) one of prefixes.
func matching(list []string, prefixes ...string) []string {
	var hits []string
	for _, p := range list {
		for _, pre := range prefixes {
			if under(p, pre) {
				hits = append(hits, p)
				break
			}
		}
	}
	return hits
}

var (
	keyringModules = []string{"github.com/zalando/go-keyring"}
	styleModules   = []string{"github.com/charmbracelet/lipgloss", "github.com/muesli/termenv"}
	ttyModules     = []string{"github.com/mattn/go-isatty", "golang.org/x/term"}
	testOnly       = []string{"github.com/rogpeppe/go-internal", "github.com/makiuchi-d/gozxing", "github.com/chromedp/chromedp", "github.com/chromedp/cdproto"}
	// pureDomain packages know nothing about terminals or the environment.
	pureDomain = []string{"pkg/wecom", "pkg/jssdk", "pkg/oauth", "pkg/errcode", "pkg/callback"}
)

func TestImportRules(t *testing.T) {
	module, pkgs := modulePackages(t)
	cmdDir, cobra := module+"/cmd", "github.com/spf13/cobra"
	terminal := append(append(append([]string{}, styleModules...), ttyModules...),
		module+"/pkg/ui", module+"/pkg/iostreams")
	for _, p := range pkgs {
		if under(p.path, "pkg") || under(p.path, "internal") {
			if bad := matching(p.deps, cmdDir, cobra); len(bad) > 0 {
				t.Errorf("%s depends on %v: pkg/ and internal/ never import cmd/ or cobra (docs/architecture.md)", p.path, bad)
			}
		}
		for _, rule := range []struct {
			owner   string
			modules []string
		}{
			{"pkg/credstore", keyringModules},
			{"pkg/ui", styleModules},
			{"pkg/iostreams", ttyModules},
		} {
			if bad := matching(p.imports, rule.modules...); len(bad) > 0 && p.path != rule.owner {
				t.Errorf("%s imports %v: only %s may", p.path, bad, rule.owner)
			}
		}
	}
	checked := 0
	for _, p := range pkgs {
		for _, pure := range pureDomain {
			if p.path != pure {
				continue
			}
			checked++
			if bad := matching(p.deps, terminal...); len(bad) > 0 {
				t.Errorf("%s depends on %v: it must know nothing about terminals", p.path, bad)
			}
			for _, use := range processStateUses(t, p) {
				t.Errorf("%s: %s; take the value (or an io.Writer, a getenv func) from the caller", p.path, use)
			}
		}
	}
	if checked != len(pureDomain) {
		t.Errorf("found %d of the %d packages %v", checked, len(pureDomain), pureDomain)
	}
}

// TestTestOnlyModulesStayOutOfTheBinary: what the wwcli binary links.
func TestTestOnlyModulesStayOutOfTheBinary(t *testing.T) {
	deps := strings.Fields(goList(t, "-deps", "."))
	if len(deps) < 50 {
		t.Fatalf("go list -deps . listed only %d packages", len(deps))
	}
	if bad := matching(deps, testOnly...); len(bad) > 0 {
		t.Errorf("the wwcli binary links test-only packages %v", bad)
	}
}

// processState are the process-wide inputs and outputs a pure package must
// not reach for itself.
var processState = map[string]map[string]bool{
	"os":      {"Getenv": true, "LookupEnv": true, "Environ": true, "Stdin": true, "Stdout": true, "Stderr": true},
	"syscall": {"Getenv": true, "Environ": true},
	"fmt":     {"Print": true, "Printf": true, "Println": true},
}

// processStateUses lists where p's non-test files use processState.
func processStateUses(t *testing.T, p goPackage) []string {
	t.Helper()
	var uses []string
	fset := token.NewFileSet()
	for _, name := range p.goFiles {
		file, err := parser.ParseFile(fset, filepath.Join(p.dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		local := map[string]string{} // name in this file -> import path
		for _, imp := range file.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			n := filepath.Base(path)
			if imp.Name != nil {
				n = imp.Name.Name
			}
			local[n] = path
		}
		ast.Inspect(file, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && processState[local[id.Name]][sel.Sel.Name] {
				uses = append(uses, fset.Position(sel.Pos()).String()+" uses "+local[id.Name]+"."+sel.Sel.Name)
			}
			return true
		})
	}
	return uses
}

// TestServersLiveInTheFoundation: every server's listener, signals and
// output queues come from internal/serve; cmd/ only wires flags and
// prints. And there is one IsLoopback in the tree, so no two servers
// disagree on what "local" means (the audit found four).
func TestServersLiveInTheFoundation(t *testing.T) {
	_, pkgs := modulePackages(t)
	forbidden := map[string]map[string]bool{
		"net":       {"Listen": true, "ListenTCP": true, "ListenPacket": true},
		"net/http":  {"Server": true, "ListenAndServe": true, "Serve": true},
		"os/signal": {"Notify": true, "NotifyContext": true},
	}
	fset := token.NewFileSet()
	loopbacks := 0
	for _, p := range pkgs {
		// scripttest packages are test support (a stand-in web server).
		inCmd := under(p.path, "cmd") && !strings.HasSuffix(p.path, "/scripttest")
		for _, name := range p.goFiles {
			file, err := parser.ParseFile(fset, filepath.Join(p.dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			local := map[string]string{}
			for _, imp := range file.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				n := filepath.Base(path)
				if imp.Name != nil {
					n = imp.Name.Name
				}
				local[n] = path
			}
			ast.Inspect(file, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncDecl:
					if strings.EqualFold(n.Name.Name, "isLoopback") || strings.EqualFold(n.Name.Name, "isLoopbackHost") {
						loopbacks++
						if p.path != "internal/serve" {
							t.Errorf("%s: %s declares %s: use serve.IsLoopback", p.path, fset.Position(n.Pos()), n.Name.Name)
						}
					}
				case *ast.TypeSpec:
					if inCmd && strings.Contains(strings.ToLower(n.Name.Name), "queue") {
						t.Errorf("%s: %s declares %s: output queues are serve.LineQueue", p.path, fset.Position(n.Pos()), n.Name.Name)
					}
				case *ast.SelectorExpr:
					// root.go's NotifyContext is every command's Ctrl-C (exit 130), not a server's.
					rootInterrupt := p.path == "cmd" && name == "root.go" && n.Sel.Name == "NotifyContext"
					if id, ok := n.X.(*ast.Ident); ok && inCmd && !rootInterrupt && forbidden[local[id.Name]][n.Sel.Name] {
						t.Errorf("%s: %s uses %s.%s: servers listen, serve and take signals through internal/serve", p.path, fset.Position(n.Pos()), local[id.Name], n.Sel.Name)
					}
				}
				return true
			})
		}
	}
	if loopbacks != 1 {
		t.Errorf("%d IsLoopback functions in the tree, want the one in internal/serve", loopbacks)
	}
}
