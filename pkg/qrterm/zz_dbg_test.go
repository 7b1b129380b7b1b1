package qrterm

import (
	"image"
	"image/color"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

func TestZ(t *testing.T) {
	for _, s := range []string{"http':/)ple.Aom/", "https://example.com/"} {
		m, _ := Encode(s)
		for _, px := range []int{1, 2, 3, 4, 6} {
			img := image.NewGray(image.Rect(0, 0, m.Size*px, m.Size*px))
			for y := 0; y < m.Size; y++ {
				for x := 0; x < m.Size; x++ {
					c := color.Gray{255}
					if m.Dark(x, y) {
						c = color.Gray{0}
					}
					for dy := 0; dy < px; dy++ {
						for dx := 0; dx < px; dx++ {
							img.SetGray(x*px+dx, y*px+dy, c)
						}
					}
				}
			}
			bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
			for _, h := range []map[gozxing.DecodeHintType]any{nil, {gozxing.DecodeHintType_PURE_BARCODE: true}, {gozxing.DecodeHintType_TRY_HARDER: true}} {
				r, err := qrcode.NewQRCodeReader().Decode(bmp, h)
				txt := ""
				if r != nil {
					txt = r.GetText()
				}
				t.Logf("%q px %d hints %v: %q %v", s, px, h, txt, err)
			}
		}
	}
}
