package cmd

import "github.com/rogpeppe/go-internal/testscript"

// sandboxScriptCommands are testscript commands that start a sandbox server
// for a script (see pkg/sandbox). Filled in by the sandbox work.
func sandboxScriptCommands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){}
}
