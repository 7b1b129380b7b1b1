package callback

import (
	"crypto/rand"
	"strconv"
	"time"
)

// Params are the query parameters WeCom adds to every callback request.
type Params struct {
	MsgSignature string
	Timestamp    string
	Nonce        string
}

// Empty reports whether no parameter is set.
func (p Params) Empty() bool { return p.MsgSignature == "" && p.Timestamp == "" && p.Nonce == "" }

// Complete reports whether all three are set.
func (p Params) Complete() bool { return p.MsgSignature != "" && p.Timestamp != "" && p.Nonce != "" }

// Sealed is an encrypted message with the parameters that sign it.
type Sealed struct {
	Encrypt string
	Params
}

// Seal encrypts msg for receiveID and signs it with timestamp and nonce.
// Empty timestamp / nonce get the current time / a fresh nonce; a nil
// random gets a fresh prefix.
func (c *Crypter) Seal(msg []byte, receiveID string, random []byte, timestamp, nonce string, now time.Time) (*Sealed, error) {
	if timestamp == "" {
		timestamp = strconv.FormatInt(now.Unix(), 10)
	}
	if nonce == "" {
		nonce = NewNonce()
	}
	enc, err := c.EncryptFor(msg, receiveID, random)
	if err != nil {
		return nil, err
	}
	return &Sealed{Encrypt: enc, Params: Params{MsgSignature: c.Sign(timestamp, nonce, enc), Timestamp: timestamp, Nonce: nonce}}, nil
}

// Reply builds a passive reply envelope for msg in format, framed for
// receiveID (the one the request carried).
func (c *Crypter) Reply(format Format, msg []byte, receiveID string, now time.Time) ([]byte, error) {
	s, err := c.Seal(msg, receiveID, nil, "", "", now)
	if err != nil {
		return nil, err
	}
	return ReplyBody(format, s.Encrypt, s.MsgSignature, s.Timestamp, s.Nonce)
}

// NewNonce returns a 10-digit decimal nonce, the shape WeCom uses.
func NewNonce() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b[:])
}

// Opened is the result of Open.
type Opened struct {
	Envelope         *Envelope
	Plaintext        *Plaintext
	SignatureChecked bool
}

// Open parses an envelope, checks its signature and decrypts it. The
// signature parameters come from p, else from the envelope itself (passive
// replies carry them); when neither has them the signature is not checked
// and Opened.SignatureChecked is false. Partial parameters are an error.
func (c *Crypter) Open(body []byte, p Params) (*Opened, error) {
	env, err := ParseEnvelope(body)
	if err != nil {
		return nil, err
	}
	if p.Empty() {
		p = Params{MsgSignature: env.MsgSignature, Timestamp: env.TimeStamp, Nonce: env.Nonce}
	}
	out := &Opened{Envelope: env}
	switch {
	case p.Complete():
		if err := c.CheckSignature(p.MsgSignature, p.Timestamp, p.Nonce, env.Encrypt); err != nil {
			return out, err
		}
		out.SignatureChecked = true
	case !p.Empty():
		return out, errorf(CodeValidateSignature, "msg_signature, timestamp and nonce must be given together")
	}
	pt, err := c.Decrypt(env.Encrypt)
	out.Plaintext = pt
	return out, err
}
