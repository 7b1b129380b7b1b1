// Package iostreams owns stdin, stdout and stderr and every decision that
// depends on them: is this stream a terminal, may we use colour, may we
// prompt. Commands never look at os.Stdout themselves; they take an
// *IOStreams so tests can swap in buffers.
package iostreams

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/mattn/go-isatty"
	"golang.org/x/term"
)

// IOStreams is the three standard streams plus what we know about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	colorDisabled                  bool // NO_COLOR, CLICOLOR=0, TERM=dumb, --no-color
	colorForced                    bool // CLICOLOR_FORCE
	neverPrompt                    bool
	width                          int
	readSecret                     func() (string, error) // test override of the terminal
}

// System builds IOStreams for the real process, reading the environment
// through getenv (os.Getenv in production).
func System(getenv func(string) string) *IOStreams {
	s := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	s.stdinTTY = isTerminal(os.Stdin)
	s.stdoutTTY = isTerminal(os.Stdout)
	s.stderrTTY = isTerminal(os.Stderr)
	// WWCLI_FORCE_TTY lets tests (and pagers) pretend every stream is a terminal.
	if v := getenv("WWCLI_FORCE_TTY"); v != "" && v != "0" && v != "false" {
		s.stdinTTY, s.stdoutTTY, s.stderrTTY = true, true, true
	}
	s.colorDisabled = colorDisabledByEnv(getenv)
	s.colorForced = getenv("CLICOLOR_FORCE") != "" && getenv("CLICOLOR_FORCE") != "0"
	s.neverPrompt = getenv("WWCLI_NO_INPUT") != ""
	s.width = 80
	if w, err := strconv.Atoi(getenv("COLUMNS")); err == nil && w > 0 {
		s.width = w
	}
	return s
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// colorDisabledByEnv follows no-color.org and the CLICOLOR convention; a dumb
// terminal cannot render escape codes either.
func colorDisabledByEnv(getenv func(string) string) bool {
	if _, set := lookup(getenv, "NO_COLOR"); set {
		return true
	}
	if getenv("CLICOLOR") == "0" {
		return true
	}
	return strings.EqualFold(getenv("TERM"), "dumb")
}

// lookup treats an empty NO_COLOR as unset, as no-color.org asks.
func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

// Test returns IOStreams backed by buffers: nothing is a terminal, no colour.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, width: 80}, in, out, errOut
}

func (s *IOStreams) IsStdinTTY() bool  { return s.stdinTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

func (s *IOStreams) SetStdinTTY(v bool)  { s.stdinTTY = v }
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// SetColorDisabled is how --no-color reaches the streams.
func (s *IOStreams) SetColorDisabled(v bool) { s.colorDisabled = v }

// SetNeverPrompt makes CanPrompt false (for --no-input and tests).
func (s *IOStreams) SetNeverPrompt(v bool) { s.neverPrompt = v }

// ColorOut reports whether styling may be written to stdout.
func (s *IOStreams) ColorOut() bool { return s.colorFor(s.stdoutTTY) }

// ColorErr reports whether styling may be written to stderr. It is decided
// for stderr itself, so `wwcli x | jq` keeps colour in its messages.
func (s *IOStreams) ColorErr() bool { return s.colorFor(s.stderrTTY) }

func (s *IOStreams) colorFor(tty bool) bool {
	if s.colorDisabled {
		return false
	}
	return tty || s.colorForced
}

// CanPrompt is true when a person can answer a question: stdin and stderr
// (where prompts are written) are terminals and prompting is not disabled.
func (s *IOStreams) CanPrompt() bool {
	return !s.neverPrompt && s.stdinTTY && s.stderrTTY
}

// TerminalWidth is the width to lay human output out for (80 when unknown).
func (s *IOStreams) TerminalWidth() int {
	if s.width <= 0 {
		return 80
	}
	return s.width
}

// ReadSecret writes prompt to stderr and reads one line from the terminal
// without echoing it. It needs CanPrompt(); tests replace the reader with
// SetSecretReader.
func (s *IOStreams) ReadSecret(prompt string) (string, error) {
	fmt.Fprint(s.ErrOut, prompt)
	defer fmt.Fprintln(s.ErrOut) // the user's Enter was not echoed either
	if s.readSecret != nil {
		return s.readSecret()
	}
	f, ok := s.In.(*os.File)
	if !ok {
		return "", errors.New("stdin is not a terminal")
	}
	b, err := term.ReadPassword(int(f.Fd()))
	return string(b), err
}

// SetSecretReader replaces the terminal in ReadSecret (for tests).
func (s *IOStreams) SetSecretReader(read func() (string, error)) { s.readSecret = read }
