package message

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Result is WeCom's answer to message/send.
type Result struct {
	MsgID          string `json:"msgid"`
	InvalidUser    string `json:"invaliduser,omitempty"`
	InvalidParty   string `json:"invalidparty,omitempty"`
	InvalidTag     string `json:"invalidtag,omitempty"`
	UnlicensedUser string `json:"unlicenseduser,omitempty"`
	ResponseCode   string `json:"response_code,omitempty"`
}

// ParseResult reads the answer; "" and a trailing "|" mean none.
func ParseResult(raw []byte) (Result, error) {
	var r Result
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("message/send answered JSON that does not fit: %w", err)
	}
	return r, nil
}

// Skipped lists the recipients WeCom left out although it answered 0.
func (r Result) Skipped() []string {
	var out []string
	for _, s := range []struct{ list, what string }{
		{r.InvalidUser, "invaliduser %s (no such member, or outside the app's visible range)"},
		{r.InvalidParty, "invalidparty %s (no such department, or outside the app's visible range)"},
		{r.InvalidTag, "invalidtag %s (no such tag, or outside the app's visible range)"},
		{r.UnlicensedUser, "unlicenseduser %s (in the visible range but without an interface licence)"},
	} {
		if ids := splitIDs(s.list); len(ids) > 0 {
			out = append(out, fmt.Sprintf(s.what, strings.Join(ids, ", ")))
		}
	}
	return out
}

func splitIDs(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "|") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// PartialError: WeCom sent the message (errcode 0) but skipped some
// recipients. It exits 3 so CI notices, unless --allow-partial.
type PartialError struct{ Result Result }

func (e *PartialError) Error() string {
	return fmt.Sprintf("sent (msgid %s), but WeCom skipped some recipients: %s; fix them, or add --allow-partial to accept this",
		e.Result.MsgID, strings.Join(e.Result.Skipped(), "; "))
}

// ExitCode: a partial delivery is WeCom's verdict: 3.
func (e *PartialError) ExitCode() int { return 3 }
