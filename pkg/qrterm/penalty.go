package qrterm

import "rsc.io/qr/coding"

// penalty scores a code with the four rules of ISO/IEC 18004 §7.8.3: long
// runs, 2x2 blocks, finder-like 1:1:3:1:1 patterns, and dark/light
// imbalance. Lower is easier to scan.
func penalty(c *coding.Code) int {
	return penaltyRuns(c) + penaltyBlocks(c) + penaltyFinders(c) + penaltyBalance(c)
}

// penaltyRuns is rule 1.
func penaltyRuns(c *coding.Code) int {
	n, dark, score := c.Size, c.Black, 0
	// Rule 1: five or more equal modules in a row or column.
	for i := 0; i < n; i++ {
		for _, horizontal := range []bool{true, false} {
			run := 1
			for j := 1; j <= n; j++ {
				same := false
				if j < n {
					if horizontal {
						same = dark(j, i) == dark(j-1, i)
					} else {
						same = dark(i, j) == dark(i, j-1)
					}
				}
				if same {
					run++
					continue
				}
				if run >= 5 {
					score += 3 + run - 5
				}
				run = 1
			}
		}
	}
	return score
}

// penaltyBlocks is rule 2.
func penaltyBlocks(c *coding.Code) int {
	n, dark, score := c.Size, c.Black, 0
	// Rule 2: 2x2 blocks of one colour.
	for y := 0; y+1 < n; y++ {
		for x := 0; x+1 < n; x++ {
			d := dark(x, y)
			if dark(x+1, y) == d && dark(x, y+1) == d && dark(x+1, y+1) == d {
				score += 3
			}
		}
	}
	return score
}

// penaltyFinders is rule 3.
func penaltyFinders(c *coding.Code) int {
	n, dark, score := c.Size, c.Black, 0
	// Rule 3: dark-light-dark-dark-dark-light-dark with four light modules
	// on either side, in rows and columns.
	pattern := [11]bool{true, false, true, true, true, false, true, false, false, false, false}
	for i := 0; i < n; i++ {
		for j := 0; j+11 <= n; j++ {
			for _, horizontal := range []bool{true, false} {
				fwd, back := true, true
				for k := 0; k < 11 && (fwd || back); k++ {
					var d bool
					if horizontal {
						d = dark(j+k, i)
					} else {
						d = dark(i, j+k)
					}
					fwd = fwd && d == pattern[k]
					back = back && d == pattern[10-k]
				}
				if fwd {
					score += 40
				}
				if back {
					score += 40
				}
			}
		}
	}
	return score
}

// penaltyBalance is rule 4.
func penaltyBalance(c *coding.Code) int {
	n, dark := c.Size, c.Black
	// Rule 4: 10 points per 5% the dark share strays from 50%.
	darkCount := 0
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if dark(x, y) {
				darkCount++
			}
		}
	}
	percent := darkCount * 100 / (n * n)
	dev := percent - 50
	if dev < 0 {
		dev = -dev
	}
	return dev / 5 * 10
}
