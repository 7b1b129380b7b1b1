package sandbox

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"

	"github.com/wwcli/wwcli/pkg/safetext"
)

// apiError is a WeCom errcode with its short English text; the server adds
// the hint / from ip / more info suffix when it writes the body.
type apiError struct {
	code int
	text string
}

func errf(code int, text string) *apiError { return &apiError{code: code, text: text} }

func (e *apiError) Error() string { return e.text }

// Short English texts. Where the errmsg WeCom really sends is known (marked
// "observed") it is used verbatim; the rest are the sandbox's own wording.
var (
	errInvalidCredential = errf(40001, "invalid credential")                                // observed
	errInvalidCorpID     = errf(40013, "invalid corpid")                                    // wording unverified
	errInvalidToken      = errf(40014, "invalid access_token")                              // observed
	errInvalidCode       = errf(40029, "invalid code")                                      // observed
	errInvalidParam      = errf(40035, "invalid parameter")                                 // sandbox wording
	errInvalidAgentID    = errf(40056, "invalid agentid")                                   // sandbox wording
	errWrongJSON         = errf(40058, "Warning: wrong json format.")                       // documented
	errSecretOtherCorp   = errf(40091, "secret is invalid")                                 // observed
	errMissingToken      = errf(41001, "access_token missing")                              // sandbox wording
	errMissingCorpID     = errf(41002, "corpid missing")                                    // sandbox wording
	errMissingSecret     = errf(41004, "corpsecret missing")                                // observed
	errMissingCode       = errf(41008, "missing code")                                      // sandbox wording
	errMissingUserID     = errf(41009, "missing userid")                                    // sandbox wording
	errMissingAgentID    = errf(41011, "missing agentid")                                   // sandbox wording
	errTokenExpired      = errf(42001, "access_token expired")                              // observed
	errEmptyContent      = errf(44004, "empty content")                                     // sandbox wording
	errFreqLimit         = errf(45009, "api freq out of limit")                             // observed
	errAPIForbidden      = errf(48002, "api forbidden")                                     // sandbox wording
	errDeptNotFound      = errf(60003, "department not found")                              // sandbox wording
	errNoPrivilege       = errf(60011, "no privilege to access/modify contact/party/agent") // sandbox wording
	errUntrustedIP       = errf(60020, "not allow to access from your ip")                  // observed
	errUserNotFound      = errf(60111, "userid not found")                                  // sandbox wording
	errInvalidPartyID    = errf(60123, "invalid party id")                                  // sandbox wording
	errAllInvalid        = errf(81013, "user & party & tag all invalid")                    // sandbox wording
	errAllEmpty          = errf(82001, "All touser & toparty & totag invalid")              // sandbox wording
	errTicketExpired     = errf(84014, "user ticket expired")                               // sandbox wording
	errTicketInvalid     = errf(84015, "invalid user ticket")                               // sandbox wording
	errMissingTicket     = errf(84090, "missing user_ticket")                               // sandbox wording
	errBadTicketType     = errf(91040, "invalid ticket type")                               // sandbox wording
	errAppPrivilege      = errf(301002, "no privilege to access the app")                   // sandbox wording
	errInvalidMsgType    = errf(40008, "invalid message type")                              // sandbox wording
)

// object is a JSON object that keeps its keys in insertion order, so
// bodies start with errcode and errmsg the way WeCom writes them.
type object []field

type field struct {
	K string
	V any
}

func (o object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := json.Marshal(f.K)
		if err != nil {
			return nil, err
		}
		v, err := marshalNoEscape(f.V)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// marshalNoEscape keeps "&" and "<" readable, as WeCom does.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// errmsg formats text the way WeCom does:
// "<text>, hint: [<25 digits>], from ip: <ip>, more info at https://open.work.weixin.qq.com/devtool/query?e=<code>".
func errmsg(code int, text, hint, ip string) string {
	return fmt.Sprintf("%s, hint: [%s], from ip: %s, more info at https://open.work.weixin.qq.com/devtool/query?e=%d",
		text, hint, ip, code)
}

// newHint is the 25-digit request id of WeCom's newer errmsgs: a 10-digit
// Unix timestamp followed by 15 digits.
func newHint(unix int64) string {
	unix = max(0, min(unix, 9999999999))
	return fmt.Sprintf("%010d%015d", unix, mrand.Int64N(1_000_000_000_000_000))
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	data, err := marshalNoEscape(body)
	if err != nil {
		http.Error(w, `{"errcode":-1,"errmsg":"sandbox: cannot encode response"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}

// randomString returns n random bytes as URL-safe base64 (tokens, codes).
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomStdBase64(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// redactQuery renders a query string for logs with secrets, tokens and
// codes replaced by "***", matched by their decoded names as the handlers
// read them (so "corp%73ecret" is masked too).
func redactQuery(raw string) string { return safetext.RedactQuery(raw, "***") }
