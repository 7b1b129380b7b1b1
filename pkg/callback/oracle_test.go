//go:build oracle

package callback

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// runOracle sends every request to one node process and returns the answers.
func runOracle(t *testing.T, reqs []map[string]string) []map[string]string {
	t.Helper()
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, r := range reqs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir, _ := filepath.Abs(filepath.Join("..", "..", "test", "oracle"))
	cmd := exec.CommandContext(ctx, "node", "callback-oracle.js")
	cmd.Dir = dir
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node oracle: %v\n%s", err, stderr.String())
	}
	var res []map[string]string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var m map[string]string
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if m["error"] != "" {
			t.Fatalf("oracle error: %s", m["error"])
		}
		res = append(res, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(res) != len(reqs) {
		t.Fatalf("oracle answered %d of %d requests", len(res), len(reqs))
	}
	return res
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
	res := runOracle(t, reqs)
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
