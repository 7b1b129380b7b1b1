//go:build oracle

package callback

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/internal/testutil/oracle"
)

// oracleCase is one random message checked in both directions.
type oracleCase struct {
	token, key, receiveID, timestamp, nonce string
	message                                 string
	random                                  []byte
	goEncrypt                               string
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randString(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// randUnicode mixes ASCII, CJK, emoji and other planes (valid UTF-8 only:
// the oracle returns strings).
func randUnicode(r *rand.Rand, n int) string {
	ranges := [][2]rune{{0x20, 0x7e}, {0x0, 0x1f}, {0xa0, 0x2ff}, {0x4e00, 0x9fff}, {0x1f300, 0x1faff}, {0xe000, 0xf8ff}, {0x10000, 0x10ffff}}
	var b strings.Builder
	for i := 0; i < n; i++ {
		rg := ranges[r.IntN(len(ranges))]
		b.WriteRune(rg[0] + r.Int32N(rg[1]-rg[0]+1))
	}
	return b.String()
}

func TestDifferentialAgainstWecomCrypto(t *testing.T) {
	r := rand.New(rand.NewPCG(20240601, 6))
	const n = 1200
	cases := make([]*oracleCase, n)
	for i := range cases {
		c := &oracleCase{
			token:     randString(r, alnum, 1+r.IntN(32)),
			key:       randString(r, alnum, 43),
			timestamp: randString(r, "0123456789", 10),
			nonce:     randString(r, alnum, 1+r.IntN(16)),
			random:    make([]byte, RandomSize),
		}
		for j := range c.random {
			c.random[j] = byte(r.IntN(256))
		}
		if r.IntN(4) > 0 {
			c.receiveID = "ww" + randString(r, "0123456789abcdef", 16)
		}
		switch {
		case i == 0:
			c.message = ""
		case i == 1:
			c.message = randUnicode(r, 1<<20/3) // about 1 MB of UTF-8
			for len(c.message) < 1<<20 {
				c.message += randUnicode(r, 1024)
			}
		case i%10 == 0:
			c.message = randString(r, alnum, r.IntN(64)) // lengths around the 32-byte boundary
		default:
			c.message = randUnicode(r, r.IntN(400))
		}
		cases[i] = c
	}
	if len(cases[1].message) < 1<<20 {
		t.Fatal("the large case must be at least 1 MB")
	}

	var reqs []map[string]string
	for _, c := range cases {
		cr, err := New(c.token, c.key, c.receiveID)
		if err != nil {
			t.Fatalf("key %s: %v", c.key, err)
		}
		if c.goEncrypt, err = cr.Encrypt([]byte(c.message), c.random); err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs,
			map[string]string{"op": "encrypt", "key": c.key, "message": c.message, "id": c.receiveID, "random_hex": hex.EncodeToString(c.random)},
			map[string]string{"op": "decrypt", "key": c.key, "encrypt": c.goEncrypt},
			map[string]string{"op": "sign", "token": c.token, "timestamp": c.timestamp, "nonce": c.nonce, "encrypt": c.goEncrypt},
		)
	}
	res := oracle.Run[map[string]string](t, oracle.Callback, reqs)
	for i, c := range cases {
		nodeEnc, nodeDec, nodeSig := res[3*i], res[3*i+1], res[3*i+2]
		cr, _ := New(c.token, c.key, c.receiveID)
		// Node encrypt == Go encrypt, byte for byte, and Go decrypts node's.
		if nodeEnc["encrypt"] != c.goEncrypt {
			t.Fatalf("case %d: ciphertexts differ", i)
		}
		p, err := cr.Decrypt(nodeEnc["encrypt"])
		if err != nil || string(p.Message) != c.message || p.ReceiveID != c.receiveID || !bytes.Equal(p.Random, c.random) {
			t.Fatalf("case %d: Go cannot decrypt node's ciphertext: %v", i, err)
		}
		// Node decrypts Go's.
		if nodeDec["message"] != c.message || nodeDec["id"] != c.receiveID || nodeDec["random_hex"] != hex.EncodeToString(c.random) {
			t.Fatalf("case %d: node decrypt of Go's ciphertext differs", i)
		}
		if got := cr.Sign(c.timestamp, c.nonce, c.goEncrypt); got != nodeSig["signature"] {
			t.Fatalf("case %d: signature %s, oracle %s", i, got, nodeSig["signature"])
		}
		if err := cr.CheckSignature(nodeSig["signature"], c.timestamp, c.nonce, c.goEncrypt); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
	}
	t.Logf("%d random messages agree with @wecom/crypto in both directions (largest %d bytes)", n, len(cases[1].message))
}
