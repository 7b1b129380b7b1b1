package sandbox

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// mapEntry is one line of doc.go's file map (with its continuation lines):
// a file, then what it holds.
type mapEntry struct {
	file, rest string
}

// fileMap reads the file map of doc.go: its entries, each block under the
// paragraph before it, and every *.go name the package doc mentions.
func fileMap(t *testing.T) (blocks map[string][]mapEntry, named []string) {
	t.Helper()
	f, err := parser.ParseFile(gotoken.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil || f.Doc == nil {
		t.Fatalf("doc.go has no package doc: %v", err)
	}
	text := f.Doc.Text()
	named = regexp.MustCompile(`\b[a-z0-9_]+\.go\b`).FindAllString(text, -1)
	blocks = map[string][]mapEntry{}
	paragraph, fresh := "", true
	for line := range strings.SplitSeq(text, "\n") {
		switch {
		case line == "":
			fresh = true // a text line after this starts a new paragraph
		case !strings.HasPrefix(line, "\t"):
			if fresh {
				paragraph, fresh = "", false
			}
			paragraph += line + " "
		default:
			fields := strings.Fields(line)
			list := blocks[paragraph]
			if strings.HasSuffix(fields[0], ".go") {
				blocks[paragraph] = append(list, mapEntry{file: fields[0], rest: strings.Join(fields[1:], " ")})
			} else if len(list) > 0 {
				list[len(list)-1].rest += " " + strings.Join(fields, " ")
			}
		}
	}
	return blocks, named
}

// routeBlock is the block of entries whose paragraph names table.
func routeBlock(t *testing.T, blocks map[string][]mapEntry, table string) []mapEntry {
	t.Helper()
	for p, list := range blocks {
		if strings.Contains(p, "the table "+table+" ") {
			return list
		}
	}
	t.Fatalf("doc.go: no file map block follows a paragraph naming %s", table)
	return nil
}

// definedIn maps each function and method of the package ("(*Server).info",
// "externalRoute") to the file that defines it.
func definedIn(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(gotoken.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			name := fd.Name.Name
			if fd.Recv != nil {
				switch r := fd.Recv.List[0].Type.(type) {
				case *ast.StarExpr:
					name = "(*" + r.X.(*ast.Ident).Name + ")." + name
				case *ast.Ident:
					name = r.Name + "." + name
				}
			}
			out[name] = path
		}
	}
	return out
}

// handlerFile is the file that defines handler h: a method value
// (s.getToken) or a closure another function returns (s.tagMembers(true)).
func handlerFile(t *testing.T, defs map[string]string, h any) string {
	t.Helper()
	name := runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name()
	name = name[strings.LastIndex(name, "/sandbox.")+len("/sandbox."):]
	name = strings.TrimSuffix(name, "-fm")
	name = regexp.MustCompile(`(\.func\d+)+$`).ReplaceAllString(name, "")
	// a closure inlined into its caller is named after both
	// ("(*Server).apiRoutes.(*Server).getAuthInfo"): keep the innermost
	parts := strings.Split(name, ".")
	name = parts[len(parts)-1]
	if len(parts) > 1 && strings.HasPrefix(parts[len(parts)-2], "(") {
		name = parts[len(parts)-2] + "." + name
	}
	file, ok := defs[name]
	if !ok {
		t.Fatalf("handler %s: no declaration found", name)
	}
	return file
}

// claims reports whether pattern (a path, or "X/..." for every path under
// X/) covers path.
func claims(pattern, path string) bool {
	if dir, ok := strings.CutSuffix(pattern, "/..."); ok {
		return strings.HasPrefix(path, dir+"/")
	}
	return pattern == path
}

// checkRoutes: every route is claimed by exactly one entry, the one of the
// file that defines its handler, and every pattern claims a route.
func checkRoutes(t *testing.T, table string, entries []mapEntry, routes map[string][]any, trim string) {
	t.Helper()
	defs := definedIn(t)
	used := map[string]bool{}
	for path, handlers := range routes {
		p := strings.TrimPrefix(path, trim)
		var owners []string
		for _, e := range entries {
			for pat := range strings.SplitSeq(e.rest, ",") {
				pat = strings.TrimSpace(pat)
				if claims(pat, p) {
					owners = append(owners, e.file)
					used[pat] = true
				}
			}
		}
		if len(owners) != 1 {
			t.Errorf("doc.go: %s route %s is listed under %v, want exactly one file", table, path, owners)
			continue
		}
		for _, h := range handlers {
			if got := handlerFile(t, defs, h); got != owners[0] {
				t.Errorf("doc.go lists %s under %s, but its handler is in %s", path, owners[0], got)
			}
		}
	}
	for _, e := range entries {
		for pat := range strings.SplitSeq(e.rest, ",") {
			if pat = strings.TrimSpace(pat); !used[pat] {
				t.Errorf("doc.go: %s lists %q under %s, which is no route of %s", e.file, pat, table, table)
			}
		}
	}
}

// TestFileMap keeps the file map of doc.go true.
func TestFileMap(t *testing.T) {
	blocks, named := fileMap(t)

	for _, name := range named {
		if _, err := os.Stat(name); err != nil {
			t.Errorf("doc.go names %s, which does not exist", name)
		}
	}
	var mapped []string
	for _, list := range blocks {
		for _, e := range list {
			mapped = append(mapped, e.file)
		}
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") && !slices.Contains(mapped, f) {
			t.Errorf("%s is not in the file map of doc.go", f)
		}
	}

	s := New(Options{})
	api := map[string][]any{}
	for path, rt := range s.apiRoutes() { // the table as written (New wraps gettoken: learnPermanentCodes)
		api[path] = []any{rt.handle}
	}
	checkRoutes(t, "apiRoutes", routeBlock(t, blocks, "apiRoutes"), api, "/cgi-bin/")
	control := map[string][]any{}
	for path, rt := range s.control {
		for _, m := range rt {
			control[path] = append(control[path], m.handle)
		}
	}
	checkRoutes(t, "controlRoutes", routeBlock(t, blocks, "controlRoutes"), control, "/_sandbox/")
}
