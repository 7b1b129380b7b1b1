// Package ui is the only place that knows about lipgloss. It turns plain
// strings into styled ones for a given stream, and returns them unchanged
// when that stream gets no colour, so commands never check for colour.
package ui

import (
	"io"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Theme styles text for one output stream.
type Theme struct {
	color   bool
	success lipgloss.Style
	warn    lipgloss.Style
	fail    lipgloss.Style
	bold    lipgloss.Style
	muted   lipgloss.Style
	accent  lipgloss.Style
}

// New binds a theme to w. color is the stream's own decision (see
// iostreams.ColorErr / ColorOut); the renderer is bound to w rather than to
// stdout so stderr styling does not depend on whether stdout is piped.
func New(w io.Writer, color bool) *Theme {
	r := lipgloss.NewRenderer(w)
	if color {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	return &Theme{
		color:   color,
		success: r.NewStyle().Foreground(lipgloss.Color("2")),
		warn:    r.NewStyle().Foreground(lipgloss.Color("3")),
		fail:    r.NewStyle().Foreground(lipgloss.Color("1")),
		bold:    r.NewStyle().Bold(true),
		muted:   r.NewStyle().Foreground(lipgloss.Color("8")),
		accent:  r.NewStyle().Foreground(lipgloss.Color("6")),
	}
}

// Color reports whether this theme emits escape codes.
func (t *Theme) Color() bool { return t.color }

func (t *Theme) Success(s string) string { return t.render(t.success, s) }
func (t *Theme) Warn(s string) string    { return t.render(t.warn, s) }
func (t *Theme) Fail(s string) string    { return t.render(t.fail, s) }
func (t *Theme) Bold(s string) string    { return t.render(t.bold, s) }
func (t *Theme) Muted(s string) string   { return t.render(t.muted, s) }
func (t *Theme) Accent(s string) string  { return t.render(t.accent, s) }

func (t *Theme) render(st lipgloss.Style, s string) string {
	if !t.color {
		return s
	}
	return st.Render(s)
}

// Icons: with colour they are symbols; without, plain words that survive
// logs and screen readers.
func (t *Theme) SuccessIcon() string { return t.icon(t.success, "✓", "ok") }
func (t *Theme) WarnIcon() string    { return t.icon(t.warn, "!", "warn") }
func (t *Theme) FailIcon() string    { return t.icon(t.fail, "✗", "fail") }
func (t *Theme) SkipIcon() string    { return t.icon(t.muted, "-", "skip") }

func (t *Theme) icon(st lipgloss.Style, symbol, word string) string {
	if !t.color {
		return word
	}
	return st.Render(symbol)
}
