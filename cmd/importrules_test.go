package cmd

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The import rules of docs/architecture.md, checked on what `go list` says
// the packages import (not on what their comments claim).

// goPackage is one package of the module as `go list` reports it.
type goPackage struct {
	path        string   // import path relative to the module ("pkg/wecom"; "" for the root)
	imports     []string // direct imports of its non-test files
	deps        []string // everything its non-test files pull in, transitively
	dir         string
	goFiles     []string
	testImports []string // direct imports of its _test.go files (in-package and external)
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
	out := goList(t, "-f", "{{.ImportPath}}\t{{join .Imports \" \"}}\t{{join .Deps \" \"}}\t{{.Dir}}\t{{join .GoFiles \" \"}}\t{{join .TestImports \" \"}} {{join .XTestImports \" \"}}", "./...")
	// Not TrimSpace: the last field may be only a space.
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			t.Fatalf("go list line %q", line)
		}
		pkgs = append(pkgs, goPackage{
			path:        strings.TrimPrefix(strings.TrimPrefix(f[0], module), "/"),
			imports:     strings.Fields(f[1]),
			deps:        strings.Fields(f[2]),
			dir:         f[3],
			goFiles:     strings.Fields(f[4]),
			testImports: strings.Fields(f[5]),
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
	keyringModules   = []string{"github.com/zalando/go-keyring"}
	styleModules     = []string{"github.com/charmbracelet/lipgloss", "github.com/muesli/termenv"}
	ttyModules       = []string{"github.com/mattn/go-isatty", "golang.org/x/term"}
	websocketModules = []string{"github.com/coder/websocket", "nhooyr.io/websocket", "github.com/gorilla/websocket", "golang.org/x/net/websocket"}
	testOnly         = []string{"github.com/rogpeppe/go-internal", "github.com/makiuchi-d/gozxing", "github.com/chromedp/chromedp", "github.com/chromedp/cdproto"}
	// pureDomain packages know nothing about terminals or the environment.
	pureDomain = []string{"pkg/wecom", "pkg/jssdk", "pkg/oauth", "pkg/errcode", "pkg/callback"}
)

// moduleOwners: a heavy or delicate module is imported by one package, so its
// cost, its settings and its pitfalls sit in one place (docs/architecture.md).
var moduleOwners = []struct {
	modules []string
	owners  []string // module-relative paths; none: nobody yet
}{
	{keyringModules, []string{"pkg/credstore"}},
	{styleModules, []string{"pkg/ui"}},
	{ttyModules, []string{"pkg/iostreams"}},
	{[]string{"github.com/redis/go-redis"}, []string{"pkg/rediscache", "pkg/rediscache/redistest"}},
	{[]string{"github.com/itchyny/gojq"}, []string{"pkg/jq"}},
	{[]string{"rsc.io/qr"}, []string{"pkg/qrterm"}},
	{[]string{"golang.org/x/net/idna"}, []string{"pkg/jssdk"}},
	// No package speaks websocket yet. The first that needs it (the AI-bot
	// gateway and its client, on github.com/coder/websocket) is named here
	// as the one owner, and everything else goes through it.
	{websocketModules, nil},
}

// layer is a package's place in the layers of docs/architecture.md. A
// package imports only packages of its own layer or a lower one.
type layer int

const (
	layerLeaf    layer = iota // general-purpose helpers that know nothing of WeCom; the standard library and a small module at most
	layerDomain               // WeCom's rules and formats: the API client, signatures, crypto, errcodes, content limits
	layerService              // what holds state, stores, checks or serves: caches, credentials, config, servers, senders
	layerSupport              // command support: the Factory, the exporter, IO streams, presentation (ui, qrterm, jq)
	layerCommand              // cmd and cmd/<command>: cobra wiring
	layerProgram              // main packages: the binary, gen-docs, benchmarks, the browser tests
)

var layerNames = [...]string{layerLeaf: "leaf", layerDomain: "domain", layerService: "service", layerSupport: "command support", layerCommand: "command", layerProgram: "program"}

func (l layer) String() string { return layerNames[l] }

// layers places every package of the module ("" is main.go's). A new
// package fails TestImportRules until it has a row here, and one in
// docs/architecture.md's layer table (TestDocsNameEveryPackage). Helpers
// for tests sit in the layer of the package they help; internal/testutil,
// shared by tests in every layer, is a leaf.
var layers = map[string]layer{
	"internal/testutil":  layerLeaf, // what the tests of several packages share
	"pkg/atomicfile":     layerLeaf,
	"pkg/build":          layerLeaf,
	"pkg/check":          layerLeaf,
	"pkg/clock":          layerLeaf,
	"pkg/safedir":        layerLeaf,
	"pkg/safetext":       layerLeaf,
	"pkg/sandboxconsole": layerLeaf, // static files; knows nothing of the sandbox
	"pkg/secretinput":    layerLeaf,
	"pkg/shellquote":     layerLeaf,

	"internal/testutil/oracle": layerDomain, // the official npm packages as oracles for the domain's tests
	"pkg/apicatalog":           layerDomain,
	"pkg/callback":             layerDomain,
	"pkg/errcode":              layerDomain,
	"pkg/jssdk":                layerDomain,
	"pkg/msgspec":              layerDomain,
	"pkg/oauth":                layerDomain,
	"pkg/wecom":                layerDomain,

	"internal/serve":                  layerService,
	"pkg/callbackserve":               layerService,
	"pkg/config":                      layerService,
	"pkg/credentials":                 layerService,
	"pkg/credstore":                   layerService,
	"pkg/doctor":                      layerService,
	"pkg/domaincheck":                 layerService,
	"pkg/domaincheck/domainchecktest": layerService,
	"pkg/message":                     layerService,
	"pkg/pacer":                       layerService,
	"pkg/profile":                     layerService,
	"pkg/recording":                   layerService,
	"pkg/rediscache":                  layerService,
	"pkg/rediscache/redistest":        layerService,
	"pkg/relay":                       layerService,
	"pkg/sandbox":                     layerService,
	"pkg/session":                     layerService,
	"pkg/signserve":                   layerService,
	"pkg/suite":                       layerService,
	"pkg/suiteticket":                 layerService,
	"pkg/tokencache":                  layerService,
	"pkg/webhook":                     layerService,

	"pkg/cmdutil":             layerSupport,
	"pkg/cmdutil/cmdutiltest": layerSupport,
	"pkg/iostreams":           layerSupport,
	"pkg/jq":                  layerSupport,
	"pkg/qrterm":              layerSupport,
	"pkg/qrterm/qrtermtest":   layerSupport,
	"pkg/ui":                  layerSupport,

	"cmd":                         layerCommand,
	"cmd/api":                     layerCommand,
	"cmd/auth":                    layerCommand,
	"cmd/authurl":                 layerCommand,
	"cmd/callback":                layerCommand,
	"cmd/doctor":                  layerCommand,
	"cmd/errcode":                 layerCommand,
	"cmd/media":                   layerCommand,
	"cmd/message":                 layerCommand,
	"cmd/provider":                layerCommand,
	"cmd/relay":                   layerCommand,
	"cmd/sandbox":                 layerCommand,
	"cmd/shared":                  layerCommand,
	"cmd/sign":                    layerCommand,
	"cmd/suite":                   layerCommand,
	"cmd/ticket":                  layerCommand,
	"cmd/token":                   layerCommand,
	"cmd/userinfo":                layerCommand,
	"cmd/verifydomain":            layerCommand,
	"cmd/verifydomain/scripttest": layerCommand,
	"cmd/version":                 layerCommand,
	"cmd/webhook":                 layerCommand,

	"":                        layerProgram,
	"cmd/gen-docs":            layerProgram,
	"bench/callback-blocked":  layerProgram,
	"bench/internal/loadrun":  layerProgram, // what the load benches share
	"bench/relay-load":        layerProgram,
	"bench/relay-load/stress": layerProgram,
	"bench/sandbox-load":      layerProgram,
	"bench/sign-serve":        layerProgram,
	"bench/suite-callback":    layerProgram,
	"bench/suite-load":        layerProgram,
	"test/browser":            layerProgram,
}

// layerExceptions are the known imports that point up, each with why it
// exists and what removes it. The list only shrinks: an exception that is
// no longer needed fails the test until it is deleted here.
var layerExceptions = map[[2]string]string{}

func TestImportRules(t *testing.T) {
	module, pkgs := modulePackages(t)
	rel := func(path string) (string, bool) {
		if path == module {
			return "", true
		}
		r, ok := strings.CutPrefix(path, module+"/")
		return r, ok
	}
	cmdDir, cobra := module+"/cmd", "github.com/spf13/cobra"
	terminal := append(append(append([]string{}, styleModules...), ttyModules...),
		module+"/pkg/ui", module+"/pkg/iostreams")

	t.Run("pkg and internal never reach cmd or cobra", func(t *testing.T) {
		for _, p := range pkgs {
			if under(p.path, "pkg") || under(p.path, "internal") {
				if bad := matching(p.deps, cmdDir, cobra); len(bad) > 0 {
					t.Errorf("%s depends on %v: pkg/ and internal/ never import cmd/ or cobra (docs/architecture.md)", p.path, bad)
				}
			}
		}
	})

	t.Run("one owner per module", func(t *testing.T) {
		for _, p := range pkgs {
			for _, rule := range moduleOwners {
				if bad := matching(p.imports, rule.modules...); len(bad) > 0 && !slices.Contains(rule.owners, p.path) {
					if len(rule.owners) == 0 {
						t.Errorf("%s imports %v: no package owns this module yet; make one package its owner in cmd/importrules_test.go and docs/architecture.md", p.path, bad)
					} else {
						t.Errorf("%s imports %v: only %s may", p.path, bad, strings.Join(rule.owners, " and "))
					}
				}
			}
		}
	})

	t.Run("layers", func(t *testing.T) {
		used := map[[2]string]bool{}
		seen := map[string]bool{}
		for _, p := range pkgs {
			seen[p.path] = true
			from, ok := layers[p.path]
			if !ok {
				t.Errorf("package %q has no layer: give it one in cmd/importrules_test.go's layers and docs/architecture.md's layer table", p.path)
				continue
			}
			for _, imp := range p.imports {
				to, inModule := rel(imp)
				if !inModule {
					continue
				}
				toLayer, ok := layers[to]
				if !ok || toLayer <= from {
					continue // a package without a layer is reported on its own
				}
				if _, known := layerExceptions[[2]string{p.path, to}]; known {
					used[[2]string{p.path, to}] = true
					continue
				}
				t.Errorf("%s (%s) imports %s (%s): a package imports only its own layer or lower (docs/architecture.md)", p.path, from, to, toLayer)
			}
		}
		for path := range layers {
			if !seen[path] {
				t.Errorf("layers names %q, which is not a package of the module: remove it", path)
			}
		}
		for edge, why := range layerExceptions {
			if !used[edge] {
				t.Errorf("the exception %s -> %s (%s) is no longer needed: delete it from layerExceptions and docs/architecture.md", edge[0], edge[1], why)
			}
		}
	})

	t.Run("commands import no other command", func(t *testing.T) {
		for _, p := range pkgs {
			own, ok := strings.CutPrefix(p.path, "cmd/")
			if !ok || layers[p.path] != layerCommand {
				continue // cmd itself registers every command; gen-docs is a program
			}
			own, _, _ = strings.Cut(own, "/")
			checkImports := func(imports []string, test bool) {
				for _, imp := range imports {
					to, inModule := rel(imp)
					if !inModule || !under(to, "cmd") || under(to, "cmd/"+own) || to == "cmd/shared" ||
						test && to == "cmd/verifydomain/scripttest" {
						continue
					}
					t.Errorf("%s imports %s: a command imports only cmd/shared of cmd/ (tests also cmd/verifydomain/scripttest); move what both need to cmd/shared or pkg/", p.path, to)
				}
			}
			checkImports(p.imports, false)
			checkImports(p.testImports, true)
		}
	})

	t.Run("pure domain", func(t *testing.T) {
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
	})
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
