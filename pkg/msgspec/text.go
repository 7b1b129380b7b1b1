package msgspec

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"unicode/utf8"
)

// maxTextInput bounds what a text argument may read from stdin or a file;
// WeCom's largest text field is far smaller, --truncate cuts the rest.
const maxTextInput = 1 << 20

// ReadText resolves a text argument: "-" reads stdin, "@PATH" reads a
// file, anything else is the text itself. Trailing line breaks (from echo,
// git log, editors) are dropped, so CI variables never need escaping.
// flag names the flag in messages ("--text").
func ReadText(flag, arg string, stdin io.Reader) (string, error) {
	var b []byte
	var err error
	switch {
	case arg == "-":
		b, err = io.ReadAll(io.LimitReader(stdin, maxTextInput+1))
		if err != nil {
			return "", fmt.Errorf("%s -: reading stdin: %w", flag, err)
		}
	case strings.HasPrefix(arg, "@"):
		path := arg[1:]
		b, err = readCapped(path, maxTextInput)
		if errors.Is(err, fs.ErrNotExist) {
			return "", Errorf("%s %s: no such file (to send text that starts with '@', pass it on stdin: %s -)", flag, arg, flag)
		}
		if err != nil {
			return "", Errorf("%s %s: %v", flag, arg, err)
		}
	default:
		b = []byte(arg)
	}
	if len(b) > maxTextInput {
		return "", Errorf("%s: more than %d bytes of input; WeCom takes at most a few KB", flag, maxTextInput)
	}
	if !utf8.Valid(b) {
		return "", Errorf("%s: the text is not valid UTF-8 (WeCom takes UTF-8 only; convert it, e.g. iconv -f GBK -t UTF-8)", flag)
	}
	s := strings.TrimRight(string(b), "\r\n")
	if strings.TrimSpace(s) == "" {
		return "", Errorf("%s: the text is empty (WeCom answers 44004)", flag)
	}
	return s, nil
}

func readCapped(path string, max int64) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if st, err := fh.Stat(); err == nil && st.IsDir() {
		return nil, errors.New("is a directory")
	}
	return io.ReadAll(io.LimitReader(fh, max+1))
}

// TruncMark ends a text that --truncate cut, so readers see it was cut.
const TruncMark = "…(truncated)"

// Fit checks that s (plus suffix, such as mentions, that must survive
// intact) fits in limit bytes. Over the limit it fails, saying by how
// much, unless truncate is set: then s is cut at a UTF-8 boundary and
// marked. what names the field ("text"); flag the flag ("--text").
// It returns the content to send and, when cut, a note for the user.
func Fit(what, flag, s, suffix string, limit int, truncate bool) (content, note string, err error) {
	total := len(s) + len(suffix)
	if total <= limit {
		return s + suffix, "", nil
	}
	over := total - limit
	if !truncate {
		return "", "", Errorf("%s is %d bytes, %d over WeCom's limit of %d bytes for %s: shorten it, or add --truncate to cut it",
			flag, total, over, limit, what)
	}
	room := limit - len(suffix) - len(TruncMark)
	if room <= 0 {
		return "", "", Errorf("%s: the mentions alone take %d of the %d bytes %s allows", flag, len(suffix), limit, what)
	}
	cut := CutUTF8(s, room)
	return cut + TruncMark + suffix, fmt.Sprintf("%s cut from %d to %d bytes (--truncate)", what, total, len(cut)+len(TruncMark)+len(suffix)), nil
}

// CutUTF8 returns the longest prefix of s of at most n bytes that does
// not split a UTF-8 sequence.
func CutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// ReadFileArg reads a JSON argument such as --body or --template-card:
// a file, or stdin for "-"; at most 1 MiB, and valid JSON.
func ReadFileArg(flag, arg string, stdin io.Reader) ([]byte, error) {
	var b []byte
	var err error
	if arg == "-" {
		b, err = io.ReadAll(io.LimitReader(stdin, maxTextInput+1))
	} else {
		b, err = readCapped(arg, maxTextInput)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, Errorf("%s %s: no such file", flag, arg)
	case err != nil:
		return nil, Errorf("%s %s: %v", flag, arg, err)
	case len(b) > maxTextInput:
		return nil, Errorf("%s %s: more than %d bytes; WeCom bodies are small", flag, arg, maxTextInput)
	case !json.Valid(b):
		return nil, Errorf("%s %s: not valid JSON", flag, arg)
	}
	return b, nil
}
