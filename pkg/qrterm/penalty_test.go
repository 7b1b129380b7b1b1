package qrterm

import (
	"testing"

	"rsc.io/qr/coding"
)

func blank(size int) *coding.Code {
	stride := (size + 7) / 8
	return &coding.Code{Bitmap: make([]byte, stride*size), Size: size, Stride: stride}
}

func setDark(c *coding.Code, x, y int) { c.Bitmap[y*c.Stride+x/8] |= 1 << uint(7-x&7) }

func TestPenaltyRules(t *testing.T) {
	// All light, 21x21: rule 1 = 42 lines x (3 + 16); rule 2 = 20x20 blocks x 3;
	// rule 3 = 0 (no dark module); rule 4 = 0% dark, 50% off = 10 x 10.
	if got, want := penalty(blank(21)), 42*19+400*3+100; got != want {
		t.Errorf("blank penalty = %d, want %d", got, want)
	}
	// Rule 3: a finder-like run 1011101 followed by four light modules.
	c := blank(21)
	for _, x := range []int{0, 2, 3, 4, 6} {
		setDark(c, x, 10)
	}
	if got := penaltyFinders(c); got != 40 {
		t.Errorf("rule 3 = %d, want 40", got)
	}
	// Rule 4: 5 dark of 441 is 1%, 49% off: 9 steps of 5%.
	if got := penaltyBalance(c); got != 90 {
		t.Errorf("rule 4 = %d, want 90", got)
	}
	// Rule 2 on a checkerboard: no 2x2 block of one colour.
	chk := blank(21)
	for y := 0; y < 21; y++ {
		for x := (y % 2); x < 21; x += 2 {
			setDark(chk, x, y)
		}
	}
	if got := penaltyBlocks(chk) + penaltyRuns(chk) + penaltyFinders(chk); got != 0 {
		t.Errorf("checkerboard rules 1-3 = %d, want 0", got)
	}
}

func TestEncodePicksLowestPenalty(t *testing.T) {
	const text = "http':/)ple.Aom/" // mask 0 confuses detectors on this one
	best, err := encodeBestMask(text)
	if err != nil {
		t.Fatal(err)
	}
	for mask := coding.Mask(0); mask < 8; mask++ {
		plan, err := coding.NewPlan(2, coding.M, mask)
		if err != nil {
			t.Fatal(err)
		}
		code, err := plan.Encode(coding.String(text))
		if err != nil {
			t.Fatal(err)
		}
		if penalty(code) < penalty(best) {
			t.Errorf("mask %d scores %d, below the chosen %d", mask, penalty(code), penalty(best))
		}
	}
}
