package cmd

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
)

type explained struct{ text string }

func (e explained) Error() string   { return "short" }
func (e explained) Explain() string { return e.text }

// printError is the last line of defence: whatever error text reaches the
// terminal, control characters in it are shown escaped (issue 16, D10).
func TestPrintErrorEscapesControlCharacters(t *testing.T) {
	for _, err := range []error{
		errors.New("upstream said \x1b]0;PWNED\x07\x1b[2J"),
		fmt.Errorf("wrapped: %w", explained{"line one \x1b[31m\nline two \u009b2J"}),
		cmdutil.FlagErrorf("bad value \x1b]52;c;cm0gLXJmIH4K\x07"),
	} {
		h := cmdutiltest.NewFactory(t)
		printError(h.F, NewRootCmd(h.F), nil, err)
		got := h.ErrOut.String()
		if strings.ContainsAny(got, "\x1b\x07\u009b") || !strings.Contains(got, `\x1b`) {
			t.Errorf("printError(%q) wrote %q", err, got)
		}
		if strings.Count(got, "\n") < 1 {
			t.Errorf("newlines are kept: %q", got)
		}
	}
}
