package errcode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/wwcli/wwcli/pkg/errcode"
)

// query is one thing to explain: a code and the errmsg it came with.
type query struct {
	Code   int
	Errmsg string
}

// acceptedForms is shown whenever an input cannot be understood.
const acceptedForms = `accepted inputs:
  an errcode                 60020   or   -40001
  a WeCom JSON response      '{"errcode":60020,"errmsg":"not allow to access from your ip, ..."}'
  a WeCom errmsg             'not allow ..., more info at https://open.work.weixin.qq.com/devtool/query?e=60020'
  a log line naming it       'errcode=60020'
  or any of these on stdin, one per line (a JSON object may span lines)`

// namedCode finds errcode=60020, "errcode": 60020, errcode 60020 as in
// logs. Compiled on first use: every wwcli start would pay for it otherwise.
var namedCode = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)errcode["']?\s*[:=]?\s*["']?(-?[0-9]{1,10})\b`)
})

// isNumber reports whether s is an optionally negative run of digits.
func isNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseInput understands one argument or one stdin item.
func parseInput(s string) ([]query, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, errors.New("empty input")
	case isNumber(s):
		code, err := parseCode(s)
		if err != nil {
			return nil, err
		}
		return []query{{Code: code}}, nil
	case s[0] == '{' || s[0] == '[':
		return parseJSON([]byte(s))
	}
	if code, ok := errcode.CodeFromErrmsg(s); ok {
		return []query{{Code: code, Errmsg: s}}, nil
	}
	if m := namedCode().FindStringSubmatch(s); m != nil {
		if code, err := parseCode(m[1]); err == nil {
			return []query{{Code: code, Errmsg: s}}, nil
		}
	}
	return nil, fmt.Errorf("%q has no errcode: neither a number, a JSON response, nor an errmsg with its more-info link", clip(s))
}

func parseCode(s string) (int, error) {
	code, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not an errcode (out of range)", clip(s))
	}
	return int(code), nil
}

// parseJSON reads a WeCom response object, or an array of responses or codes.
func parseJSON(b []byte) ([]query, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON %q: %v", clip(string(b)), err)
	}
	if dec.More() {
		return nil, fmt.Errorf("invalid JSON %q: more than one value; give each response as its own argument or line", clip(string(b)))
	}
	switch v := v.(type) {
	case map[string]any:
		q, err := queryFromObject(v)
		if err != nil {
			return nil, err
		}
		return []query{q}, nil
	case []any:
		var out []query
		for _, el := range v {
			switch el := el.(type) {
			case map[string]any:
				q, err := queryFromObject(el)
				if err != nil {
					return nil, err
				}
				out = append(out, q)
			case json.Number:
				code, err := parseCode(el.String())
				if err != nil {
					return nil, err
				}
				out = append(out, query{Code: code})
			default:
				return nil, fmt.Errorf("JSON array items must be responses or errcodes, got %v", el)
			}
		}
		if len(out) == 0 {
			return nil, errors.New("empty JSON array")
		}
		return out, nil
	}
	return nil, fmt.Errorf("JSON %q is not a response object", clip(string(b)))
}

// queryFromObject takes errcode (a number, or a numeric string as some
// proxies write it) and errmsg; without errcode, the errmsg's link decides.
func queryFromObject(m map[string]any) (query, error) {
	msg, _ := m["errmsg"].(string)
	switch c := m["errcode"].(type) {
	case json.Number:
		code, err := parseCode(c.String())
		return query{Code: code, Errmsg: msg}, err
	case string:
		if isNumber(strings.TrimSpace(c)) {
			code, err := parseCode(strings.TrimSpace(c))
			return query{Code: code, Errmsg: msg}, err
		}
	case nil:
		if code, ok := errcode.CodeFromErrmsg(msg); ok {
			return query{Code: code, Errmsg: msg}, nil
		}
		return query{}, errors.New(`JSON response has no "errcode" field`)
	}
	return query{}, fmt.Errorf(`JSON "errcode" must be a number, got %v`, m["errcode"])
}

// splitStdin cuts stdin into items: one per line, except that a JSON value
// starting on a line runs until it is complete (pretty-printed responses).
func splitStdin(text string) []string {
	var items []string
	rest := text
	for rest != "" {
		trimmed := strings.TrimLeft(rest, " \t\r\n")
		if trimmed == "" {
			break
		}
		if trimmed[0] == '{' || trimmed[0] == '[' {
			dec := json.NewDecoder(strings.NewReader(trimmed))
			var raw json.RawMessage
			if err := dec.Decode(&raw); err == nil {
				n := int(dec.InputOffset())
				items = append(items, trimmed[:n])
				rest = trimmed[n:]
				continue
			}
			// Not valid JSON: fall through and report the line as is.
		}
		line, after, _ := strings.Cut(trimmed, "\n")
		if line = strings.TrimSpace(line); line != "" {
			items = append(items, line)
		}
		rest = after
	}
	return items
}

// clip keeps error messages one readable line.
func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 80 {
		return string(r[:77]) + "..."
	}
	return s
}
