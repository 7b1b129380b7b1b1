package wecom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/wwcli/wwcli/pkg/errcode"
)

// legacyKeys maps the capitalised keys of the legacy /cgi-bin/user/getuserinfo
// answer to the names the new auth/getuserinfo endpoint uses, so scripts see
// one shape whichever endpoint answered.
var legacyKeys = map[string]string{
	"UserId":   "userid",
	"OpenId":   "openid",
	"DeviceId": "device_id",
}

// Identity is the normalised answer of a login-code exchange
// (auth/getuserinfo, user/getuserinfo, jscode2session, getuserdetail):
// WeCom's fields minus errcode/errmsg, with snake_case keys. Numbers stay
// json.Number so nothing is rounded on the way through.
type Identity map[string]any

// NormalizeIdentity decodes a WeCom answer into an Identity: it drops
// errcode/errmsg, renames the legacy capitalised keys and turns any other
// CamelCase key into snake_case. When both spellings of a key are present,
// the lower-case one (the current API) wins.
func NormalizeIdentity(raw []byte) (Identity, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var in map[string]any
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("WeCom answered with JSON that is not an object: %w", err)
	}
	out := Identity{}
	// Sorted, so two odd keys that map to one name resolve the same way every run.
	for _, k := range slices.Sorted(maps.Keys(in)) {
		v := in[k]
		if k == "errcode" || k == "errmsg" {
			continue
		}
		nk := snakeKey(k)
		if nk == k {
			out[k] = v // current spelling: always wins
			continue
		}
		if _, taken := in[nk]; !taken {
			out[nk] = v
		}
	}
	return out, nil
}

// snakeKey renames one key: the known legacy names first, then a generic
// CamelCase → snake_case ("ExpiresIn" → "expires_in").
func snakeKey(k string) string {
	if nk, ok := legacyKeys[k]; ok {
		return nk
	}
	var b strings.Builder
	runes := []rune(k)
	for i, r := range runes {
		if unicode.IsUpper(r) {
			// Start a new word unless at the start, after an underscore,
			// or inside an acronym ("ID" stays "id").
			if i > 0 && runes[i-1] != '_' && !unicode.IsUpper(runes[i-1]) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Str returns the field as a string ("" when absent or not a string).
func (id Identity) Str(key string) string {
	s, _ := id[key].(string)
	return s
}

// LoginError is a WeCom error from a code exchange with one more line that
// says what it means for the login flow. Explain() is what the CLI prints;
// the exit code (3) comes from the wrapped *APIError.
type LoginError struct {
	API    *APIError
	Advice errcode.Advice
}

func (e *LoginError) Error() string { return e.API.Error() }
func (e *LoginError) Unwrap() error { return e.API }

// Explain is the standard errcode explanation plus the login-flow line, or
// with the advice as its fix when the table's fix does not apply.
func (e *LoginError) Explain() string {
	if !e.Advice.ReplacesFix {
		return e.API.Explain() + "\n  login: " + e.Advice.Text
	}
	ex := errcode.Explain(e.API.Code, e.API.Msg)
	ex.Fix = e.Advice.Text
	return e.API.Path + ": " + ex.Short()
}

// ExplainLogin wraps err with a login-flow explanation when it is a WeCom
// error that errcode.LoginAdvice knows; anything else is returned unchanged.
func ExplainLogin(err error, at errcode.LoginContext) error {
	var api *APIError
	if !errors.As(err, &api) {
		return err
	}
	advice := errcode.LoginAdvice(api.Code, api.Msg, at)
	if advice.Text == "" {
		return err
	}
	return &LoginError{API: api, Advice: advice}
}
