package recording

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
)

// Match returns the first recording of the same method and path whose
// query and body agree with the request, or nil. They agree when the
// request has the same non-secret query parameters with the same values
// (debug is ignored) and a JSON-equal body with secret fields left out.
// A recorded value that was redacted ("***") matches any value.
func Match(recs []Exchange, method, path string, query url.Values, body []byte) *Exchange {
	reqBody := decodeLoose(RedactJSON(body))
	for i := range recs {
		e := &recs[i]
		if e.Method != method || e.Path != path {
			continue
		}
		if !queryAgrees(e.Query, query) {
			continue
		}
		if !valuesAgree(decodeLoose(e.Body), reqBody) {
			continue
		}
		return e
	}
	return nil
}

// Count says how many recordings there are of method and path.
func Count(recs []Exchange, method, path string) int {
	n := 0
	for _, e := range recs {
		if e.Method == method && e.Path == path {
			n++
		}
	}
	return n
}

func ignoredParam(name string) bool { return secretKey(name) || strings.EqualFold(name, "debug") }

func queryAgrees(rec map[string][]string, got url.Values) bool {
	for k, vs := range rec {
		if ignoredParam(k) {
			continue
		}
		g := got[k]
		if len(g) != len(vs) {
			return false
		}
		for i := range vs {
			if vs[i] != Mask && vs[i] != g[i] {
				return false
			}
		}
	}
	for k := range got {
		if _, ok := rec[k]; !ok && !ignoredParam(k) {
			return false
		}
	}
	return true
}

func decodeLoose(raw []byte) any {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return string(raw)
	}
	return v
}

// valuesAgree compares decoded JSON; a recorded "***" matches anything.
func valuesAgree(rec, got any) bool {
	if s, ok := rec.(string); ok && s == Mask {
		return true
	}
	switch r := rec.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(r) {
			return false
		}
		for k, rv := range r {
			gv, ok := g[k]
			if !ok || !valuesAgree(rv, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(r) {
			return false
		}
		for i := range r {
			if !valuesAgree(r[i], g[i]) {
				return false
			}
		}
		return true
	case json.Number:
		g, ok := got.(json.Number)
		return ok && g.String() == r.String()
	default:
		return rec == got
	}
}
