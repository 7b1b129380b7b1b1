package callback

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

type vector struct {
	Source         string `json:"source"`
	Token          string `json:"token"`
	EncodingAESKey string `json:"encoding_aes_key"`
	ReceiveID      string `json:"receiveid"`
	Timestamp      string `json:"timestamp"`
	Nonce          string `json:"nonce"`
	MsgSignature   string `json:"msg_signature"`
	Encrypt        string `json:"encrypt"`
	RandomASCII    string `json:"random_ascii"`
	RandomHex      string `json:"random_hex"`
	Message        string `json:"message"`
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	data, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Callback []vector `json:"callback"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Callback) < 7 {
		t.Fatalf("expected the 7 official vectors, got %d", len(v.Callback))
	}
	return v.Callback
}

func (v vector) random(t testing.TB) []byte {
	if v.RandomHex != "" {
		b, err := hex.DecodeString(v.RandomHex)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return []byte(v.RandomASCII)
}

func TestOfficialVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Source, func(t *testing.T) {
			c, err := New(v.Token, v.EncodingAESKey, v.ReceiveID)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Sign(v.Timestamp, v.Nonce, v.Encrypt); got != v.MsgSignature {
				t.Fatalf("signature %s, want %s", got, v.MsgSignature)
			}
			if err := c.CheckSignature(strings.ToUpper(v.MsgSignature), v.Timestamp, v.Nonce, v.Encrypt); err != nil {
				t.Fatalf("upper-case hex must verify: %v", err)
			}
			p, err := c.Decrypt(v.Encrypt)
			if err != nil {
				t.Fatal(err)
			}
			if string(p.Message) != v.Message || p.ReceiveID != v.ReceiveID || !bytes.Equal(p.Random, v.random(t)) {
				t.Fatalf("decrypt: %q / %q / %x", p.Message, p.ReceiveID, p.Random)
			}
			enc, err := c.Encrypt([]byte(v.Message), v.random(t))
			if err != nil {
				t.Fatal(err)
			}
			if enc != v.Encrypt {
				t.Fatalf("re-encrypt is not byte-exact:\n got %s\nwant %s", enc, v.Encrypt)
			}
			echo, err := c.VerifyURL(v.MsgSignature, v.Timestamp, v.Nonce, v.Encrypt)
			if err != nil || string(echo) != v.Message {
				t.Fatalf("VerifyURL: %q %v", echo, err)
			}
		})
	}
}

func TestAESKeyValidation(t *testing.T) {
	good := "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
	if _, err := DecodeAESKey(good); err != nil {
		t.Fatalf("real key with non-zero trailing bits must decode: %v", err)
	}
	for _, bad := range []string{"", good[:42], good + "A", good[:42] + "=", good[:42] + "$", good[:42] + "+", good[:42] + "/", good[:42] + "é"} {
		_, err := DecodeAESKey(bad)
		if CodeOf(err) != CodeIllegalAESKey {
			t.Errorf("key %q: got %v, want IllegalAesKey", bad, err)
		}
		if err != nil && !strings.Contains(err.Error(), "43 characters") {
			t.Errorf("message must name the rule: %v", err)
		}
	}
	if _, err := New("", good, ""); CodeOf(err) != CodeComputeSignature {
		t.Errorf("empty token: %v", err)
	}
}

func vectorCrypter(t testing.TB) (*Crypter, vector) {
	v := loadVectors(t)[1]
	c, err := New(v.Token, v.EncodingAESKey, v.ReceiveID)
	if err != nil {
		t.Fatal(err)
	}
	return c, v
}

func TestDecryptRejects(t *testing.T) {
	c, v := vectorCrypter(t)
	rnd := []byte("0123456789abcdef")
	// Hand-built ciphertexts with broken framing, encrypted with the right key.
	raw := func(plain []byte) string {
		t.Helper()
		enc, err := c.encryptRaw(plain)
		if err != nil {
			t.Fatal(err)
		}
		return enc
	}
	// pad32 fills b up to the next multiple of 32 with the byte pad.
	pad32 := func(b []byte, pad byte) []byte {
		out := append([]byte{}, b...)
		for len(out)%32 != 0 {
			out = append(out, pad)
		}
		return out
	}
	header := append(append([]byte{}, rnd...), 0, 0, 0, 5)
	badPadByte := pad32(append(append([]byte{}, header...), "hello"...), 7)
	badPadByte[len(badPadByte)-2] = 6
	cases := []struct {
		name string
		in   string
		code Code
	}{
		{"not base64", "!!!!", CodeDecodeBase64},
		{"base64 with non-zero trailing bits", v.Encrypt[:len(v.Encrypt)-2] + "F=", CodeDecodeBase64},
		{"url-decoded plus became space", strings.ReplaceAll(v.Encrypt, "+", " "), CodeDecodeBase64},
		{"empty", "", CodeDecryptAES},
		{"16 bytes only", "AAAAAAAAAAAAAAAAAAAAAA==", CodeDecryptAES},
		{"truncated", v.Encrypt[:len(v.Encrypt)-44], CodeDecryptAES},
		{"pad byte mismatch", raw(badPadByte), CodeDecryptAES},
		{"pad value 0", raw(append(make([]byte, 31), 0)), CodeDecryptAES},
		{"pad value 33", raw(append(make([]byte, 63), 33)), CodeDecryptAES},
		{"shorter than header", raw(bytes.Repeat([]byte{16}, 32)[:32]), CodeIllegalBuffer},
		{"length beyond data", raw(pad32(append(append([]byte{}, rnd...), 0, 0, 1, 0, 'x'), 0x0b)), CodeIllegalBuffer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Decrypt(tc.in)
			if CodeOf(err) != tc.code {
				t.Fatalf("got %v, want code %d", err, tc.code)
			}
			if !errors.Is(err, &Error{Code: tc.code}) {
				t.Fatal("errors.Is must match by code")
			}
		})
	}
}

func TestReceiveID(t *testing.T) {
	_, v := vectorCrypter(t)
	wrong, _ := New(v.Token, v.EncodingAESKey, "ww0000000000000000")
	p, err := wrong.Decrypt(v.Encrypt)
	if CodeOf(err) != CodeValidateReceiveID || p == nil || p.ReceiveID != v.ReceiveID {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), v.ReceiveID) {
		t.Fatalf("message must show the received id: %v", err)
	}
	skip, _ := New(v.Token, v.EncodingAESKey, "")
	if _, err := skip.Decrypt(v.Encrypt); err != nil {
		t.Fatalf("empty receive id skips the check: %v", err)
	}
}

func TestSignatureMismatch(t *testing.T) {
	c, v := vectorCrypter(t)
	for _, sig := range []string{"", "0", strings.Repeat("0", 40), v.MsgSignature[:39] + "0"} {
		if err := c.CheckSignature(sig, v.Timestamp, v.Nonce, v.Encrypt); CodeOf(err) != CodeValidateSignature {
			t.Errorf("sig %q: %v", sig, err)
		}
	}
	other, _ := New("another-token", v.EncodingAESKey, "")
	if _, err := other.VerifyURL(v.MsgSignature, v.Timestamp, v.Nonce, v.Encrypt); CodeOf(err) != CodeValidateSignature {
		t.Fatalf("wrong token: %v", err)
	}
}

func TestEncryptRoundTripAndRandom(t *testing.T) {
	c, _ := vectorCrypter(t)
	for _, msg := range []string{"", "a", strings.Repeat("x", 12), "你好, 世界 🌏", strings.Repeat("é", 1000)} {
		enc, err := c.Encrypt([]byte(msg), nil)
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.Decrypt(enc)
		if err != nil || string(p.Message) != msg {
			t.Fatalf("%q: %q %v", msg, p, err)
		}
	}
	a, _ := c.Encrypt([]byte("same"), nil)
	b, _ := c.Encrypt([]byte("same"), nil)
	if a == b {
		t.Fatal("a nil random must give a fresh prefix")
	}
	if _, err := c.Encrypt([]byte("x"), []byte("short")); CodeOf(err) != CodeEncryptAES {
		t.Fatalf("short random: %v", err)
	}
}

func TestParseRandom(t *testing.T) {
	if b, err := ParseRandom("8908d0ff052afda0"); err != nil || string(b) != "8908d0ff052afda0" {
		t.Fatal("16 chars are taken as bytes", b, err)
	}
	if b, err := ParseRandom("21e33070c56d1ca4e4fa84ace71334f6"); err != nil || len(b) != 16 || b[0] != 0x21 {
		t.Fatal("32 hex digits are decoded", b, err)
	}
	for _, bad := range []string{"", "abc", strings.Repeat("z", 32)} {
		if _, err := ParseRandom(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSealAndOpen(t *testing.T) {
	c, v := vectorCrypter(t)
	now := time.Unix(1700000000, 0)
	s, err := c.Seal([]byte("<xml/>"), v.ReceiveID, nil, "", "", now)
	if err != nil {
		t.Fatal(err)
	}
	if s.Timestamp != "1700000000" || len(s.Nonce) != 10 {
		t.Fatalf("defaults: %+v", s.Params)
	}
	for _, f := range []Format{FormatXML, FormatJSON} {
		body, err := RequestBody(f, v.ReceiveID, "1000002", s.Encrypt)
		if err != nil {
			t.Fatal(err)
		}
		o, err := c.Open(body, s.Params)
		if err != nil || !o.SignatureChecked || string(o.Plaintext.Message) != "<xml/>" || o.Envelope.Format != f || o.Envelope.AgentID != "1000002" {
			t.Fatalf("%s: %+v %v", f, o, err)
		}
		if o, err = c.Open(body, Params{}); err != nil || o.SignatureChecked {
			t.Fatalf("%s without params decrypts unchecked: %v", f, err)
		}
		if _, err = c.Open(body, Params{MsgSignature: s.MsgSignature}); CodeOf(err) != CodeValidateSignature {
			t.Fatalf("partial params: %v", err)
		}
		bad := s.Params
		bad.Nonce += "1"
		if _, err = c.Open(body, bad); CodeOf(err) != CodeValidateSignature {
			t.Fatalf("bad nonce: %v", err)
		}
		// Passive replies carry their own signature.
		reply, err := c.Reply(f, []byte("pong"), v.ReceiveID, now)
		if err != nil {
			t.Fatal(err)
		}
		o, err = c.Open(reply, Params{})
		if err != nil || !o.SignatureChecked || string(o.Plaintext.Message) != "pong" {
			t.Fatalf("%s reply: %s %v", f, reply, err)
		}
	}
}

// encryptRaw encrypts an already framed and padded plaintext; tests use it
// to build malformed messages.
func (c *Crypter) encryptRaw(p []byte) (string, error) {
	if len(p)%aes.BlockSize != 0 {
		return "", errorf(CodeEncryptAES, "raw plaintext must be a multiple of 16 bytes")
	}
	block, err := aes.NewCipher(c.key)
	if err != nil {
		return "", err
	}
	out := make([]byte, len(p))
	cipher.NewCBCEncrypter(block, c.key[:aes.BlockSize]).CryptBlocks(out, p)
	return base64.StdEncoding.EncodeToString(out), nil
}
