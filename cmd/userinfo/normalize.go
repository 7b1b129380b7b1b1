package userinfo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
)

// legacyKeys maps the capitalised keys of the legacy /cgi-bin/user/getuserinfo
// answer to the names the new auth/getuserinfo endpoint uses, so scripts see
// one shape whichever endpoint answered.
var legacyKeys = map[string]string{
	"UserId":   "userid",
	"OpenId":   "openid",
	"DeviceId": "device_id",
}

// identity is the normalised answer of any code exchange: WeCom's fields
// minus errcode/errmsg, with snake_case keys. Numbers stay json.Number so
// nothing is rounded on the way through.
type identity map[string]any

// normalize decodes a WeCom answer into an identity: it drops
// errcode/errmsg, renames the legacy capitalised keys and turns any other
// CamelCase key into snake_case. When both spellings of a key are present,
// the lower-case one (the current API) wins.
func normalize(raw []byte) (identity, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var in map[string]any
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("WeCom answered with JSON that is not an object: %v", err)
	}
	out := identity{}
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

// str returns the field as a string ("" when absent or not a string).
func (id identity) str(key string) string {
	s, _ := id[key].(string)
	return s
}
