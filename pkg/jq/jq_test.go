package jq

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func run(t *testing.T, expr, doc string) (string, error) {
	t.Helper()
	q, err := Compile(expr)
	if err != nil {
		t.Fatalf("compile %q: %v", expr, err)
	}
	var buf bytes.Buffer
	err = q.Run(context.Background(), []byte(doc), &buf)
	return buf.String(), err
}

func TestResultsOnePerLineStringsRaw(t *testing.T) {
	doc := `{"errcode":0,"userlist":[{"userid":"zhangsan","name":"张三","department":[1,2]},{"userid":"lisi","name":"李四","department":[2]}]}`
	cases := map[string]string{
		".userlist[].name":        "张三\n李四\n",
		".userlist[0].department": "[1,2]\n",
		".errcode":                "0\n",
		".userlist | length":      "2\n",
		".missing":                "null\n",
		".userlist[0] | {userid}": "{\"userid\":\"zhangsan\"}\n",
		"empty":                   "",
		"1, halt, 2":              "1\n",
	}
	for expr, want := range cases {
		got, err := run(t, expr, doc)
		if err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", expr, got, err, want)
		}
	}
}

func TestBigIntegersStayExact(t *testing.T) {
	got, err := run(t, ".id", `{"id":9007199254740993}`)
	if err != nil || got != "9007199254740993\n" {
		t.Fatalf("got %q, %v", got, err)
	}
	got, _ = run(t, ".x", `{"x":1.5}`)
	if got != "1.5\n" {
		t.Fatalf("got %q", got)
	}
}

func TestErrors(t *testing.T) {
	for _, bad := range []string{".[", "foo(", ".a |"} {
		if _, err := Compile(bad); err == nil || !strings.Contains(err.Error(), "invalid jq expression") {
			t.Errorf("Compile(%q) = %v", bad, err)
		}
	}
	if _, err := run(t, ".a", "not json"); err == nil {
		t.Error("non-JSON input accepted")
	}
	if _, err := run(t, `error("boom")`, "{}"); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("runtime error lost: %v", err)
	}
}
