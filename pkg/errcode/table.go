package errcode

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// errcodesTSV is the official list (code, zh, en_short; header row; page
// order). It stays a string until the first lookup so commands that never
// explain an error pay nothing for it.
//
//go:embed data/errcodes.tsv
var errcodesTSV string

// table is immutable once built.
type table struct {
	entries  []Entry     // TSV order
	index    map[int]int // code -> position in entries
	problems []string    // malformed rows, duplicates, orphan fixes: empty for the shipped data
}

// loadTable parses the embedded data exactly once, on first use.
var loadTable = sync.OnceValue(func() *table {
	return parseTable(errcodesTSV, fixes[:])
})

// parseTable builds a table from TSV text and merges the fix guidance.
// Duplicate codes keep their first row: the official page order comes first
// and rows appended later come from older copies of the page. Every dropped
// or odd row is recorded in problems so tests can insist there are none.
func parseTable(tsv string, fixList []fix) *table {
	rows := strings.Count(tsv, "\n") + 1
	t := &table{index: make(map[int]int, rows), entries: make([]Entry, 0, rows)}
	rest := tsv
	for n := 1; rest != ""; n++ {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		line = strings.TrimSuffix(line, "\r")
		if n == 1 && strings.HasPrefix(line, "code\t") {
			continue
		}
		codeText, meanings, ok1 := strings.Cut(line, "\t")
		zh, en, ok2 := strings.Cut(meanings, "\t")
		if !ok1 || !ok2 || strings.Contains(en, "\t") {
			t.problems = append(t.problems, fmt.Sprintf("line %d: %d columns, want 3", n, strings.Count(line, "\t")+1))
			continue
		}
		code, err := strconv.Atoi(codeText)
		if err != nil {
			t.problems = append(t.problems, fmt.Sprintf("line %d: code %q is not a number", n, codeText))
			continue
		}
		if first, dup := t.index[code]; dup {
			t.problems = append(t.problems, fmt.Sprintf("line %d: duplicate code %d ignored, kept the first row %q", n, code, t.entries[first].ZH))
			continue
		}
		t.index[code] = len(t.entries)
		t.entries = append(t.entries, Entry{Code: code, ZH: strings.TrimSpace(zh), EN: strings.TrimSpace(en)})
	}
	for _, f := range fixList {
		i, ok := t.index[f.code]
		switch {
		case !ok:
			t.problems = append(t.problems, fmt.Sprintf("fix for code %d which is not in the table", f.code))
		case t.entries[i].Fix != "":
			t.problems = append(t.problems, fmt.Sprintf("two fixes for code %d", f.code))
		default:
			t.entries[i].Fix = f.text
		}
	}
	return t
}

// lookupRow finds one code without building the table: explaining a single
// error (the common case, on every failing command) then costs one string
// search instead of parsing 1,256 rows. Like parseTable, the first row of a
// code wins.
func lookupRow(tsv string, fixList []fix, code int) (Entry, bool) {
	key := strconv.Itoa(code) + "\t"
	rest := tsv
	for {
		i := strings.Index(rest, key)
		if i < 0 {
			return Entry{}, false
		}
		if i > 0 && rest[i-1] != '\n' { // the code must start a line
			rest = rest[i+len(key):]
			continue
		}
		line, _, _ := strings.Cut(rest[i+len(key):], "\n")
		zh, en, ok := strings.Cut(strings.TrimSuffix(line, "\r"), "\t")
		if !ok {
			return Entry{}, false
		}
		e := Entry{Code: code, ZH: strings.TrimSpace(zh), EN: strings.TrimSpace(en)}
		for _, f := range fixList {
			if f.code == code {
				e.Fix = f.text
				break
			}
		}
		return e, true
	}
}

// List returns every API errcode in the official page order, then the
// callback library codes.
func List() []Entry {
	t := loadTable()
	out := make([]Entry, 0, len(t.entries)+len(callbackCodes))
	out = append(out, t.entries...)
	return append(out, callbackCodes[:]...)
}

// Search returns the entries (API then callback) whose Chinese or English
// meaning matches every word, case-insensitively. An English word (ASCII
// letters and digits) must be a whole word of the meaning, or that word plus
// a plural or past ending: "ip" finds "IP" and "IPs", not "description";
// "whitelist" finds "whitelisted"; "signature" finds "msg_signature".
// Anything else (Chinese, "suite_access_token", "trusted-IP") matches as a
// substring. No words, no matches.
func Search(words ...string) []Entry {
	var needles []string
	for _, w := range words {
		for _, f := range strings.Fields(w) {
			needles = append(needles, strings.ToLower(f))
		}
	}
	if len(needles) == 0 {
		return nil
	}
	var out []Entry
	for _, e := range List() {
		hay := strings.ToLower(e.ZH + "\n" + e.EN)
		var tokens []string
		match := true
		for _, n := range needles {
			if !isWord(n) {
				if !strings.Contains(hay, n) {
					match = false
					break
				}
				continue
			}
			if tokens == nil {
				tokens = strings.FieldsFunc(hay, func(r rune) bool { return !isWordRune(r) })
			}
			if !slices.ContainsFunc(tokens, func(t string) bool { return wordMatches(t, n) }) {
				match = false
				break
			}
		}
		if match {
			out = append(out, e)
		}
	}
	return out
}

// isWordRune is the alphabet of English search words. Chinese text has no
// word breaks, so it is searched as a substring.
func isWordRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func isWord(s string) bool {
	for _, r := range s {
		if !isWordRune(r) {
			return false
		}
	}
	return s != ""
}

// wordMatches: the same word, or it with an English plural or past ending.
func wordMatches(token, needle string) bool {
	rest, ok := strings.CutPrefix(token, needle)
	if !ok {
		return false
	}
	switch rest {
	case "", "s", "es", "ed", "d":
		return true
	}
	return false
}
