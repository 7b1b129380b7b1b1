// Package iostreams owns stdin, stdout and stderr and every decision that
// depends on them: is this stream a terminal, may we use colour, may we
// prompt. Commands never look at os.Stdout themselves; they take an
// *IOStreams so tests can swap in buffers.
package iostreams

import (
	"bytes"
	"context"
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
	columns                        int                    // COLUMNS, when set
	termWidth                      func() int             // the terminal's own width, 0 when unknown
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
	if w, err := strconv.Atoi(getenv("COLUMNS")); err == nil && w > 0 {
		s.columns = w
	}
	s.termWidth = func() int { return sizeOf(os.Stdout, os.Stderr) }
	return s
}

// sizeOf asks the first of files that is a terminal for its width. Shells
// do not export COLUMNS, so the terminal itself is the one to ask.
func sizeOf(files ...*os.File) int {
	for _, f := range files {
		if !isTerminal(f) {
			continue
		}
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 0
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
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
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

// TerminalWidth is the width to lay human output out for: the terminal's
// own width, else COLUMNS, else 80.
func (s *IOStreams) TerminalWidth() int {
	if s.termWidth != nil {
		if w := s.termWidth(); w > 0 {
			return w
		}
	}
	if s.columns > 0 {
		return s.columns
	}
	return 80
}

// SetTerminalWidth fixes the terminal's width (for tests).
func (s *IOStreams) SetTerminalWidth(w int) { s.termWidth = func() int { return w } }

// ReadSecret writes prompt to stderr and reads one line without echoing it.
// It needs CanPrompt(); tests replace the reader with SetSecretReader.
//
// Ctrl-C ends it at once: the read runs in a goroutine, and when ctx is
// cancelled (the root command cancels it on SIGINT) the terminal's state is
// restored and ctx.Err() returned, while the abandoned read ends with the
// process. term.ReadPassword keeps ISIG, so Ctrl-C still raises SIGINT.
func (s *IOStreams) ReadSecret(ctx context.Context, prompt string) (string, error) {
	fmt.Fprint(s.ErrOut, prompt)
	defer fmt.Fprintln(s.ErrOut) // the user's Enter was not echoed either
	read, restore := s.readSecret, func() {}
	if read == nil {
		f, ok := s.In.(*os.File)
		switch {
		case ok && term.IsTerminal(int(f.Fd())):
			fd := int(f.Fd())
			state, err := term.GetState(fd)
			if err != nil {
				return "", fmt.Errorf("reading the terminal: %w", err)
			}
			read = func() (string, error) {
				b, err := term.ReadPassword(fd)
				return string(b), err
			}
			restore = func() { _ = term.Restore(fd, state) }
		case s.stdinTTY:
			// Told stdin is a terminal (WWCLI_FORCE_TTY) while it is not:
			// there is no echo to turn off, so read a line.
			read = func() (string, error) { return readLine(s.In) }
		default:
			return "", errors.New("stdin is not a terminal")
		}
	}
	type answer struct {
		s   string
		err error
	}
	done := make(chan answer, 1)
	go func() {
		v, err := read()
		done <- answer{v, err}
	}()
	select {
	case a := <-done:
		return a.s, a.err
	case <-ctx.Done():
		restore()
		return "", ctx.Err()
	}
}

// maxLine bounds a line read from a non-terminal stdin.
const maxLine = 64 << 10

// readLine reads up to a newline, byte by byte so nothing after it is
// consumed.
func readLine(r io.Reader) (string, error) {
	var line []byte
	b := make([]byte, 1)
	for len(line) <= maxLine {
		n, err := r.Read(b)
		if n == 1 {
			if b[0] == '\n' {
				return strings.TrimSuffix(string(line), "\r"), nil
			}
			line = append(line, b[0])
		}
		if err == io.EOF {
			return string(line), nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("the line is longer than %d bytes", maxLine)
}

// SetSecretReader replaces the terminal in ReadSecret (for tests).
func (s *IOStreams) SetSecretReader(read func() (string, error)) { s.readSecret = read }
