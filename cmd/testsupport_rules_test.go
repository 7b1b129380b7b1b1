package cmd

import (
	"path"
	"slices"
	"strings"
	"testing"
)

// testSupport says whether a module package (its path relative to the
// module) is test support: internal/testutil and what lies below it, and
// every package named like httptest (cmdutiltest, redistest, ...).
func testSupport(rel string) bool {
	return under(rel, "internal/testutil") || strings.HasSuffix(path.Base(rel), "test")
}

// TestTestSupportStaysInTests: the helpers tests share import "testing",
// start servers and write certificates. Only _test.go files and other
// test-support packages import them, so the wwcli binary never links
// them, nor "testing".
func TestTestSupportStaysInTests(t *testing.T) {
	module, pkgs := modulePackages(t)
	var support []string
	for _, p := range pkgs {
		if testSupport(p.path) {
			support = append(support, module+"/"+p.path)
		}
	}
	for _, want := range []string{"internal/testutil", "internal/testutil/oracle", "pkg/cmdutil/cmdutiltest", "pkg/rediscache/redistest"} {
		if !slices.Contains(support, module+"/"+want) {
			t.Fatalf("%s is not among the test-support packages found: %v", want, support)
		}
	}
	for _, p := range pkgs {
		if testSupport(p.path) {
			continue
		}
		if bad := matching(p.imports, support...); len(bad) > 0 {
			t.Errorf("%s imports %v outside its _test.go files: test support is for tests only", p.path, bad)
		}
	}
	deps := strings.Fields(goList(t, "-deps", "."))
	if bad := matching(deps, append(support, "testing")...); len(bad) > 0 {
		t.Errorf("the wwcli binary links %v", bad)
	}
}
