package verifydomain_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/wwcli/wwcli/cmd"
	"github.com/wwcli/wwcli/cmd/verifydomain/scripttest"
)

// TestMain lets the scripts run the real wwcli as `wwcli`.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"wwcli": func() { os.Exit(cmd.Main()) },
	})
}

// TestServerScripts runs the end-to-end scripts that need web servers on
// 127.0.0.1 (the vdserve command). They live here rather than in
// cmd/testdata/script because that runner does not know vdserve.
func TestServerScripts(t *testing.T) {
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
		Cmds: scripttest.Commands(),
	})
}
