package msgspec

import (
	"strings"
	"testing"
)

func TestOneKind(t *testing.T) {
	flags := []string{"text", "markdown"}
	if k, err := OneKind([]Given{{"text", "hi"}}, flags); err != nil || k.Value != "hi" {
		t.Fatalf("one kind: %+v %v", k, err)
	}
	if _, err := OneKind(nil, flags); err == nil || !strings.Contains(err.Error(), "one of --text, --markdown") {
		t.Fatalf("no kind: %v", err)
	}
	if _, err := OneKind([]Given{{"text", "a"}, {"markdown", "b"}}, flags); err == nil || !strings.Contains(err.Error(), "not both --text and --markdown") {
		t.Fatalf("two kinds: %v", err)
	}
}
