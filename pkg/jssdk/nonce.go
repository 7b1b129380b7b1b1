package jssdk

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
)

// NonceLen is the length of generated nonces (the length of the official example's).
const NonceLen = 16

const alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// NewNonce returns NonceLen random letters and digits from crypto/rand.
func NewNonce() (string, error) { return NonceFrom(rand.Reader, NonceLen) }

// NonceFrom draws n alphanumerics from src without modulo bias: bytes of
// 248 or more (248 = 4*62) are thrown away, so each of the 62 characters is
// equally likely. Reads are bounded so a broken source fails instead of
// spinning.
func NonceFrom(src io.Reader, n int) (string, error) {
	if n <= 0 {
		return "", errors.New("nonce length must be positive")
	}
	const limit = 256 - 256%len(alphanumerics) // 248
	out := make([]byte, 0, n)
	buf := make([]byte, n)
	// Each read asks only for the characters still missing (so no random
	// byte is wasted) and keeps about 97% of them; 64 rounds that still
	// fall short mean the source is not random at all.
	for range 64 {
		buf = buf[:n-len(out)]
		if _, err := io.ReadFull(src, buf); err != nil {
			return "", fmt.Errorf("reading random bytes for the nonce: %w", err)
		}
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out = append(out, alphanumerics[int(b)%len(alphanumerics)])
			if len(out) == n {
				return string(out), nil
			}
		}
	}
	return "", errors.New("the random source kept returning unusable bytes; cannot make a nonce")
}
