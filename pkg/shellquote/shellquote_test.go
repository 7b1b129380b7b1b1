package shellquote

import "testing"

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":                            "''",
		"/home/a/.config/config.json": "/home/a/.config/config.json",
		"http://127.0.0.1:8081":       "http://127.0.0.1:8081",
		"/Users/a/Library/Application Support/wwcli/config.json": "'/Users/a/Library/Application Support/wwcli/config.json'",
		"it's":  `'it'\''s'`,
		"$HOME": "'$HOME'",
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
	if got := Join("wwcli", "auth", "login", "--secret-file", "my secret.txt"); got != "wwcli auth login --secret-file 'my secret.txt'" {
		t.Fatal(got)
	}
}
