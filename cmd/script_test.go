package cmd

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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
		webhookScriptCommands(),
		suiteScriptCommands(),
		relayScriptCommands(),
		vdscript.Commands(),     // vdserve: web servers for verify-domain
		{"exits": exitsCommand}, // no sleep: a script waits for what it needs (wait-file, --within)
	} {
		for name, fn := range set {
			cmds[name] = fn
		}
	}
	return cmds
}

// exitsCommand is `exits N PROG ARGS...`: run PROG (as exec would) and
// assert its exit code is exactly N. stdout and stderr are kept for the
// following stdout/stderr assertions. `! exits` is not allowed: name the code.
func exitsCommand(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("exits takes no '!': name the exit code you expect")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exits N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %q is not an exit code", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", strings.Join(args[1:], " "), got, want)
	}
}
