// Package check is the vocabulary of a check list (doctor, verify-domain):
// the Status of one check (pass, warn, fail, info, skip), a Line as a person
// reads it, and how a measured latency is written in a detail. It is data
// only and imports nothing but the standard library, so the packages that
// run checks return results without knowing how they are shown; pkg/ui
// draws a Line.
package check

import (
	"fmt"
	"time"
)

// Status of one check. It is the one status vocabulary: checks carry it
// from the package that ran them to the screen and into --json without
// any mapping.
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

// Line is one line of a check list as a person reads it, with an optional
// fix (one or more lines) shown under it.
type Line struct {
	Status Status
	Title  string
	Detail string
	Fix    string
}

// Duration shows a latency at a useful precision: "0.4ms" below 10 ms (a
// loopback connect is well under a millisecond, which rounding would show
// as "0s"), whole milliseconds below a second, then seconds.
func Duration(d time.Duration) string {
	switch {
	case d < 100*time.Microsecond:
		return "<0.1ms"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Round(time.Millisecond)/time.Millisecond)
	}
	return d.Round(10 * time.Millisecond).String()
}
