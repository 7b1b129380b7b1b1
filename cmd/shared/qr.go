package shared

import (
	"fmt"
	"io"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/qrterm"
	"github.com/wwcli/wwcli/pkg/ui"
)

// QR is a link that a command (authurl, suite install-url) also draws as
// a QR code for a person to scan with the WeCom app.
type QR struct {
	Link string
	// Noun is what the too-wide warning says to open instead ("URL", "link").
	Noun string
	// Heading is the line above the code, e.g. "Scan with the WeCom (企业微信) app:".
	Heading string
	// JSON: stdout holds the --json document, so the code goes to stderr.
	JSON bool
	// DarkNote: on a terminal with colour off, say that the code is drawn
	// for a dark background.
	DarkNote bool
}

// PrintQR draws q.Link where a person can see it: on stdout only when
// stdout is a terminal and holds no JSON, so a pipe still receives the
// link alone; else on stderr. With escape codes the code is black on white
// whatever the terminal theme; plain text assumes the usual dark
// background. warnf says when the code is wider than the terminal.
func PrintQR(ios *iostreams.IOStreams, warnf func(format string, a ...any), q QR) error {
	var target io.Writer = ios.ErrOut
	color, tty := ios.ColorErr(), ios.IsStderrTTY()
	if ios.IsStdoutTTY() && !q.JSON {
		target, color, tty = ios.Out, ios.ColorOut(), true
	}
	style := qrterm.LightBlocks
	if color {
		style = qrterm.Explicit
	}
	code, err := qrterm.Render(q.Link, style)
	if err != nil {
		return cmdutil.Errorf(cmdutil.ExitFailure, "cannot draw the QR code: %v", err)
	}
	if w, _ := qrterm.Width(q.Link); tty && w > ios.TerminalWidth() {
		warnf("the QR code is %d columns wide but the terminal has %d: it will not scan; widen the terminal, or open the %s directly", w, ios.TerminalWidth(), q.Noun)
	}
	theme := ui.New(ios.ErrOut, ios.ColorErr())
	if q.DarkNote && tty && !color {
		fmt.Fprintf(ios.ErrOut, "%s drawn for a dark background; on a light terminal the scan may fail (colour is off)\n", theme.Muted("QR:"))
	}
	fmt.Fprintln(ios.ErrOut, theme.Muted(q.Heading))
	_, err = fmt.Fprint(target, code)
	return err
}
