package callbackserve

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/wwcli/wwcli/internal/testutil"
	cb "github.com/wwcli/wwcli/pkg/callback"
)

// The Token and EncodingAESKey of the official WXBizMsgCrypt sample; any
// pair would do.
const (
	token   = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
	aesKey  = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
	corpID  = "ww1436e0e65a779aee"
	suiteID = "ww9c3e7b1a5d2f8e60"
)

// testServer serves New(o) on 127.0.0.1 with o's streams going to the
// returned buffers; everything stops when the test ends.
func testServer(t *testing.T, o Options) (base string, s *Server, out, log *testutil.Buffer) {
	t.Helper()
	out, log = &testutil.Buffer{}, &testutil.Buffer{}
	streams := NewOutputs(out, log, 0)
	o.Out, o.Log = streams.Out, streams.Log
	if o.Crypter == nil {
		o.Crypter = crypter(t, corpID)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		srv.Close()
		s.Close()
		streams.Close(time.Second)
	})
	return srv.URL, s, out, log
}

func crypter(t testing.TB, receiveID string) *cb.Crypter {
	t.Helper()
	c, err := cb.New(token, aesKey, receiveID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seal seals plaintext for receiveID as WeCom does: the query
// (msg_signature, timestamp, nonce) and the XML body of one push.
func seal(t *testing.T, receiveID, plaintext string) (string, []byte) {
	t.Helper()
	sealed, err := crypter(t, receiveID).Seal([]byte(plaintext), receiveID, nil, "", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	body, err := cb.RequestBody(cb.FormatXML, receiveID, "", sealed.Encrypt)
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"msg_signature": {sealed.MsgSignature}, "timestamp": {sealed.Timestamp}, "nonce": {sealed.Nonce}}
	return q.Encode(), body
}

// post POSTs one sealed push (again, for a replay) and returns the answer.
func post(t *testing.T, to, query string, body []byte) (int, string) {
	t.Helper()
	res, err := http.Post(to+"?"+query, "application/xml", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// push seals plaintext for receiveID and POSTs it.
func push(t *testing.T, to, receiveID, plaintext string) (int, string) {
	t.Helper()
	q, body := seal(t, receiveID, plaintext)
	return post(t, to, q, body)
}

// ticketEvent is a suite_ticket push of ticket made at Unix second pushedAt.
func ticketEvent(suite, ticket string, pushedAt int64) string {
	return "<xml><SuiteId><![CDATA[" + suite + "]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType>" +
		"<TimeStamp>" + strconv.FormatInt(pushedAt, 10) + "</TimeStamp><SuiteTicket><![CDATA[" + ticket + "]]></SuiteTicket></xml>"
}
