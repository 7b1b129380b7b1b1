package callback

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

type recorder struct {
	mu       sync.Mutex
	failures []error
	statuses []int
	messages []*Message
	verified [][]byte
}

func newTestHandler(t testing.TB, c *Crypter, reply string) (*Handler, *recorder) {
	rec := &recorder{}
	h := &Handler{
		Crypter: c,
		MaxBody: 64 << 10,
		OnVerify: func(_ *http.Request, echo []byte) {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			rec.verified = append(rec.verified, echo)
		},
		OnMessage: func(_ context.Context, m *Message) ([]byte, error) {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			rec.messages = append(rec.messages, m)
			if reply == "fail" {
				return nil, errors.New("app down")
			}
			return []byte(reply), nil
		},
		OnFailure: func(_ *http.Request, status int, err error) {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			rec.failures = append(rec.failures, err)
			rec.statuses = append(rec.statuses, status)
		},
	}
	return h, rec
}

func query(p Params, echostr string) string {
	q := url.Values{"msg_signature": {p.MsgSignature}, "timestamp": {p.Timestamp}, "nonce": {p.Nonce}}
	if echostr != "" {
		q.Set("echostr", echostr)
	}
	return q.Encode()
}

func TestHandlerVerifyOverLoopback(t *testing.T) {
	for _, v := range []vector{loadVectors(t)[0], loadVectors(t)[3], loadVectors(t)[5]} {
		c, _ := New(v.Token, v.EncodingAESKey, v.ReceiveID)
		h, rec := newTestHandler(t, c, "")
		srv := httptest.NewServer(h)
		res, err := http.Get(srv.URL + "/?" + query(Params{v.MsgSignature, v.Timestamp, v.Nonce}, v.Encrypt))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		srv.Close()
		if res.StatusCode != 200 || string(body) != v.Message {
			t.Fatalf("got %d %q, want the bare echo %q", res.StatusCode, body, v.Message)
		}
		if len(rec.verified) != 1 || len(rec.failures) != 0 {
			t.Fatalf("hooks: %+v", rec)
		}
	}
}

func TestHandlerPostAndPassiveReply(t *testing.T) {
	c, v := vectorCrypter(t)
	now := time.Unix(1700000000, 0)
	for _, format := range []Format{FormatXML, FormatJSON} {
		for _, reply := range []string{"", "<xml><MsgType>text</MsgType></xml>"} {
			h, rec := newTestHandler(t, c, reply)
			srv := httptest.NewServer(h)
			s, _ := c.Seal([]byte("ping"), v.ReceiveID, nil, "", "", now)
			body, _ := RequestBody(format, v.ReceiveID, "1000002", s.Encrypt)
			res, err := http.Post(srv.URL+"/?"+query(s.Params, ""), "text/xml", strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(res.Body)
			res.Body.Close()
			srv.Close()
			if res.StatusCode != 200 || len(rec.messages) != 1 || string(rec.messages[0].Plaintext) != "ping" || rec.messages[0].AgentID != "1000002" {
				t.Fatalf("%s: %d %+v", format, res.StatusCode, rec)
			}
			// The verified signature goes along: a receiver spots repeats by it.
			if rec.messages[0].MsgSignature != s.MsgSignature || s.MsgSignature == "" {
				t.Fatalf("%s: MsgSignature %q, want %q", format, rec.messages[0].MsgSignature, s.MsgSignature)
			}
			if reply == "" {
				if len(got) != 0 {
					t.Fatalf("no reply must be an empty body, got %q", got)
				}
				continue
			}
			o, err := c.Open(got, Params{})
			if err != nil || !o.SignatureChecked || string(o.Plaintext.Message) != reply || o.Envelope.Format != format {
				t.Fatalf("%s passive reply %q: %v", format, got, err)
			}
		}
	}
}

// TestHandlerSurvivesMalformedRequests: every bad request is a 400 (405 for
// methods) with a logged, coded reason, and the server keeps serving.
func TestHandlerSurvivesMalformedRequests(t *testing.T) {
	c, v := vectorCrypter(t)
	h, rec := newTestHandler(t, c, "fail")
	srv := httptest.NewServer(h)
	defer srv.Close()
	good := Params{v.MsgSignature, v.Timestamp, v.Nonce}
	xmlBody := func(enc string) string { b, _ := RequestBody(FormatXML, "", "", enc); return string(b) }
	signed := func(enc string) string {
		return query(Params{c.Sign("1", "2", enc), "1", "2"}, "")
	}
	badPad, _ := c.encryptRaw(make([]byte, 32))
	cases := []struct {
		name, method, query, body string
		status                    int
		code                      Code
	}{
		{"browser GET", "GET", "", "", 400, CodeValidateSignature},
		{"GET bad signature", "GET", query(Params{strings.Repeat("0", 40), "1", "2"}, v.Encrypt), "", 400, CodeValidateSignature},
		{"GET bad base64", "GET", query(Params{c.Sign("1", "2", "%%%"), "1", "2"}, "%%%"), "", 400, CodeDecodeBase64},
		{"GET wrong padding", "GET", query(Params{c.Sign("1", "2", badPad), "1", "2"}, badPad), "", 400, CodeDecryptAES},
		{"POST no params", "POST", "", xmlBody(v.Encrypt), 400, CodeValidateSignature},
		{"POST not xml", "POST", query(good, ""), "garbage", 400, CodeParse},
		{"POST bad signature", "POST", query(Params{v.MsgSignature, "0", "0"}, ""), xmlBody(v.Encrypt), 400, CodeValidateSignature},
		{"POST bad base64", "POST", signed("@@@@"), xmlBody("@@@@"), 400, CodeDecodeBase64},
		{"POST wrong padding", "POST", signed(badPad), xmlBody(badPad), 400, CodeDecryptAES},
		{"POST oversize", "POST", query(good, ""), strings.Repeat("x", 65<<10), 400, CodeIllegalBuffer},
		{"POST app fails", "POST", query(good, ""), xmlBody(v.Encrypt), 502, 0},
		{"PUT", "PUT", "", "", 405, 0},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+"/?"+tc.query, strings.NewReader(tc.body))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%s)", res.StatusCode, tc.status, body)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.failures) != i+1 || rec.statuses[i] != tc.status {
				t.Fatalf("failure not logged: %v", rec.failures)
			}
			if got := CodeOf(rec.failures[i]); got != tc.code {
				t.Fatalf("logged %v, want code %d", rec.failures[i], tc.code)
			}
			if strings.Contains(string(body), "Signature") || strings.Contains(string(body), "padding") {
				t.Fatalf("reasons stay in the log, not the response: %q", body)
			}
		})
	}
}

// A server's ReadBody reads the body in place of the handler (once, within
// its budget), gets the cap, is released only after the answer is written,
// and may answer the request itself. The handler checks the query first:
// a POST without a signature is refused unread.
func TestHandlerReadBodyHook(t *testing.T) {
	c, v := vectorCrypter(t)
	h, rec := newTestHandler(t, c, "")
	var calls []int64
	released := 0
	answered := false
	h.ReadBody = func(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, func(), bool) {
		calls = append(calls, limit)
		if r.Header.Get("X-Refuse") != "" {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return nil, func() {}, false
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		return b, func() { answered = w.(*httptest.ResponseRecorder).Code != 0; released++ }, true
	}
	body, _ := RequestBody(FormatXML, "", "", v.Encrypt)
	post := func(q string, refuse bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/?"+q, strings.NewReader(string(body)))
		if refuse {
			req.Header.Set("X-Refuse", "1")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	if w := post(query(Params{v.MsgSignature, v.Timestamp, v.Nonce}, ""), false); w.Code != 200 || len(rec.messages) != 1 {
		t.Fatalf("through ReadBody: %d, %d messages", w.Code, len(rec.messages))
	}
	if len(calls) != 1 || calls[0] != 64<<10 || released != 1 || !answered {
		t.Fatalf("ReadBody calls %v, released %d, after the answer %v", calls, released, answered)
	}
	if w := post(query(Params{v.MsgSignature, v.Timestamp, v.Nonce}, ""), true); w.Code != 503 || len(rec.messages) != 1 {
		t.Fatalf("ReadBody answered 503 itself: got %d, %d messages", w.Code, len(rec.messages))
	}
	if w := post("", false); w.Code != 400 || len(calls) != 2 {
		t.Fatalf("no signature: %d, ReadBody called %d times (want it not called)", w.Code, len(calls))
	}
}

// FuzzHandler throws arbitrary queries and bodies at the handler: it must
// answer, never panic, and never accept an unsigned message.
func FuzzHandler(f *testing.F) {
	c, v := vectorCrypter(f)
	f.Add("POST", query(Params{v.MsgSignature, v.Timestamp, v.Nonce}, ""), "<xml><Encrypt>"+v.Encrypt+"</Encrypt></xml>")
	f.Add("GET", query(Params{v.MsgSignature, v.Timestamp, v.Nonce}, v.Encrypt), "")
	f.Add("POST", "msg_signature=a&timestamp=b&nonce=c", `{"encrypt":"AAAA"}`)
	f.Add("GET", "echostr=%zz", "")
	f.Fuzz(func(t *testing.T, method, rawQuery, body string) {
		if method != "GET" && method != "POST" {
			method = "POST"
		}
		h, rec := newTestHandler(t, c, "")
		req := httptest.NewRequest(method, "/", strings.NewReader(body))
		req.URL.RawQuery = rawQuery
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 && w.Code != 400 {
			t.Fatalf("status %d", w.Code)
		}
		if w.Code == 200 && method == "POST" && len(rec.messages) != 1 {
			t.Fatal("200 without a delivered message")
		}
		if w.Code == 400 && len(rec.failures) != 1 {
			t.Fatal("400 without a logged failure")
		}
	})
}

// FuzzDecrypt: arbitrary encrypted text never panics, and whatever
// decrypts re-encrypts to the same text (the framing is strict).
func FuzzDecrypt(f *testing.F) {
	c, _ := vectorCrypter(f)
	for _, v := range loadVectors(f) {
		f.Add(v.Encrypt)
	}
	f.Add("")
	f.Add("AAAA")
	f.Add(strings.Repeat("A", 44))
	f.Fuzz(func(t *testing.T, enc string) {
		p, err := c.Decrypt(enc)
		if err != nil {
			if CodeOf(err) == 0 {
				t.Fatalf("uncoded error %v", err)
			}
			return
		}
		again, err := c.EncryptFor(p.Message, p.ReceiveID, p.Random)
		if err != nil || again != enc {
			t.Fatalf("decrypt/encrypt not inverse: %q vs %q (%v)", again, enc, err)
		}
	})
}

// FuzzRoundTrip: any message, receive id and prefix survive a round trip.
func FuzzRoundTrip(f *testing.F) {
	c, _ := vectorCrypter(f)
	f.Add([]byte(""), "", []byte("0123456789abcdef"))
	f.Add([]byte("你好"), "ww1436e0e65a779aee", []byte("0123456789abcdef"))
	f.Fuzz(func(t *testing.T, msg []byte, rid string, random []byte) {
		if len(random) != RandomSize {
			return
		}
		enc, err := c.EncryptFor(msg, rid, random)
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.Decrypt(enc)
		if err != nil && CodeOf(err) != CodeValidateReceiveID {
			t.Fatal(err)
		}
		if string(p.Message) != string(msg) || p.ReceiveID != rid {
			t.Fatalf("round trip: %q %q", p.Message, p.ReceiveID)
		}
	})
}

// BenchmarkVerifyURLLoopback measures a full GET verification over a real
// loopback connection: WeCom demands an answer within one second.
func BenchmarkVerifyURLLoopback(b *testing.B) {
	v := loadVectors(b)[0]
	c, _ := New(v.Token, v.EncodingAESKey, v.ReceiveID)
	srv := httptest.NewServer(&Handler{Crypter: c})
	defer srv.Close()
	u := srv.URL + "/?" + query(Params{v.MsgSignature, v.Timestamp, v.Nonce}, v.Encrypt)
	for b.Loop() {
		res, err := http.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatal(res.Status)
		}
	}
}
