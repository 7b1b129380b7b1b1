package cmd

import (
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/wwcli/wwcli/pkg/sandbox"
)

// webhookScriptCommands are testscript commands for the sandbox's group
// robots (after sandbox-start):
//
//	sandbox-robot-key [--robot NAME] [--env NAME]
//	    put a fixture robot's key (default ci-alerts) into $ROBOT_KEY (or $NAME).
//	sandbox-robot-messages N [--robot NAME] [--within DURATION]
//	    assert the robots (or robot NAME) accepted exactly N messages; their
//	    bodies go to stdout, one per line. --within first waits, at most
//	    DURATION, for N to arrive (a message the sandbox takes after a delay).
//	sandbox-robot-window DURATION
//	    shrink the window of the 20-messages limit (e.g. 2s) for fast pacing tests.
func webhookScriptCommands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"sandbox-robot-key":      sandboxRobotKey,
		"sandbox-robot-messages": sandboxRobotMessages,
		"sandbox-robot-window":   sandboxRobotWindow,
	}
}

var robotKeys = map[string]string{sandbox.DemoRobotName: sandbox.DemoRobotKey, sandbox.DemoRobot2Name: sandbox.DemoRobot2Key}

func sandboxRobotKey(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sandbox-robot-key")
	robot, envName := sandbox.DemoRobotName, "ROBOT_KEY"
	rest := parseFlags(ts, "sandbox-robot-key", args, func(fs *flag.FlagSet) {
		fs.StringVar(&robot, "robot", robot, "")
		fs.StringVar(&envName, "env", envName, "")
	})
	key, ok := robotKeys[robot]
	if len(rest) != 0 || !ok {
		ts.Fatalf("usage: sandbox-robot-key [--robot ci-alerts|deploys] [--env NAME]")
	}
	ts.Setenv(envName, key)
}

func sandboxRobotMessages(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sandbox-robot-messages")
	var robot string
	var within time.Duration
	rest := parseFlags(ts, "sandbox-robot-messages", args, func(fs *flag.FlagSet) {
		fs.StringVar(&robot, "robot", "", "")
		fs.DurationVar(&within, "within", 0, "")
	})
	if len(rest) != 1 {
		ts.Fatalf("usage: sandbox-robot-messages N [--robot NAME] [--within DURATION]")
	}
	want, err := strconv.Atoi(rest[0])
	if err != nil {
		ts.Fatalf("sandbox-robot-messages: N must be an integer, got %q", rest[0])
	}
	msgs := scriptSandbox(ts).RobotMessages(robot)
	for deadline := time.Now().Add(within); len(msgs) < want && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		msgs = scriptSandbox(ts).RobotMessages(robot)
	}
	for _, m := range msgs {
		fmt.Fprintf(ts.Stdout(), "%s\n", m.Body)
	}
	if len(msgs) != want {
		ts.Fatalf("robots accepted %d messages, want %d", len(msgs), want)
	}
}

func sandboxRobotWindow(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sandbox-robot-window")
	if len(args) != 1 {
		ts.Fatalf("usage: sandbox-robot-window DURATION")
	}
	d, err := time.ParseDuration(args[0])
	if err != nil {
		ts.Fatalf("sandbox-robot-window: %q is not a duration such as 2s", args[0])
	}
	ts.Check(scriptSandbox(ts).SetRobotWindow(d))
}
