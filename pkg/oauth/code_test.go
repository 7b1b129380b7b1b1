package oauth

import (
	"errors"
	"testing"
)

func TestCodeFromInput(t *testing.T) {
	cases := []struct {
		in, code string
		fromURL  bool
		err      error
	}{
		{"CODE1", "CODE1", false, nil},
		{"-abc_DEF-123", "-abc_DEF-123", false, nil},
		{"https://app.example.com/cb?code=abc&state=x", "abc", true, nil},
		{"https://app.example.com/cb?state=x&code=a%2Bb#top", "a+b", true, nil},
		{"app.example.com/cb?code=abc", "abc", true, nil},
		{"?code=abc&state=x", "abc", true, nil},
		{"code=abc&state=x", "abc", true, nil},
		{"https://app.example.com/cb?code=abc&bad=%zz", "abc", true, nil},
		{"https://app.example.com/cb?state=x", "", true, ErrNoCodeInURL},
		{"https://app.example.com/cb", "", true, ErrNoCodeInURL},
		{"https://app.example.com/cb?code=&state=x", "", true, ErrNoCodeInURL},
		{"state=x&appid=y", "", true, ErrNoCodeInURL},
	}
	for _, c := range cases {
		code, fromURL, err := CodeFromInput(c.in)
		if code != c.code || fromURL != c.fromURL || !errors.Is(err, c.err) {
			t.Errorf("CodeFromInput(%q) = %q, %v, %v; want %q, %v, %v", c.in, code, fromURL, err, c.code, c.fromURL, c.err)
		}
	}
}
