package rediscache

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/wwcli/wwcli/pkg/tokencache"
)

// Entries in Redis are sealed with keys derived from the secret of the
// entry's own key (app secret, suite or provider secret, or suite id and
// permanent code): whoever can write to Redis but does not hold the
// secret cannot make wwcli use a value it did not fetch, and whoever can
// read Redis sees no token. The secret itself never leaves the process.

// entryFormat is the layout of a Redis entry; 3 is the first sealed one
// (keys under the v2 prefix held the value in clear and are never read).
const entryFormat = 3

// maxEntry bounds how much of any Redis value is read: a sealed entry is
// well under 1 KiB, so anything longer is not wwcli's and is never read
// whole (a 100 MB value once cost 427 MB of memory).
const maxEntry = 64 << 10

// maxValue bounds a token or ticket. WeCom's are a few hundred characters
// (it asks for 512 bytes of storage).
const maxValue = 2048

// The HKDF info strings: one key for the MAC, another for the cipher, so
// neither use can help an attack on the other.
const (
	infoMAC    = "wwcli redis v3 entry mac"
	infoCipher = "wwcli redis v3 value aes-256-gcm"
)

// record is an entry as Redis holds it. Everything but the value is in
// clear, so `auth status` and `auth logout` can list and match entries
// without the secret; MAC covers every field, Sealed is the value.
type record struct {
	Format            int       `json:"format"`
	ID                string    `json:"id"`
	CorpID            string    `json:"corp_id"`
	Kind              string    `json:"kind"`
	AgentID           string    `json:"agent_id,omitempty"`
	BaseURL           string    `json:"base_url"`
	SecretFingerprint string    `json:"secret_fingerprint"`
	FetchedAt         time.Time `json:"fetched_at"`
	ExpiresAt         time.Time `json:"expires_at"`
	Nonce             []byte    `json:"nonce"`
	Sealed            []byte    `json:"sealed"`
	MAC               []byte    `json:"mac"`
}

// sealer holds the keys derived from one secret.
type sealer struct {
	mac  []byte
	aead cipher.AEAD
}

func newSealer(secret string) (sealer, error) {
	if secret == "" {
		// An empty secret would give keys anyone can compute.
		return sealer{}, errors.New("no secret to key the entry with")
	}
	macKey, err := hkdf.Key(sha256.New, []byte(secret), nil, infoMAC, 32)
	if err != nil {
		return sealer{}, err
	}
	encKey, err := hkdf.Key(sha256.New, []byte(secret), nil, infoCipher, 32)
	if err != nil {
		return sealer{}, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return sealer{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealer{}, err
	}
	return sealer{mac: macKey, aead: aead}, nil
}

// fields is an unambiguous encoding of parts: each one length-prefixed,
// so no two different field lists encode to the same bytes.
func fields(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += 4 + len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = binary.BigEndian.AppendUint32(out, uint32(len(p)))
		out = append(out, p...)
	}
	return out
}

func unixNano(t time.Time) []byte { return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())) }

// header is what both the cipher (as associated data) and the MAC bind:
// the entry's key, app, kind and lifetime.
func (r *record) header(domain string) [][]byte {
	return [][]byte{[]byte(domain), []byte(strconv.Itoa(r.Format)), []byte(r.ID), []byte(r.CorpID), []byte(r.Kind),
		[]byte(r.AgentID), []byte(r.BaseURL), []byte(r.SecretFingerprint), unixNano(r.FetchedAt), unixNano(r.ExpiresAt)}
}

func (s sealer) sum(r *record) []byte {
	h := hmac.New(sha256.New, s.mac)
	h.Write(fields(append(r.header("wwcli redis v3 entry"), r.Nonce, r.Sealed)...))
	return h.Sum(nil)
}

// seal turns e into the bytes stored in Redis.
func (s sealer) seal(e tokencache.Entry) ([]byte, error) {
	r := record{Format: entryFormat, ID: e.ID, CorpID: e.CorpID, Kind: e.Kind, AgentID: e.AgentID, BaseURL: e.BaseURL,
		SecretFingerprint: e.SecretFingerprint, FetchedAt: e.FetchedAt.UTC(), ExpiresAt: e.ExpiresAt.UTC()}
	r.Nonce = make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(r.Nonce); err != nil {
		return nil, err
	}
	r.Sealed = s.aead.Seal(nil, r.Nonce, []byte(e.Value), fields(r.header("wwcli redis v3 value")...))
	r.MAC = s.sum(&r)
	return json.Marshal(r)
}

// errForeign is an entry under a key that is not the key's own: another
// format, bytes that are not an entry, or one this secret did not seal.
// It is treated as missing, never served.
var errForeign = errors.New("foreign entry")

// open returns k's entry from raw, or errForeign with the reason.
func (s sealer) open(raw string, k tokencache.Key) (tokencache.Entry, error) {
	if len(raw) > maxEntry {
		return tokencache.Entry{}, foreign("longer than 64 KiB")
	}
	// Unknown fields too: wwcli writes none, so they are someone's edit.
	var r record
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil || dec.More() || r.Format != entryFormat {
		return tokencache.Entry{}, foreign("not a wwcli entry")
	}
	if !hmac.Equal(r.MAC, s.sum(&r)) {
		return tokencache.Entry{}, foreign("its MAC does not match this app's secret")
	}
	// A genuine entry of the same secret copied under another key (the
	// ticket's under the token's) is not this key's.
	if r.ID != k.ID() || r.CorpID != k.CorpID || r.Kind != k.Kind || r.AgentID != k.AgentID ||
		r.BaseURL != k.BaseURL || r.SecretFingerprint != tokencache.SecretFingerprint(k.Secret) {
		return tokencache.Entry{}, foreign("it belongs to another key")
	}
	if len(r.Nonce) != s.aead.NonceSize() {
		return tokencache.Entry{}, foreign("bad nonce")
	}
	value, err := s.aead.Open(nil, r.Nonce, r.Sealed, fields(r.header("wwcli redis v3 value")...))
	if err != nil {
		return tokencache.Entry{}, foreign("its value does not decrypt with this app's secret")
	}
	if !validValue(string(value)) {
		return tokencache.Entry{}, foreign("its value is not a token")
	}
	if !r.ExpiresAt.After(r.FetchedAt) {
		return tokencache.Entry{}, foreign("it expires before it was fetched")
	}
	return entryFor(k, string(value), r.FetchedAt, r.ExpiresAt), nil
}

// entryFor builds k's entry as tokencache makes it, so its format version
// stays tokencache's.
func entryFor(k tokencache.Key, value string, fetched, expires time.Time) tokencache.Entry {
	e, _ := tokencache.NewEntry(context.Background(), k, fetched, func(context.Context) (string, time.Duration, error) {
		return value, expires.Sub(fetched), nil
	})
	return e
}

type foreignError struct{ reason string }

func (e *foreignError) Error() string        { return "foreign entry: " + e.reason }
func (e *foreignError) Is(target error) bool { return target == errForeign }

func foreign(reason string) error { return &foreignError{reason: reason} }

// validValue is the token and ticket character set: printable ASCII
// without space, so a terminal reading `wwcli token` never gets control
// bytes, and a bounded length.
func validValue(v string) bool {
	if v == "" || len(v) > maxValue {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			return false
		}
	}
	return true
}

// failureMAC binds a shared failure to its key, so a Redis writer cannot
// make the waiters exit with an error WeCom never gave.
func (s sealer) failureMAC(id string, f failure) []byte {
	h := hmac.New(sha256.New, s.mac)
	h.Write(fields([]byte("wwcli redis v3 failure"), []byte(id), []byte(f.Owner), []byte(strconv.Itoa(f.Code)),
		[]byte(f.Msg), []byte(f.Path)))
	return h.Sum(nil)
}
