package callback

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math"
	"sort"
	"strings"
)

const (
	// RandomSize is the length of the random prefix of every plaintext.
	RandomSize = 16
	// AESKeyLength is the length of an EncodingAESKey in characters.
	AESKeyLength = 43
	// padBlock is WeCom's PKCS#7 block size: 32, although AES blocks are 16.
	padBlock = 32
	// headerSize is random(16) + msg_len(4).
	headerSize = RandomSize + 4
)

// ValidateAESKey checks the documented shape of an EncodingAESKey:
// exactly 43 characters of [A-Za-z0-9].
func ValidateAESKey(encodingAESKey string) error {
	if len(encodingAESKey) != AESKeyLength {
		return errorf(CodeIllegalAESKey, "EncodingAESKey must be exactly 43 characters of A-Z, a-z, 0-9 (got %d characters); copy it again from the callback settings", len(encodingAESKey))
	}
	for i := 0; i < len(encodingAESKey); i++ {
		c := encodingAESKey[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return errorf(CodeIllegalAESKey, "EncodingAESKey must be exactly 43 characters of A-Z, a-z, 0-9 (character %d is %q); copy it again from the callback settings", i+1, c)
		}
	}
	return nil
}

// DecodeAESKey turns an EncodingAESKey into the 32-byte AES key. It decodes
// as WeCom does (base64 of key+"="), without Go's strict check of the unused
// low bits: real keys are random and usually have them set.
func DecodeAESKey(encodingAESKey string) ([]byte, error) {
	if err := ValidateAESKey(encodingAESKey); err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil {
		return nil, &Error{Code: CodeIllegalAESKey, Detail: "EncodingAESKey is not base64", Err: err}
	}
	if len(key) != 32 {
		return nil, errorf(CodeIllegalAESKey, "EncodingAESKey decodes to %d bytes, want 32", len(key))
	}
	return key, nil
}

// Signature computes msg_signature: hex SHA-1 of the byte-wise sorted
// concatenation of token, timestamp, nonce and the encrypted text.
func Signature(token, timestamp, nonce, encrypt string) string {
	parts := []string{token, timestamp, nonce, encrypt}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// Crypter holds one callback configuration: Token, AES key and the expected
// receive id. An empty receive id skips that check (robots, and callers that
// do not know it), as the official Go sample does.
type Crypter struct {
	token     string
	key       []byte
	receiveID string
}

// New validates the secrets and returns a Crypter.
func New(token, encodingAESKey, receiveID string) (*Crypter, error) {
	if token == "" {
		return nil, errorf(CodeComputeSignature, "Token is empty; copy it from the callback settings")
	}
	key, err := DecodeAESKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	return &Crypter{token: token, key: key, receiveID: receiveID}, nil
}

// ReceiveID is the expected receive id ("" = not checked).
func (c *Crypter) ReceiveID() string { return c.receiveID }

// Sign computes msg_signature with this Crypter's Token.
func (c *Crypter) Sign(timestamp, nonce, encrypt string) string {
	return Signature(c.token, timestamp, nonce, encrypt)
}

// CheckSignature compares msgSignature with the expected one in constant time.
func (c *Crypter) CheckSignature(msgSignature, timestamp, nonce, encrypt string) error {
	want := c.Sign(timestamp, nonce, encrypt)
	got := strings.ToLower(msgSignature)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errorf(CodeValidateSignature, "msg_signature does not match: check the Token, and that timestamp, nonce and the encrypted text are exactly what WeCom sent (URL-decoded)")
	}
	return nil
}

// Plaintext is a decrypted message with its framing.
type Plaintext struct {
	Message   []byte
	ReceiveID string
	Random    []byte
}

// Encrypt frames msg as random||len||msg||receiveID, pads it to 32 bytes
// and encrypts it. random must be 16 bytes, or nil for a fresh one.
func (c *Crypter) Encrypt(msg, random []byte) (string, error) {
	return c.EncryptFor(msg, c.receiveID, random)
}

// EncryptFor is Encrypt with an explicit receive id.
func (c *Crypter) EncryptFor(msg []byte, receiveID string, random []byte) (string, error) {
	if random == nil {
		random = make([]byte, RandomSize)
		if _, err := rand.Read(random); err != nil {
			return "", &Error{Code: CodeEncryptAES, Detail: "no randomness for the prefix", Err: err}
		}
	}
	if len(random) != RandomSize {
		return "", errorf(CodeEncryptAES, "random prefix must be %d bytes, got %d", RandomSize, len(random))
	}
	if uint64(len(msg)) > math.MaxUint32 {
		return "", errorf(CodeIllegalBuffer, "message of %d bytes does not fit the 4-byte length", len(msg))
	}
	n := headerSize + len(msg) + len(receiveID)
	pad := padBlock - n%padBlock
	buf := make([]byte, n+pad)
	copy(buf, random)
	binary.BigEndian.PutUint32(buf[RandomSize:], uint32(len(msg)))
	copy(buf[headerSize:], msg)
	copy(buf[headerSize+len(msg):], receiveID)
	for i := n; i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	block, err := aes.NewCipher(c.key)
	if err != nil {
		return "", &Error{Code: CodeEncryptAES, Detail: "AES setup failed", Err: err}
	}
	cipher.NewCBCEncrypter(block, c.key[:aes.BlockSize]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf), nil
}

// Decrypt reverses Encrypt, validating base64, lengths, every padding byte
// and the frame, then the receive id when one is configured.
func (c *Crypter) Decrypt(encrypt string) (*Plaintext, error) {
	ct, err := base64.StdEncoding.Strict().DecodeString(encrypt)
	if err != nil {
		return nil, &Error{Code: CodeDecodeBase64, Detail: "the encrypted text is not valid base64 (was it URL-decoded? '+' must not become a space)", Err: err}
	}
	if len(ct) == 0 || len(ct)%padBlock != 0 {
		return nil, errorf(CodeDecryptAES, "ciphertext is %d bytes, want a non-zero multiple of %d: the text is truncated or not a WeCom message", len(ct), padBlock)
	}
	block, err := aes.NewCipher(c.key)
	if err != nil {
		return nil, &Error{Code: CodeDecryptAES, Detail: "AES setup failed", Err: err}
	}
	p := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, c.key[:aes.BlockSize]).CryptBlocks(p, ct)

	pad := int(p[len(p)-1])
	if pad < 1 || pad > padBlock {
		return nil, errorf(CodeDecryptAES, "bad padding: the EncodingAESKey is probably wrong")
	}
	// Check all padding bytes without an early exit.
	var bad byte
	for _, b := range p[len(p)-pad:] {
		bad |= b ^ byte(pad)
	}
	if bad != 0 {
		return nil, errorf(CodeDecryptAES, "bad padding: the EncodingAESKey is probably wrong")
	}
	p = p[:len(p)-pad]
	if len(p) < headerSize {
		return nil, errorf(CodeIllegalBuffer, "plaintext of %d bytes is shorter than its %d-byte header", len(p), headerSize)
	}
	msgLen := uint64(binary.BigEndian.Uint32(p[RandomSize:headerSize]))
	if msgLen > uint64(len(p)-headerSize) {
		return nil, errorf(CodeIllegalBuffer, "message length %d exceeds the %d bytes that follow the header: the EncodingAESKey is probably wrong", msgLen, len(p)-headerSize)
	}
	end := headerSize + int(msgLen)
	out := &Plaintext{
		Random:    bytes.Clone(p[:RandomSize]),
		Message:   bytes.Clone(p[headerSize:end]),
		ReceiveID: string(p[end:]),
	}
	if c.receiveID != "" && out.ReceiveID != c.receiveID {
		return out, errorf(CodeValidateReceiveID, "the message is for receive id %q, not %q (corp id for self-built apps, suite id for third-party command callbacks, empty for robots)", out.ReceiveID, c.receiveID)
	}
	return out, nil
}

// VerifyURL handles WeCom's GET verification: checks the signature over the
// (already URL-decoded) echostr and returns the plaintext to answer with.
func (c *Crypter) VerifyURL(msgSignature, timestamp, nonce, echostr string) ([]byte, error) {
	if err := c.CheckSignature(msgSignature, timestamp, nonce, echostr); err != nil {
		return nil, err
	}
	p, err := c.Decrypt(echostr)
	if err != nil {
		return nil, err
	}
	return p.Message, nil
}

// ParseRandom reads a random prefix given as 16 characters or 32 hex digits.
func ParseRandom(s string) ([]byte, error) {
	switch len(s) {
	case RandomSize:
		return []byte(s), nil
	case 2 * RandomSize:
		b, err := hex.DecodeString(s)
		if err == nil {
			return b, nil
		}
	}
	return nil, errorf(CodeEncryptAES, "random prefix must be 16 characters or 32 hex digits (got %d characters)", len(s))
}
