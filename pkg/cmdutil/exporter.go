package cmdutil

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/jq"
)

// Exporter is the one way a command prints data as JSON: --json prints the
// whole object, --jq EXPR filters it (and implies --json). Every command
// that prints data embeds one and binds it with shared.AddJSONFlags.
type Exporter struct {
	JSON bool   // --json
	JQ   string // --jq EXPR

	query *jq.Query
}

// Enabled reports whether the command should print JSON instead of text.
func (e *Exporter) Enabled() bool { return e.JSON || e.JQ != "" }

// Validate compiles --jq up front, so a bad expression is a usage error
// (exit 2) before any request is sent.
func (e *Exporter) Validate() error {
	if e.JQ == "" || e.query != nil {
		return nil
	}
	q, err := jq.Compile(e.JQ)
	if err != nil {
		return &FlagError{Err: err}
	}
	e.query = q
	return nil
}

// Write prints v: through --jq when given, else as JSON indented on a
// terminal and compact when piped. HTML characters are never escaped
// ("a&b" stays "a&b"), and keys are whatever v's json tags say (snake_case
// by convention). A json.RawMessage is printed as WeCom sent it when
// piped, re-indented on a terminal.
func (e *Exporter) Write(ctx context.Context, io *iostreams.IOStreams, v any) error {
	doc, err := MarshalJSON(v)
	if err != nil {
		return err
	}
	if e.JQ != "" {
		if err := e.Validate(); err != nil {
			return err
		}
		return e.query.Run(ctx, doc, io.Out)
	}
	if io.IsStdoutTTY() {
		var out bytes.Buffer
		if err := json.Indent(&out, doc, "", "  "); err != nil {
			return fmt.Errorf("formatting JSON: %w", err)
		}
		doc = out.Bytes()
	}
	_, err = io.Out.Write(append(doc, '\n'))
	return err
}

// MarshalJSON is json.Marshal without HTML escaping and without the
// trailing newline.
func MarshalJSON(v any) ([]byte, error) {
	if raw, ok := v.(json.RawMessage); ok {
		var out bytes.Buffer
		if err := json.Compact(&out, raw); err != nil {
			return nil, fmt.Errorf("the answer is not valid JSON: %w", err)
		}
		return out.Bytes(), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding JSON: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// Value prints value alone on stdout, the scriptable default of the
// commands that hand out a token or ticket, or asJSON with --json/--jq.
func (e *Exporter) Value(ctx context.Context, io *iostreams.IOStreams, value string, asJSON any) error {
	if !e.Enabled() {
		_, err := fmt.Fprintln(io.Out, value)
		return err
	}
	return e.Write(ctx, io, asJSON)
}
