package callback

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Instruction callbacks (指令回调) of third-party apps and 代开发 templates.
// They use the same envelope and crypto as app callbacks, with the suite id
// as receive id, and must be answered with the literal body "success"
// (DOC 97172; https://developer.work.weixin.qq.com/document/path/90628).

// InfoType names a kind of instruction callback.
type InfoType string

// The instruction callbacks wwcli understands.
const (
	// InfoSuiteTicket: pushed every 10 minutes, valid 30 minutes; always
	// use the newest (DOC 90628, DOC 97162).
	InfoSuiteTicket InfoType = "suite_ticket"
	// InfoCreateAuth: a corp installed the app from the app market; it
	// carries a 10-minute single-use AuthCode (DOC 90642).
	InfoCreateAuth InfoType = "create_auth"
	// InfoChangeAuth: the corp changed the app's authorization (visible
	// range, permissions, ...): call get_auth_info again (DOC 90642).
	InfoChangeAuth InfoType = "change_auth"
	// InfoCancelAuth: the corp removed the app; delete its data (DOC 90642).
	InfoCancelAuth InfoType = "cancel_auth"
	// InfoResetPermanentCode: a 代开发 app's secret was re-issued; the new
	// AuthCode must be exchanged again (DOC 97175).
	InfoResetPermanentCode InfoType = "reset_permanent_code"
)

// MaxSuiteTicketLen is the documented bound of a suite_ticket (DOC 90628).
const MaxSuiteTicketLen = 512

// SuiteEvent is one decrypted instruction callback. AuthCode and
// SuiteTicket are secrets: print them only through Redacted.
type SuiteEvent struct {
	InfoType    InfoType
	SuiteID     string // third-party suite id or 代开发 template id
	AuthCorpID  string // change_auth, cancel_auth, reset_permanent_code
	SuiteTicket string // suite_ticket
	AuthCode    string // create_auth, reset_permanent_code
	State       string // create_auth: the state of the install link
	TimeStamp   time.Time
	Fields      map[string]string // every top-level field, as received
}

// ParseSuiteEvent reads a decrypted instruction callback (XML, or JSON for
// JSON-type callbacks). It fails when the message has no InfoType or
// SuiteId, or when a suite_ticket event carries no usable ticket.
func ParseSuiteEvent(plaintext []byte) (*SuiteEvent, error) {
	f := Fields(plaintext)
	if f == nil {
		return nil, errorf(CodeParse, "instruction callback is neither XML nor a JSON object")
	}
	ev := &SuiteEvent{
		InfoType:    InfoType(strings.TrimSpace(f["InfoType"])),
		SuiteID:     strings.TrimSpace(f["SuiteId"]),
		AuthCorpID:  strings.TrimSpace(f["AuthCorpId"]),
		SuiteTicket: strings.TrimSpace(f["SuiteTicket"]),
		AuthCode:    strings.TrimSpace(f["AuthCode"]),
		State:       f["State"],
		Fields:      f,
	}
	if ev.InfoType == "" {
		return nil, errorf(CodeParse, "instruction callback without InfoType: is this an app callback URL rather than the suite's 指令回调 URL?")
	}
	if ev.SuiteID == "" {
		return nil, errorf(CodeParse, "%s callback without SuiteId", ev.InfoType)
	}
	if ts := strings.TrimSpace(f["TimeStamp"]); ts != "" {
		n, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return nil, errorf(CodeParse, "%s callback: TimeStamp %q is not Unix seconds", ev.InfoType, ts)
		}
		ev.TimeStamp = time.Unix(n, 0)
	}
	switch ev.InfoType {
	case InfoSuiteTicket:
		if ev.SuiteTicket == "" {
			return nil, errorf(CodeParse, "suite_ticket callback without SuiteTicket")
		}
		if len(ev.SuiteTicket) > MaxSuiteTicketLen {
			return nil, errorf(CodeParse, "suite_ticket callback: SuiteTicket is %d bytes, WeCom's are at most %d", len(ev.SuiteTicket), MaxSuiteTicketLen)
		}
	case InfoCreateAuth, InfoResetPermanentCode:
		if ev.AuthCode == "" {
			return nil, errorf(CodeParse, "%s callback without AuthCode", ev.InfoType)
		}
	}
	return ev, nil
}

// Redact shows the first 4 bytes of a secret-ish code and its length, so a
// log line can tell two codes apart without disclosing either.
func Redact(code string) string {
	if code == "" {
		return ""
	}
	if len(code) <= 8 {
		return fmt.Sprintf("…(%d bytes)", len(code))
	}
	return fmt.Sprintf("%s…(%d bytes)", code[:4], len(code))
}

// Summary is one human line about ev with every secret redacted.
func (ev *SuiteEvent) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s suite %s", ev.InfoType, ev.SuiteID)
	if ev.AuthCorpID != "" {
		fmt.Fprintf(&b, " corp %s", ev.AuthCorpID)
	}
	switch ev.InfoType {
	case InfoSuiteTicket:
		fmt.Fprintf(&b, " ticket %s", Redact(ev.SuiteTicket))
	case InfoCreateAuth:
		fmt.Fprintf(&b, " auth_code %s: exchange it within 10 minutes with `wwcli suite permanent-code`", Redact(ev.AuthCode))
	case InfoResetPermanentCode:
		fmt.Fprintf(&b, " auth_code %s: the secret was re-issued; exchange the code within 10 minutes with `wwcli suite permanent-code`", Redact(ev.AuthCode))
	case InfoChangeAuth:
		b.WriteString(": authorization changed; read it again with get_auth_info")
	case InfoCancelAuth:
		b.WriteString(": the corp removed the app; delete its data and its permanent code")
	}
	if ev.State != "" {
		fmt.Fprintf(&b, " state %q", ev.State)
	}
	return b.String()
}

// SuccessReply wraps an instruction-callback handler: a POST it answers
// with 200 and an empty body gets the literal "success" WeCom requires of
// instruction callbacks (DOC 97172); any other answer passes unchanged.
func SuccessReply(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		sw := &successWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		sw.finish()
	})
}

// successWriter holds back a 200 until it knows whether a body follows.
type successWriter struct {
	http.ResponseWriter
	status  int  // held back 200; 0 = none yet
	written bool // header or body passed through
}

func (s *successWriter) WriteHeader(status int) {
	if s.written || s.status != 0 {
		return
	}
	if status == http.StatusOK {
		s.status = status
		return
	}
	s.written = true
	s.ResponseWriter.WriteHeader(status)
}

func (s *successWriter) Write(p []byte) (int, error) {
	if !s.written {
		s.written = true
		if s.status != 0 {
			s.ResponseWriter.WriteHeader(s.status)
		}
	}
	return s.ResponseWriter.Write(p)
}

func (s *successWriter) finish() {
	if s.written {
		return
	}
	s.written = true
	s.ResponseWriter.Header().Set("Content-Type", "text/plain; charset=utf-8")
	s.ResponseWriter.WriteHeader(http.StatusOK)
	_, _ = s.ResponseWriter.Write([]byte("success"))
}
