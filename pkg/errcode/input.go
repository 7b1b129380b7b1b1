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
)

// Query is one thing to explain: a code and the errmsg it came with.
type Query struct {
	Code   int
	Errmsg string
}

// AcceptedForms is shown whenever an input cannot be understood.
const AcceptedForms = `accepted inputs:
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

// IsNumber reports whether s is an optionally negative run of digits.
func IsNumber(s string) bool {
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

// ParseInput understands one argument or one stdin item: an errcode, a
// WeCom JSON response (or an array of them), an errmsg with its more-info
// link, or a log line that names the errcode.
func ParseInput(s string) ([]Query, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, errors.New("empty input")
	case IsNumber(s):
		code, err := parseCode(s)
		if err != nil {
			return nil, err
		}
		return []Query{{Code: code}}, nil
	case s[0] == '{':
		return parseJSON([]byte(s))
	case s[0] == '[':
		qs, err := parseJSON([]byte(s))
		if err == nil {
			return qs, nil
		}
		// Log lines often start with a bracket: "[2024-05-01 12:00:00] errcode=60020".
		if qs, ok := parseText(s); ok {
			return qs, nil
		}
		return nil, err
	}
	if qs, ok := parseText(s); ok {
		return qs, nil
	}
	return nil, fmt.Errorf("%q has no errcode: neither a number, a JSON response, nor an errmsg with its more-info link", clip(s))
}

// parseText reads the code from an errmsg's more-info link or from a log
// line's errcode=N.
func parseText(s string) ([]Query, bool) {
	if code, ok := CodeFromErrmsg(s); ok {
		return []Query{{Code: code, Errmsg: s}}, true
	}
	if m := namedCode().FindStringSubmatch(s); m != nil {
		if code, err := parseCode(m[1]); err == nil {
			return []Query{{Code: code, Errmsg: s}}, true
		}
	}
	return nil, false
}

func parseCode(s string) (int, error) {
	code, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not an errcode (out of range)", clip(s))
	}
	return int(code), nil
}

// parseJSON reads a WeCom response object, or an array of responses or codes.
func parseJSON(b []byte) ([]Query, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON %q: %w", clip(string(b)), err)
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
		return []Query{q}, nil
	case []any:
		var out []Query
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
				out = append(out, Query{Code: code})
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
func queryFromObject(m map[string]any) (Query, error) {
	msg, _ := m["errmsg"].(string)
	switch c := m["errcode"].(type) {
	case json.Number:
		code, err := parseCode(c.String())
		return Query{Code: code, Errmsg: msg}, err
	case string:
		if IsNumber(strings.TrimSpace(c)) {
			code, err := parseCode(strings.TrimSpace(c))
			return Query{Code: code, Errmsg: msg}, err
		}
	case nil:
		if code, ok := CodeFromErrmsg(msg); ok {
			return Query{Code: code, Errmsg: msg}, nil
		}
		return Query{}, errors.New(`JSON response has no "errcode" field`)
	}
	return Query{}, fmt.Errorf(`JSON "errcode" must be a number, got %v`, m["errcode"])
}

// SplitInput cuts stdin into items: one per line, except that a JSON value
// starting on a line runs until it is complete (pretty-printed responses).
//
// It runs in linear time whatever the input: where the JSON value that
// starts at a bracket would end is found for every bracket in one pass,
// and a value known to contain a syntax error is not parsed again from a
// bracket inside it (160 KB of "[" lines took 54 s when each line was
// parsed to the end of the input).
func SplitInput(text string) []string {
	ends := bracketEnds(text)
	var items []string
	// badAt is where the last JSON candidate failed: a candidate that
	// starts before it and ends after it contains the same error.
	badFrom, badAt := -1, -1
	pos := 0
	for pos < len(text) {
		start := len(text) - len(strings.TrimLeft(text[pos:], " \t\r\n"))
		if start == len(text) {
			break
		}
		if c := text[start]; c == '{' || c == '[' {
			end, closed := ends[start]
			known := start > badFrom && start < badAt && end >= badAt
			if closed && !known {
				var raw json.RawMessage
				err := json.Unmarshal([]byte(text[start:end+1]), &raw)
				if err == nil {
					items = append(items, text[start:end+1])
					pos = end + 1
					continue
				}
				var syn *json.SyntaxError
				if errors.As(err, &syn) && syn.Offset > 0 {
					badFrom, badAt = start, start+int(syn.Offset)-1
				}
			}
			// Not valid JSON: report the line as it is.
		}
		line, rest, _ := strings.Cut(text[start:], "\n")
		if line = strings.TrimSpace(line); line != "" {
			items = append(items, line)
		}
		pos = len(text) - len(rest)
	}
	return items
}

// bracketEnds maps the offset of every '{' and '[' outside JSON strings to
// the offset of the bracket that closes it, in one pass. Brackets are
// matched by depth only; the JSON parser settles the rest. A string never
// spans lines in valid JSON, so each line is read from outside a string,
// and a line that ends inside one leaves every bracket still open
// unmatched.
func bracketEnds(text string) map[int]int {
	ends := map[int]int{}
	var open []int
	inString, escaped := false, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		if inString {
			switch {
			case c == '\n':
				inString, escaped = false, false
				open = open[:0]
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			open = append(open, i)
		case '}', ']':
			if n := len(open); n > 0 {
				ends[open[n-1]] = i
				open = open[:n-1]
			}
		}
	}
	return ends
}

// clip keeps error messages one readable line.
func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 80 {
		return string(r[:77]) + "..."
	}
	return s
}
