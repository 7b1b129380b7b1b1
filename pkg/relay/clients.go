// Package relay is an authenticated reverse proxy to the WeCom API, run on a
// host whose egress IP is in the app's 企业可信IP list (60020, DOC 90313:
// since 2022-06-20 new self-built apps answer 60020 to any other IP). CI
// runners call the relay with a client token instead of holding the app
// secret; the relay checks the token, the path and the client's rate, adds
// its own access_token and passes WeCom's answer through.
package relay

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/wwcli/wwcli/pkg/safedir"
)

// DefaultRatePerMinute is a client's rate when the clients file names none.
const DefaultRatePerMinute = 600

// maxClientsFile bounds the clients file: it is a short list of hashes.
const maxClientsFile = 1 << 20

// ClientConfig is one entry of the clients file. Only the SHA-256 of the
// client token is on disk; the token itself is a secret the client holds.
type ClientConfig struct {
	Name        string   `json:"name"`
	TokenSHA256 string   `json:"token_sha256"`
	Paths       []string `json:"paths"`
	ReadOnly    bool     `json:"read_only"`
	// RatePerMinute is the sustained rate; a client may burst a tenth of
	// it (at least 1) at once. 0 = DefaultRatePerMinute.
	RatePerMinute int `json:"rate_per_minute"`
	// Debug lets the client pass WeCom's debug=1. Off by default: WeCom
	// allows an app 5 debug calls a minute, so one client could use them
	// up for every other.
	Debug bool `json:"debug"`
}

// Client is a checked client: its token hash decoded, its patterns valid.
type Client struct {
	ClientConfig
	hash [sha256.Size]byte
}

// Clients is the parsed clients file.
type Clients struct {
	list []*Client
}

// LoadClients reads the clients file at path. Whoever can write it picks
// the tokens that get in, so it must be a regular file no other local user
// could have written (safedir.ReadTrusted: owner, mode, directory chain).
// The open never blocks, so a FIFO planted at path cannot hang a reload.
func LoadClients(path string) (*Clients, error) {
	data, err := safedir.ReadTrusted(path, maxClientsFile)
	if err != nil {
		return nil, err
	}
	return ParseClients(bytes.NewReader(data))
}

// ParseClients reads a clients file: {"clients":[{"name":"ci",
// "token_sha256":"<hex>","paths":["/cgi-bin/*"],"read_only":false,
// "rate_per_minute":600,"debug":false}]}. Unknown fields are refused, so
// a plain "token" (a secret on disk) or a misspelt option is an error,
// not ignored.
func ParseClients(r io.Reader) (*Clients, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxClientsFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxClientsFile {
		return nil, fmt.Errorf("the clients file is larger than %d bytes", maxClientsFile)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var file struct {
		Clients []ClientConfig `json:"clients"`
	}
	if err := dec.Decode(&file); err != nil {
		if strings.Contains(err.Error(), `unknown field "token"`) {
			return nil, errors.New(`a client has a "token" field: store only its hash, "token_sha256": "$(printf %s TOKEN | sha256sum)"`)
		}
		return nil, fmt.Errorf("not a clients file (%w); want {\"clients\":[{\"name\":...,\"token_sha256\":...,\"paths\":[...]}]}", err)
	}
	if dec.More() {
		return nil, errors.New("the clients file has more than one JSON value")
	}
	if len(file.Clients) == 0 {
		return nil, errors.New(`the clients file lists no client: add {"name":"ci","token_sha256":"...","paths":["/cgi-bin/*"]}`)
	}
	out := &Clients{}
	names := map[string]bool{}
	hashes := map[[sha256.Size]byte]string{}
	for i, cc := range file.Clients {
		c, err := checkClient(cc)
		if err != nil {
			return nil, fmt.Errorf("client %d (%q): %w", i+1, cc.Name, err)
		}
		if names[c.Name] {
			return nil, fmt.Errorf("client name %q appears twice", c.Name)
		}
		if other, ok := hashes[c.hash]; ok {
			return nil, fmt.Errorf("clients %q and %q have the same token hash: give each client its own token", other, c.Name)
		}
		names[c.Name], hashes[c.hash] = true, c.Name
		out.list = append(out.list, c)
	}
	return out, nil
}

func checkClient(cc ClientConfig) (*Client, error) {
	c := &Client{ClientConfig: cc}
	if strings.TrimSpace(cc.Name) == "" || strings.ContainsFunc(cc.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, errors.New("name must be non-empty printable text")
	}
	raw, err := hex.DecodeString(strings.ToLower(cc.TokenSHA256))
	if err != nil || len(raw) != sha256.Size {
		return nil, errors.New("token_sha256 must be 64 hex digits: printf %s TOKEN | sha256sum")
	}
	copy(c.hash[:], raw)
	if len(cc.Paths) == 0 {
		return nil, errors.New(`paths is empty: allow what the client calls, e.g. ["/cgi-bin/message/send", "/cgi-bin/user/*"]`)
	}
	for _, p := range cc.Paths {
		if !strings.HasPrefix(p, "/") {
			return nil, fmt.Errorf("path pattern %q must start with /", p)
		}
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("path pattern %q: %w", p, err)
		}
	}
	if cc.RatePerMinute < 0 {
		return nil, errors.New("rate_per_minute must be positive (0 = the default, 600)")
	}
	if cc.RatePerMinute == 0 {
		c.RatePerMinute = DefaultRatePerMinute
	}
	return c, nil
}

// Authenticate finds the client whose token hash matches token. Every
// entry is compared, in constant time, so the answer's timing tells
// nothing about which hash came close.
func (cs *Clients) Authenticate(token string) (*Client, bool) {
	sum := sha256.Sum256([]byte(token))
	var found *Client
	for _, c := range cs.list {
		if subtle.ConstantTimeCompare(sum[:], c.hash[:]) == 1 {
			found = c
		}
	}
	return found, found != nil
}

// Names lists the clients, in file order.
func (cs *Clients) Names() []string {
	out := make([]string, len(cs.list))
	for i, c := range cs.list {
		out[i] = c.Name
	}
	return out
}

// Allows reports whether the client may call p. A pattern ending in "/*"
// allows everything below it ("/cgi-bin/*" allows /cgi-bin/user/get);
// otherwise "*" matches within one path segment, as path.Match does.
func (c *Client) Allows(p string) bool {
	for _, pat := range c.Paths {
		if prefix, ok := strings.CutSuffix(pat, "/*"); ok && !strings.ContainsAny(prefix, "*?[\\") {
			if strings.HasPrefix(p, prefix+"/") && len(p) > len(prefix)+1 {
				return true
			}
			continue
		}
		if ok, _ := path.Match(pat, p); ok {
			return true
		}
	}
	return false
}

// HashToken is the token_sha256 of a client token, for the clients file.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
