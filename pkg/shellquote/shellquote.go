// Package shellquote quotes arguments so a command that wwcli suggests in
// a message can be pasted into a POSIX shell as it is (a config path under
// "Application Support", a profile name, a file name with spaces).
package shellquote

import "strings"

// Quote returns s as one shell word: unchanged when it is made of safe
// characters only, else in single quotes.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	for _, c := range s {
		if !safe(c) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}

// Join quotes each argument and joins them with spaces.
func Join(args ...string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = Quote(a)
	}
	return strings.Join(q, " ")
}

func safe(c rune) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune("/._-:=,@+%", c)
}
