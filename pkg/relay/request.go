package relay

import (
	"errors"
	"path"
	"strings"
)

// maxTokenLen bounds a client token; real ones are 32-64 characters.
const maxTokenLen = 512

// Errors of ParseBearer, for the 401 message.
var (
	ErrNoToken        = errors.New("no client token: send Authorization: Bearer TOKEN")
	ErrMalformedToken = errors.New("malformed Authorization header: want Authorization: Bearer TOKEN")
)

// ParseBearer returns the token of an "Authorization: Bearer TOKEN" header
// value. The scheme is case-insensitive (RFC 6750 §2.1 / RFC 9110 §11.1);
// the token must be printable ASCII without spaces.
func ParseBearer(header string) (string, error) {
	if header == "" {
		return "", ErrNoToken
	}
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", ErrMalformedToken
	}
	token = strings.TrimLeft(token, " ")
	if token == "" || len(token) > maxTokenLen {
		return "", ErrMalformedToken
	}
	for i := 0; i < len(token); i++ {
		if token[i] <= ' ' || token[i] >= 0x7f {
			return "", ErrMalformedToken
		}
	}
	return token, nil
}

// ErrUncleanPath is a request path that is not in canonical form.
var ErrUncleanPath = errors.New("the path must be clean (letters, digits, _ . - and single /; no /./, /../, trailing / or escapes): e.g. /cgi-bin/user/get")

// CheckPath accepts only canonical API paths: absolute, path.Clean'ed,
// without a trailing slash and without percent-escapes (rawPath), so
// that the allow-list and the deny-list see the path WeCom will see; and
// made of the characters WeCom's paths use ([A-Za-z0-9_./-]), so that no
// path brings a shell or terminal metacharacter anywhere.
func CheckPath(p, rawPath string) (string, error) {
	if rawPath != "" && rawPath != p {
		return "", ErrUncleanPath
	}
	if p == "" || p[0] != '/' || path.Clean(p) != p || p == "/" {
		return "", ErrUncleanPath
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' || c == '/') {
			return "", ErrUncleanPath
		}
	}
	return p, nil
}

// secretPaths answer with a token, a secret or a permanent code, or take
// one: they never go through the relay, whatever the clients file allows.
// The relay's own token stays on the relay (gettoken, DOC 91039: "never
// hand the token to a browser"); suite, provider and authorized-corp tokens
// and permanent codes (DOC 97162, 96237, 90605, 90603, 100776) are other apps'
// secrets that a client would send in the body.
var secretPaths = []string{
	"/cgi-bin/gettoken",
	"/cgi-bin/service/get_suite_token",
	"/cgi-bin/service/get_provider_token",
	"/cgi-bin/service/get_corp_token",
	"/cgi-bin/service/get_permanent_code",
	"/cgi-bin/service/v2/get_permanent_code",
	"/cgi-bin/service/get_auth_info",
	"/cgi-bin/service/v2/get_auth_info",
}

// SecretPath reports whether p is one of the paths that hand out or take a
// token or secret. WeCom's path matching is not known to be case-sensitive,
// so the comparison is not.
func SecretPath(p string) bool {
	for _, s := range secretPaths {
		if strings.EqualFold(p, s) {
			return true
		}
	}
	return false
}
