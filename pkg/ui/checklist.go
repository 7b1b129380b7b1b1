package ui

import (
	"fmt"
	"io"
	"strings"
)

// Status of one line in a check list (doctor, verify-domain). It is the
// one status vocabulary: checks carry it from the package that ran them to
// the screen and into --json without any mapping.
type Status int

const (
	Pass Status = iota
	Warn
	Fail
	Info
	Skip // not checked, because an earlier check failed or input is missing
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
	case Skip:
		return "skip"
	default:
		return "info"
	}
}

// MarshalText makes a Status its name in JSON ("pass", "warn", ...).
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a name written by MarshalText.
func (s *Status) UnmarshalText(b []byte) error {
	for _, v := range []Status{Pass, Warn, Fail, Info, Skip} {
		if v.String() == string(b) {
			*s = v
			return nil
		}
	}
	return fmt.Errorf("unknown check status %q", b)
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
	case Skip:
		icon = t.SkipIcon()
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
