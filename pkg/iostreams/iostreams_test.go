package iostreams

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestColorDisabledByEnv(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"plain", map[string]string{"TERM": "xterm-256color"}, false},
		{"NO_COLOR", map[string]string{"NO_COLOR": "1"}, true},
		{"empty NO_COLOR is unset", map[string]string{"NO_COLOR": ""}, false},
		{"CLICOLOR=0", map[string]string{"CLICOLOR": "0"}, true},
		{"TERM=dumb", map[string]string{"TERM": "dumb"}, true},
	}
	for _, c := range cases {
		if got := colorDisabledByEnv(env(c.env)); got != c.want {
			t.Errorf("%s: got %v want %v", c.name, got, c.want)
		}
	}
}

func TestForceTTYAndColour(t *testing.T) {
	s := System(env(map[string]string{"WWCLI_FORCE_TTY": "1"}))
	if !s.IsStdoutTTY() || !s.IsStderrTTY() || !s.IsStdinTTY() {
		t.Fatal("WWCLI_FORCE_TTY should make every stream a terminal")
	}
	if !s.ColorErr() || !s.ColorOut() {
		t.Fatal("terminal streams without NO_COLOR should allow colour")
	}
	s = System(env(map[string]string{"WWCLI_FORCE_TTY": "1", "NO_COLOR": "x"}))
	if s.ColorErr() {
		t.Fatal("NO_COLOR must win over a terminal")
	}
}

func TestColourDecidedPerStream(t *testing.T) {
	s, _, _, _ := Test()
	s.SetStderrTTY(true)
	if !s.ColorErr() || s.ColorOut() {
		t.Fatalf("stderr tty, stdout pipe: want colour on stderr only")
	}
}

func TestCanPrompt(t *testing.T) {
	s, _, _, _ := Test()
	if s.CanPrompt() {
		t.Fatal("buffers cannot prompt")
	}
	s.SetStdinTTY(true)
	s.SetStderrTTY(true)
	if !s.CanPrompt() {
		t.Fatal("terminal stdin+stderr should prompt")
	}
	s.SetNeverPrompt(true)
	if s.CanPrompt() {
		t.Fatal("never-prompt must win")
	}
}

func TestForcedColourWithoutTTY(t *testing.T) {
	s := System(env(map[string]string{"CLICOLOR_FORCE": "1"}))
	s.SetStdoutTTY(false)
	if !s.ColorOut() {
		t.Fatal("CLICOLOR_FORCE should enable colour on a pipe")
	}
}

func TestReadSecret(t *testing.T) {
	ctx := context.Background()
	s, _, _, errOut := Test()
	if _, err := s.ReadSecret(ctx, "Secret: "); err == nil {
		t.Fatal("a buffer is not a terminal: ReadSecret must fail")
	}
	s.SetSecretReader(func() (string, error) { return "typed", nil })
	errOut.Reset()
	got, err := s.ReadSecret(ctx, "Secret: ")
	if err != nil || got != "typed" || errOut.String() != "Secret: \n" {
		t.Fatalf("got %q %v, stderr %q", got, err, errOut.String())
	}
}

// Ctrl-C (a cancelled context) ends a read that is still waiting for the
// user, at once.
func TestReadSecretEndsAtOnceWhenInterrupted(t *testing.T) {
	s, _, _, errOut := Test()
	release := make(chan struct{})
	defer close(release)
	s.SetSecretReader(func() (string, error) { <-release; return "late", nil })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	got, err := s.ReadSecret(ctx, "Secret: ")
	if !errors.Is(err, context.Canceled) || got != "" || time.Since(start) > 2*time.Second {
		t.Fatalf("got %q %v after %v", got, err, time.Since(start))
	}
	if errOut.String() != "Secret: \n" {
		t.Fatalf("stderr %q: only the prompt and a newline", errOut.String())
	}
}

// A stdin that is said to be a terminal (WWCLI_FORCE_TTY) but is a pipe
// gives one line, and leaves what follows it unread.
func TestReadSecretFromAForcedTerminalReadsALine(t *testing.T) {
	s, in, _, _ := Test()
	s.SetStdinTTY(true)
	in.WriteString("first\r\nsecond\n")
	got, err := s.ReadSecret(context.Background(), "Secret: ")
	if err != nil || got != "first" || in.String() != "second\n" {
		t.Fatalf("got %q %v, left %q", got, err, in.String())
	}
	if _, err := readLine(strings.NewReader(strings.Repeat("x", maxLine+2))); err == nil {
		t.Fatal("an endless line must be refused")
	}
}

func TestTerminalWidth(t *testing.T) {
	s := System(env(map[string]string{"COLUMNS": "132"}))
	s.termWidth = func() int { return 50 }
	if got := s.TerminalWidth(); got != 50 {
		t.Fatalf("the terminal's width wins over COLUMNS: %d", got)
	}
	s.termWidth = func() int { return 0 } // not a terminal, or no size
	if got := s.TerminalWidth(); got != 132 {
		t.Fatalf("then COLUMNS: %d", got)
	}
	s = System(env(map[string]string{"COLUMNS": "junk"}))
	s.termWidth = func() int { return 0 }
	if got := s.TerminalWidth(); got != 80 {
		t.Fatalf("then 80: %d", got)
	}
	b, _, _, _ := Test()
	if b.TerminalWidth() != 80 {
		t.Fatal("buffers are 80 wide")
	}
	b.SetTerminalWidth(40)
	if b.TerminalWidth() != 40 {
		t.Fatal("SetTerminalWidth")
	}
}
