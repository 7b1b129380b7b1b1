package wecom

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"
)

// --debug must not print OAuth codes, js_codes or user tickets (audit D11).
func TestDebugLogRedactsCodes(t *testing.T) {
	c, _, _ := server(t, 200, `{"errcode":0,"userid":"u"}`)
	var debugLog bytes.Buffer
	c.Log = &debugLog
	for _, q := range []url.Values{
		{"code": {"OAUTH-CODE-1"}, "access_token": {"TOK-1"}},
		{"js_code": {"JS-CODE-1"}, "grant_type": {"authorization_code"}},
		{"user_ticket": {"TICKET-1"}, "suite_ticket": {"SUITE-TICKET-1"}, "permanent_code": {"PERM-1"}},
		{"Access_Token": {"TOK-2"}}, // matched whatever the case
	} {
		if _, err := c.Do(context.Background(), Request{Path: "/cgi-bin/auth/getuserinfo", Query: q}, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, secret := range []string{"OAUTH-CODE-1", "TOK-1", "JS-CODE-1", "TICKET-1", "SUITE-TICKET-1", "PERM-1", "TOK-2"} {
		if strings.Contains(debugLog.String(), secret) {
			t.Errorf("--debug log shows %s", secret)
		}
	}
	if !strings.Contains(debugLog.String(), "grant_type=authorization_code") {
		t.Errorf("other parameters stay visible:\n%s", debugLog.String())
	}
}
