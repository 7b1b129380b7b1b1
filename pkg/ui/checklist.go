package ui

import (
	"fmt"
	"io"
	"strings"
)

// Status of one line in a check list (doctor, verify-domain).
type Status int

const (
	Pass Status = iota
	Warn
	Fail
	Info
)

// String is the machine-readable name used in --json output.
func (s Status) String() string {
	switch s {
	case Pass:
		return "pass"
	case Warn:
		return "warn"
	case Fail:
		return "fail"
	default:
		return "info"
	}
}

// Check is one line of a check list, with an optional fix shown under it.
type Check struct {
	Status Status
	Title  string
	Detail string
	Fix    string
}

// WriteCheck prints one check: "✓ Title: detail" and, indented, the fix.
func (t *Theme) WriteCheck(w io.Writer, c Check) {
	var icon string
	switch c.Status {
	case Pass:
		icon = t.SuccessIcon()
	case Warn:
		icon = t.WarnIcon()
	case Fail:
		icon = t.FailIcon()
	default:
		icon = t.Muted("-")
	}
	line := icon + " " + t.Bold(c.Title)
	if c.Detail != "" {
		line += ": " + c.Detail
	}
	fmt.Fprintln(w, line)
	if c.Fix != "" {
		for _, l := range strings.Split(c.Fix, "\n") {
			fmt.Fprintln(w, "    "+t.Muted(l))
		}
	}
}
