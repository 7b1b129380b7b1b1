// Package jq runs a jq expression (through gojq) over a JSON document and
// writes each result on its own line, strings raw like `jq -r`, the way
// `gh api --jq` does. It knows nothing about terminals or WeCom.
package jq

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/itchyny/gojq"
)

// maxResults bounds the output of one run: an expression such as
// `repeat(1)` would otherwise never end.
const maxResults = 1_000_000

// Query is a compiled expression, ready to run over many documents.
type Query struct {
	code *gojq.Code
	src  string
}

// Compile parses and compiles expr; the error says where it is wrong.
func Compile(expr string) (*Query, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("invalid jq expression %q: %w", expr, err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, fmt.Errorf("invalid jq expression %q: %w", expr, err)
	}
	return &Query{code: code, src: expr}, nil
}

// Run evaluates the query over doc and writes every result to w: strings
// raw, everything else as compact JSON, one per line.
func (q *Query) Run(ctx context.Context, doc []byte, w io.Writer) error {
	input, err := decode(doc)
	if err != nil {
		return err
	}
	iter := q.code.RunWithContext(ctx, input)
	for n := 0; ; n++ {
		if n >= maxResults {
			return fmt.Errorf("jq: more than %d results; narrow the expression", maxResults)
		}
		v, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := v.(error); isErr {
			if h, halt := err.(*gojq.HaltError); halt && h.Value() == nil {
				return nil
			}
			return fmt.Errorf("jq %q: %v", q.src, err)
		}
		if err := writeValue(w, v); err != nil {
			return err
		}
	}
}

func writeValue(w io.Writer, v any) error {
	if s, ok := v.(string); ok {
		_, err := io.WriteString(w, s+"\n")
		return err
	}
	b, err := gojq.Marshal(v)
	if err != nil {
		return fmt.Errorf("jq: encoding a result: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// decode reads JSON keeping integers exact: WeCom ids such as agentid or
// department ids are integers, and userids may look like big numbers.
func decode(doc []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("jq: input is not JSON: %w", err)
	}
	return normalize(v), nil
}

// normalize turns json.Number into the int / float64 values gojq expects.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
		return x
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil && i >= math.MinInt && i <= math.MaxInt {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	default:
		return v
	}
}
