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

func TestKindsFor(t *testing.T) {
	ks := KindsFor("text", "markdown_v2", "template_card")
	if got := strings.Join(ks.Flags(), " "); got != "text markdown-v2 template-card body" {
		t.Fatalf("flags %q", got)
	}
	if k, typ, err := ks.One([]Given{{"markdown-v2", "**hi**"}}); err != nil || typ != "markdown_v2" || k.Value != "**hi**" {
		t.Fatalf("one: %+v %q %v", k, typ, err)
	}
	if _, typ, err := ks.One([]Given{{"body", "@b.json"}}); err != nil || typ != "" {
		t.Fatalf("body: %q %v", typ, err)
	}
	if _, _, err := ks.One(nil); err == nil || !strings.Contains(err.Error(), "one of --text, --markdown-v2, --template-card, --body") {
		t.Fatalf("none: %v", err)
	}
}
