package jssdk

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestNewNonce(t *testing.T) {
	a, err := NewNonce()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewNonce()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != NonceLen || ValidateNonce(a) != nil || ValidateNonce(b) != nil {
		t.Fatalf("bad nonces %q %q", a, b)
	}
	if a == b {
		t.Fatalf("two random nonces are equal: %q", a)
	}
}

// Feeding every byte value 0..255 the same number of times must give every
// character exactly the same count: the bytes 248..255 are dropped, not
// folded onto the first eight characters.
func TestNonceFromHasNoModuloBias(t *testing.T) {
	const rounds = 10
	var src bytes.Buffer
	for range rounds {
		for b := 0; b < 256; b++ {
			src.WriteByte(byte(b))
		}
	}
	want := rounds * 248
	got, err := NonceFrom(&src, want)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[rune]int{}
	for _, r := range got {
		counts[r]++
	}
	if len(counts) != 62 {
		t.Fatalf("%d distinct characters, want 62", len(counts))
	}
	for r, n := range counts {
		if n != rounds*4 {
			t.Fatalf("character %q appears %d times, want %d", r, n, rounds*4)
		}
	}
}

func TestNonceFromSkipsHighBytes(t *testing.T) {
	src := bytes.NewReader(append(bytes.Repeat([]byte{248, 255}, 10), bytes.Repeat([]byte{0, 61}, 100)...))
	got, err := NonceFrom(src, 4)
	if err != nil || got != "A9A9" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestNonceFromErrors(t *testing.T) {
	if _, err := NonceFrom(strings.NewReader("ab"), 16); err == nil || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short source: %v", err)
	}
	// A source of only unusable bytes must fail, not loop forever.
	if _, err := NonceFrom(constReader(255), 16); err == nil || !strings.Contains(err.Error(), "unusable") {
		t.Fatalf("constant source: %v", err)
	}
	if _, err := NonceFrom(constReader(1), 0); err == nil {
		t.Fatal("zero length accepted")
	}
}

type constReader byte

func (c constReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}
