// Package qrterm draws a QR code as text: each character cell holds two
// modules stacked vertically, drawn with the Unicode half blocks ▀ ▄ █, so
// the code stays square-ish and small enough for an 80-column terminal.
package qrterm

import (
	"errors"
	"fmt"
	"strings"

	"rsc.io/qr/coding"
)

// QuietZone is the blank border, in modules, the QR spec asks for. Without
// it phone scanners often fail to find the code on a dark terminal.
const QuietZone = 4

// Style decides which colours the characters stand for.
type Style int

const (
	// Explicit sets black-on-white with ANSI escapes on every line, so the
	// code is right on dark and light terminals alike. Use it when the
	// stream accepts escape codes.
	Explicit Style = iota
	// LightBlocks is plain text that draws the light modules (and the quiet
	// zone) as blocks in the terminal's foreground colour: right on dark
	// terminals, which draw text in a light colour.
	LightBlocks
	// DarkBlocks is plain text that draws the dark modules as blocks: right
	// on light terminals.
	DarkBlocks
)

// SGR codes of the Explicit style: black foreground, bright white background.
const (
	explicitOn  = "\x1b[30;107m"
	explicitOff = "\x1b[0m"
)

// Matrix is a QR code with its quiet zone: Dark(x, y) for 0 <= x, y < Size.
type Matrix struct {
	Size int
	dark []bool
}

// Dark reports whether the module at column x, row y is dark.
func (m *Matrix) Dark(x, y int) bool {
	if x < 0 || y < 0 || x >= m.Size || y >= m.Size {
		return false
	}
	return m.dark[y*m.Size+x]
}

// Encode turns text into a module matrix (error correction level M, which
// survives screen glare) framed by the quiet zone. Of the eight masks it
// keeps the one the QR spec's penalty rules score best: rsc.io/qr alone
// always uses mask 0, which can leave finder-like patterns in the data
// that throw scanners off.
func Encode(text string) (*Matrix, error) {
	code, err := encodeBestMask(text)
	if err != nil {
		return nil, fmt.Errorf("cannot encode %d bytes as a QR code: %w", len(text), err)
	}
	size := code.Size + 2*QuietZone
	m := &Matrix{Size: size, dark: make([]bool, size*size)}
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			m.dark[(y+QuietZone)*size+x+QuietZone] = code.Black(x, y)
		}
	}
	return m, nil
}

func encodeBestMask(text string) (*coding.Code, error) {
	const level = coding.M
	var enc coding.Encoding
	switch {
	case coding.Num(text).Check() == nil:
		enc = coding.Num(text)
	case coding.Alpha(text).Check() == nil:
		enc = coding.Alpha(text)
	default:
		enc = coding.String(text)
	}
	v := coding.Version(coding.MinVersion)
	for ; enc.Bits(v) > v.DataBytes(level)*8; v++ {
		if v == coding.MaxVersion {
			return nil, errors.New("text too long to encode as QR")
		}
	}
	var best *coding.Code
	bestScore := 0
	for mask := coding.Mask(0); mask < 8; mask++ {
		plan, err := coding.NewPlan(v, level, mask)
		if err != nil {
			return nil, err
		}
		code, err := plan.Encode(enc)
		if err != nil {
			return nil, err
		}
		if score := penalty(code); best == nil || score < bestScore {
			best, bestScore = code, score
		}
	}
	return best, nil
}

// Render draws text as a QR code, one string per terminal line, each ending
// in a newline. Every line has the same width: Size columns.
func Render(text string, style Style) (string, error) {
	m, err := Encode(text)
	if err != nil {
		return "", err
	}
	return m.Render(style), nil
}

// Render draws m in style.
func (m *Matrix) Render(style Style) string {
	var b strings.Builder
	for y := 0; y < m.Size; y += 2 {
		if style == Explicit {
			b.WriteString(explicitOn)
		}
		for x := 0; x < m.Size; x++ {
			// A row past the bottom edge is quiet zone: light.
			top, bottom := m.Dark(x, y), m.Dark(x, y+1)
			if style == LightBlocks {
				top, bottom = !top, !bottom
				if y+1 >= m.Size {
					bottom = false // keep the half row below the code blank
				}
			}
			b.WriteString(cell(top, bottom))
		}
		if style == Explicit {
			b.WriteString(explicitOff)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// cell returns the character whose foreground covers the given halves.
func cell(top, bottom bool) string {
	switch {
	case top && bottom:
		return "█"
	case top:
		return "▀"
	case bottom:
		return "▄"
	default:
		return " "
	}
}

// Width is the number of terminal columns a rendering of text needs.
func Width(text string) (int, error) {
	m, err := Encode(text)
	if err != nil {
		return 0, err
	}
	return m.Size, nil
}
