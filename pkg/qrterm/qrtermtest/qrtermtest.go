// Package qrtermtest reads a QR code drawn by qrterm back as a phone camera
// would: it paints the text as a terminal shows it and decodes the picture
// with an independent QR reader (gozxing). For tests only.
package qrtermtest

import (
	"fmt"
	"image"
	"image/color"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Terminal is what a terminal paints for text (Fg) and background (Bg).
type Terminal struct {
	Name   string
	Fg, Bg color.Gray
}

// Typical themes: light text on a dark background, and the reverse.
var (
	Dark  = Terminal{"dark", color.Gray{Y: 0xE0}, color.Gray{Y: 0x1C}}
	Light = Terminal{"light", color.Gray{Y: 0x20}, color.Gray{Y: 0xF8}}
)

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// Rasterise paints rendered text: each character cell is px wide and 2*px
// tall (two modules); the screen around the code is the terminal's
// background. Lines with escape codes are drawn black on white, as the
// qrterm Explicit style asks.
func Rasterise(rendered string, term Terminal, px int) (image.Image, error) {
	const margin = 12
	lines := strings.Split(strings.TrimSuffix(rendered, "\n"), "\n")
	explicit := strings.Contains(rendered, "\x1b[")
	width := utf8.RuneCountInString(sgr.ReplaceAllString(lines[0], ""))
	img := image.NewGray(image.Rect(0, 0, width*px+2*margin, len(lines)*2*px+2*margin))
	for i := range img.Pix {
		img.Pix[i] = term.Bg.Y
	}
	fg, bg := term.Fg, term.Bg
	if explicit {
		fg, bg = color.Gray{Y: 0}, color.Gray{Y: 0xFF}
	}
	for row, line := range lines {
		plain := sgr.ReplaceAllString(line, "")
		if n := utf8.RuneCountInString(plain); n != width {
			return nil, fmt.Errorf("line %d is %d columns, line 0 is %d", row, n, width)
		}
		col := 0
		for _, r := range plain {
			var top, bottom bool
			switch r {
			case '█':
				top, bottom = true, true
			case '▀':
				top = true
			case '▄':
				bottom = true
			case ' ':
			default:
				return nil, fmt.Errorf("unexpected rune %q on line %d", r, row)
			}
			for half, on := range []bool{top, bottom} {
				c := bg
				if on {
					c = fg
				}
				for dy := 0; dy < px; dy++ {
					for dx := 0; dx < px; dx++ {
						img.SetGray(margin+col*px+dx, margin+(row*2+half)*px+dy, c)
					}
				}
			}
			col++
		}
	}
	return img, nil
}

// Decode returns the text of the QR code drawn in rendered, as seen on term.
func Decode(rendered string, term Terminal) (string, error) {
	img, err := Rasterise(rendered, term, 4)
	if err != nil {
		return "", err
	}
	return DecodeImage(img)
}

// DecodeImage returns the text of the QR code in img, found by the
// reader's detector as in a photo.
func DecodeImage(img image.Image) (string, error) { return decodeImage(img, nil) }

// DecodePure reads img as a straight, clean code on a light background,
// module by module, without the detector. It checks the modules themselves
// where the detector has quirks (it misjudges some tiny version-1 codes).
func DecodePure(img image.Image) (string, error) {
	return decodeImage(img, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
}

func decodeImage(img image.Image, hints map[gozxing.DecodeHintType]any) (string, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}
