package cmd

import (
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// suiteScriptCommands carry values from one step of a script to the next,
// as a provider's shell script would with $(...):
//
//	stdout-env NAME [REGEXP]
//	    set $NAME to the last command's stdout (trimmed), or to the first
//	    group of REGEXP in it; fails when REGEXP does not match.
//	wait-file FILE NAME [REGEXP]
//	    wait (at most 10 s) until FILE has a line matching REGEXP (default:
//	    any non-empty line) and set $NAME to its first group, or the line.
//	    For servers started in the background with their output in a file.
func suiteScriptCommands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"stdout-env": stdoutEnv,
		"wait-file":  waitFile,
	}
}

func stdoutEnv(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "stdout-env")
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: stdout-env NAME [REGEXP]")
	}
	out := ts.ReadFile("stdout")
	value := strings.TrimSpace(out)
	if len(args) == 2 {
		m := regexp.MustCompile(args[1]).FindStringSubmatch(out)
		if m == nil {
			ts.Fatalf("stdout-env: %q does not match stdout:\n%s", args[1], out)
		}
		value = m[len(m)-1]
	}
	ts.Setenv(args[0], value)
}

func waitFile(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "wait-file")
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: wait-file FILE NAME [REGEXP]")
	}
	re := regexp.MustCompile(`\S`)
	if len(args) == 3 {
		re = regexp.MustCompile(args[2])
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(path)
		for _, line := range strings.Split(string(data), "\n") {
			if m := re.FindStringSubmatch(line); m != nil {
				ts.Setenv(args[1], m[len(m)-1])
				if len(m) == 1 {
					ts.Setenv(args[1], strings.TrimSpace(line))
				}
				return
			}
		}
		if time.Now().After(deadline) {
			ts.Fatalf("wait-file: no line matching %q in %s within 10s; it holds:\n%s", re, args[0], data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
