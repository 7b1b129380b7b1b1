package wecom

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// Terminal control sequences in an upstream errmsg never reach the terminal
// raw: window title (OSC 0), clear screen (CSI 2J), clipboard (OSC 52)
// (audit D10).
func TestAPIErrorEscapesControlSequences(t *testing.T) {
	msg := "invalid credential\x1b]0;PWNED-TITLE\x07\x1b[2J\x1b[31mRED\x1b[0m\x1b]52;c;cm0gLXJmIH4K\x07\u009b31m\r, hint: [1706848717432011565347844], from ip: 1.2.3.4\x1b[8m, more info at https://open.work.weixin.qq.com/devtool/query?e=40001"
	body, _ := json.Marshal(msg)
	c, _, _ := server(t, 200, `{"errcode":40001,"errmsg":`+string(body)+`}`)
	_, err := c.GetToken(context.Background(), "ww1", "s")
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"Error": apiErr.Error(), "Explain": apiErr.Explain()} {
		if strings.ContainsAny(text, "\x1b\x07\r\u009b") {
			t.Errorf("%s() holds raw control characters: %q", name, text)
		}
		if !strings.Contains(text, `\x1b]0;PWNED-TITLE`) {
			t.Errorf("%s() should show the escapes visibly: %q", name, text)
		}
	}
}
