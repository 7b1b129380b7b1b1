package cmd

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	vdscript "github.com/wwcli/wwcli/cmd/verifydomain/scripttest"
)

// TestMain lets testscript run the real wwcli main in-process as `wwcli`.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"wwcli": func() { os.Exit(Main()) },
	})
}

// TestScripts runs every end-to-end script in testdata/script. Each script
// gets its own config, cache and keyring-free environment under $WORK.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(e *testscript.Env) error {
			work := e.WorkDir
			e.Setenv("HOME", filepath.Join(work, "home"))
			e.Setenv("XDG_CONFIG_HOME", filepath.Join(work, "xdg-config"))
			e.Setenv("XDG_CACHE_HOME", filepath.Join(work, "xdg-cache"))
			e.Setenv("WWCLI_CONFIG_DIR", filepath.Join(work, "config"))
			e.Setenv("WWCLI_CACHE_DIR", filepath.Join(work, "cache"))
			e.Setenv("WWCLI_KEYRING", "off")
			e.Setenv("NO_COLOR", "")
			e.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
			return nil
		},
		Cmds: scriptCommands(),
	})
}

// scriptCommands gathers the custom testscript commands (each defined beside
// the feature it serves, e.g. script_sandbox_test.go).
func scriptCommands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	cmds := map[string]func(ts *testscript.TestScript, neg bool, args []string){}
	for _, set := range []map[string]func(ts *testscript.TestScript, neg bool, args []string){
		sandboxScriptCommands(),
		vdscript.Commands(), // vdserve: web servers for verify-domain
	} {
		for name, fn := range set {
			cmds[name] = fn
		}
	}
	return cmds
}
