package msgspec

import (
	"bytes"
	"encoding/json"
)

// Marshal is json.Marshal without HTML escaping, for message bodies:
// markdown's <font> and <@userid> stay readable in --dry-run output
// (WeCom reads both forms).
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
