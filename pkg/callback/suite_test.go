package callback

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The bodies below follow the examples of DOC 90628 (suite_ticket), DOC
// 90642 (create_auth, change_auth, cancel_auth) and DOC 97175
// (reset_permanent_code).
func TestParseSuiteEvent(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want SuiteEvent
	}{
		{"suite_ticket", `<xml><SuiteId><![CDATA[ww4asffe99e54c0f4c]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType>` +
			`<TimeStamp>1403610513</TimeStamp><SuiteTicket><![CDATA[asdfasfdasdfasdf]]></SuiteTicket></xml>`,
			SuiteEvent{InfoType: InfoSuiteTicket, SuiteID: "ww4asffe99e54c0f4c", SuiteTicket: "asdfasfdasdfasdf", TimeStamp: time.Unix(1403610513, 0)}},
		{"create_auth", `<xml><SuiteId><![CDATA[ww4asffe9xxx4c0f4c]]></SuiteId><AuthCode><![CDATA[AUTHCODE]]></AuthCode>` +
			`<InfoType><![CDATA[create_auth]]></InfoType><TimeStamp>1403610513</TimeStamp><State><![CDATA[123]]></State><ExtraInfo></ExtraInfo></xml>`,
			SuiteEvent{InfoType: InfoCreateAuth, SuiteID: "ww4asffe9xxx4c0f4c", AuthCode: "AUTHCODE", State: "123", TimeStamp: time.Unix(1403610513, 0)}},
		{"change_auth", `<xml><SuiteId><![CDATA[ww4asffe99exxx0f4c]]></SuiteId><InfoType><![CDATA[change_auth]]></InfoType>` +
			`<TimeStamp>1403610513</TimeStamp><AuthCorpId><![CDATA[wxf8b4f85fxx794xxx]]></AuthCorpId></xml>`,
			SuiteEvent{InfoType: InfoChangeAuth, SuiteID: "ww4asffe99exxx0f4c", AuthCorpID: "wxf8b4f85fxx794xxx", TimeStamp: time.Unix(1403610513, 0)}},
		{"cancel_auth", `<xml><SuiteId><![CDATA[ww4asffe99e54c0f4c]]></SuiteId><InfoType><![CDATA[cancel_auth]]></InfoType>` +
			`<TimeStamp>1403610513</TimeStamp><AuthCorpId><![CDATA[wxf8b4f85f3a794e77]]></AuthCorpId></xml>`,
			SuiteEvent{InfoType: InfoCancelAuth, SuiteID: "ww4asffe99e54c0f4c", AuthCorpID: "wxf8b4f85f3a794e77", TimeStamp: time.Unix(1403610513, 0)}},
		{"reset_permanent_code", `<xml><SuiteId><![CDATA[dk3b7e1f9a2c5d8e40]]></SuiteId><AuthCorpId><![CDATA[wxf8b4f85f3a794e77]]></AuthCorpId>` +
			`<InfoType><![CDATA[reset_permanent_code]]></InfoType><TimeStamp>1403610513</TimeStamp><AuthCode><![CDATA[NEWCODE]]></AuthCode></xml>`,
			SuiteEvent{InfoType: InfoResetPermanentCode, SuiteID: "dk3b7e1f9a2c5d8e40", AuthCorpID: "wxf8b4f85f3a794e77", AuthCode: "NEWCODE", TimeStamp: time.Unix(1403610513, 0)}},
		{"json", `{"SuiteId":"ww1","InfoType":"suite_ticket","TimeStamp":1403610513,"SuiteTicket":"tkt"}`,
			SuiteEvent{InfoType: InfoSuiteTicket, SuiteID: "ww1", SuiteTicket: "tkt", TimeStamp: time.Unix(1403610513, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSuiteEvent([]byte(tt.msg))
			if err != nil {
				t.Fatal(err)
			}
			if got.Fields["InfoType"] != string(tt.want.InfoType) {
				t.Errorf("Fields = %v", got.Fields)
			}
			got.Fields = nil
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestParseSuiteEventRejects(t *testing.T) {
	long := strings.Repeat("t", MaxSuiteTicketLen+1)
	for name, msg := range map[string]string{
		"not a message":       "hello",
		"app callback":        `<xml><ToUserName>ww1</ToUserName><MsgType>text</MsgType></xml>`,
		"no suite id":         `<xml><InfoType>suite_ticket</InfoType><SuiteTicket>x</SuiteTicket></xml>`,
		"no ticket":           `<xml><SuiteId>ww1</SuiteId><InfoType>suite_ticket</InfoType></xml>`,
		"ticket too long":     `<xml><SuiteId>ww1</SuiteId><InfoType>suite_ticket</InfoType><SuiteTicket>` + long + `</SuiteTicket></xml>`,
		"bad timestamp":       `<xml><SuiteId>ww1</SuiteId><InfoType>suite_ticket</InfoType><SuiteTicket>x</SuiteTicket><TimeStamp>soon</TimeStamp></xml>`,
		"create without code": `<xml><SuiteId>ww1</SuiteId><InfoType>create_auth</InfoType></xml>`,
		"reset without code":  `<xml><SuiteId>ww1</SuiteId><InfoType>reset_permanent_code</InfoType><AuthCorpId>wx1</AuthCorpId></xml>`,
	} {
		if ev, err := ParseSuiteEvent([]byte(msg)); err == nil || CodeOf(err) != CodeParse {
			t.Errorf("%s: got %+v, %v; want a -40002 error", name, ev, err)
		}
	}
}

func TestSuiteEventSummaryHasNoSecrets(t *testing.T) {
	const ticket, code = "TICKET-secret-0123456789", "AUTHCODE-secret-0123456789"
	for _, ev := range []SuiteEvent{
		{InfoType: InfoSuiteTicket, SuiteID: "ww1", SuiteTicket: ticket},
		{InfoType: InfoCreateAuth, SuiteID: "ww1", AuthCode: code, State: "s1"},
		{InfoType: InfoResetPermanentCode, SuiteID: "dk1", AuthCorpID: "wx1", AuthCode: code},
		{InfoType: InfoChangeAuth, SuiteID: "ww1", AuthCorpID: "wx1"},
		{InfoType: InfoCancelAuth, SuiteID: "ww1", AuthCorpID: "wx1"},
	} {
		s := ev.Summary()
		if strings.Contains(s, ticket) || strings.Contains(s, code) || strings.Contains(s, "-secret-") {
			t.Errorf("summary leaks a secret: %s", s)
		}
		if !strings.HasPrefix(s, string(ev.InfoType)+" suite "+ev.SuiteID) {
			t.Errorf("summary %q does not start with the info type and suite", s)
		}
		if ev.AuthCorpID != "" && !strings.Contains(s, "corp "+ev.AuthCorpID) {
			t.Errorf("summary %q does not name the corp", s)
		}
	}
	if got := Redact(code); got != "AUTH…(26 bytes)" {
		t.Errorf("Redact = %q", got)
	}
	if got := Redact("short"); got != "…(5 bytes)" {
		t.Errorf("Redact(short) = %q", got)
	}
}

func TestSuccessReply(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		inner      http.HandlerFunc
		wantStatus int
		wantBody   string
	}{
		{"empty 200 becomes success", http.MethodPost, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }, 200, "success"},
		{"nothing written becomes success", http.MethodPost, func(http.ResponseWriter, *http.Request) {}, 200, "success"},
		{"a body passes", http.MethodPost, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "<xml/>") }, 200, "<xml/>"},
		{"an error passes", http.MethodPost, func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "Bad Request", 400) }, 400, "Bad Request\n"},
		{"GET verification untouched", http.MethodGet, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			SuccessReply(tt.inner).ServeHTTP(rec, httptest.NewRequest(tt.method, "/", nil))
			if rec.Code != tt.wantStatus || rec.Body.String() != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body.String(), tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// End to end through Handler: a sealed suite_ticket push is decrypted with
// the suite id as receive id and answered "success".
func TestSuiteTicketThroughHandler(t *testing.T) {
	const suiteID = "ww9c3e7b1a5d2f8e60"
	c, err := New("DemoSuiteCallbackToken", "c3VpdGVBRVNLZXktd3djbGktc2FuZGJveC0wMTIzNDU", suiteID)
	if err != nil {
		t.Fatal(err)
	}
	var got *SuiteEvent
	h := &Handler{Crypter: c, OnMessage: func(_ context.Context, m *Message) ([]byte, error) {
		ev, err := ParseSuiteEvent(m.Plaintext)
		got = ev
		return nil, err
	}}
	msg := []byte(`<xml><SuiteId><![CDATA[` + suiteID + `]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType>` +
		`<TimeStamp>1700000000</TimeStamp><SuiteTicket><![CDATA[ticket-1]]></SuiteTicket></xml>`)
	sealed, err := c.Seal(msg, suiteID, nil, "", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	body, err := RequestBody(FormatXML, suiteID, "", sealed.Encrypt)
	if err != nil {
		t.Fatal(err)
	}
	p := Params{MsgSignature: sealed.MsgSignature, Timestamp: sealed.Timestamp, Nonce: sealed.Nonce}
	rec := httptest.NewRecorder()
	SuccessReply(h).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/?"+query(p, ""), bytes.NewReader(body)))
	if rec.Code != 200 || rec.Body.String() != "success" {
		t.Fatalf("answer %d %q, want 200 success", rec.Code, rec.Body.String())
	}
	if got == nil || got.SuiteTicket != "ticket-1" || got.SuiteID != suiteID {
		t.Fatalf("event %+v", got)
	}
}
