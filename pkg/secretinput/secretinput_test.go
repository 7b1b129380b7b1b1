package secretinput

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func write(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadFileTrimsNewline(t *testing.T) {
	var warned []string
	got, err := ReadFile(write(t, "s3cret\n", 0o600), func(m string) { warned = append(warned, m) })
	if err != nil || got != "s3cret" {
		t.Fatalf("got %q, %v", got, err)
	}
	if len(warned) != 0 {
		t.Fatalf("a 0600 file must not warn: %v", warned)
	}
}

func TestReadFileWarnsWhenOthersCanRead(t *testing.T) {
	var warned []string
	p := write(t, "s3cret", 0o644)
	got, err := ReadFile(p, func(m string) { warned = append(warned, m) })
	if err != nil || got != "s3cret" {
		t.Fatalf("got %q, %v", got, err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "chmod 600 "+p) {
		t.Fatalf("want one warning naming chmod 600, got %v", warned)
	}
}

func TestReadFileRefusals(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct{ path, want string }{
		"missing":    {filepath.Join(dir, "nope"), "does not exist"},
		"directory":  {dir, "not a regular file"},
		"fifo":       {fifo, "not a regular file"},
		"too big":    {write(t, strings.Repeat("x", MaxSize+1), 0o600), "more than a secret can be"},
		"empty":      {write(t, "\n", 0o600), "is empty"},
		"multi-line": {write(t, "a\nb\n", 0o600), "more than one line"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ReadFile(c.path, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want %q, got %v", c.want, err)
			}
		})
	}
}

func TestReadStdin(t *testing.T) {
	if got, err := ReadStdin(strings.NewReader("abc\r\n")); err != nil || got != "abc" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := ReadStdin(strings.NewReader(strings.Repeat("x", MaxSize+10))); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("want a size error, got %v", err)
	}
	if _, err := ReadStdin(strings.NewReader("")); err == nil {
		t.Fatal("empty stdin must be refused")
	}
}
