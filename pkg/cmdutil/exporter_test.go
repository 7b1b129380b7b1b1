package cmdutil

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/wwcli/wwcli/pkg/iostreams"
)

type exported struct {
	UserID string `json:"user_id"`
	Note   string `json:"note"`
	Count  int    `json:"count"`
}

func TestExporterCompactWhenPipedNoHTMLEscaping(t *testing.T) {
	io, _, out, _ := iostreams.Test()
	e := &Exporter{JSON: true}
	if err := e.Write(context.Background(), io, exported{"zhangsan", "a&b <c>", 2}); err != nil {
		t.Fatal(err)
	}
	want := `{"user_id":"zhangsan","note":"a&b <c>","count":2}` + "\n"
	if out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}

func TestExporterIndentsOnATerminal(t *testing.T) {
	io, _, out, _ := iostreams.Test()
	io.SetStdoutTTY(true)
	e := &Exporter{JSON: true}
	if err := e.Write(context.Background(), io, exported{UserID: "x"}); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"user_id\": \"x\",\n  \"note\": \"\",\n  \"count\": 0\n}\n"
	if out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}

func TestExporterJQFiltersAndImpliesJSON(t *testing.T) {
	io, _, out, _ := iostreams.Test()
	e := &Exporter{JQ: ".user_id"}
	if !e.Enabled() {
		t.Fatal("--jq must imply --json")
	}
	if err := e.Write(context.Background(), io, exported{UserID: "lisi"}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "lisi\n" {
		t.Fatalf("got %q", out.String())
	}
}

func TestExporterBadJQIsAUsageError(t *testing.T) {
	e := &Exporter{JQ: ".["}
	err := e.Validate()
	var fe *FlagError
	if !errors.As(err, &fe) || ExitCode(err) != ExitUsage {
		t.Fatalf("want a usage error, got %v (exit %d)", err, ExitCode(err))
	}
	if (&Exporter{}).Enabled() {
		t.Fatal("no flags: text output")
	}
}

func TestExporterRawMessageKeptAsSent(t *testing.T) {
	io, _, out, _ := iostreams.Test()
	e := &Exporter{JSON: true}
	raw := json.RawMessage(`{ "errcode": 0, "url": "https://a.com/?x=1&y=2" }`)
	if err := e.Write(context.Background(), io, raw); err != nil {
		t.Fatal(err)
	}
	if out.String() != `{"errcode":0,"url":"https://a.com/?x=1&y=2"}`+"\n" {
		t.Fatalf("got %q", out.String())
	}
}

func TestExporterValueBareOrJSON(t *testing.T) {
	io, _, out, _ := iostreams.Test()
	if err := (&Exporter{}).Value(context.Background(), io, "TOKEN", exported{UserID: "x"}); err != nil || out.String() != "TOKEN\n" {
		t.Fatalf("bare: %q %v", out.String(), err)
	}
	out.Reset()
	if err := (&Exporter{JQ: ".user_id"}).Value(context.Background(), io, "TOKEN", exported{UserID: "x"}); err != nil || out.String() != "x\n" { // a string result prints raw, as jq -r
		t.Fatalf("--jq: %q %v", out.String(), err)
	}
}
