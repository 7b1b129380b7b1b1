package wecom

import (
	"context"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The POST retry rule of the package doc, one case per line of it.

func post(path string, body string) Request {
	return Request{Method: http.MethodPost, Path: path, Body: []byte(body)}
}

func TestPostNotRepeatedAfterHTTP5xx(t *testing.T) {
	c, n, _ := server(t, 502, `bad gateway`)
	_, err := c.Do(context.Background(), post("/cgi-bin/webhook/send", `{"msgtype":"text"}`), nil)
	var du *DeliveryUnknownError
	if !errors.As(err, &du) || n.Load() != 1 {
		t.Fatalf("want one POST and delivery unknown: err=%v posts=%d", err, n.Load())
	}
	if !strings.Contains(err.Error(), "delivery unknown: check the group before sending again") || !strings.Contains(err.Error(), "HTTP 502") {
		t.Fatalf("message: %v", err)
	}
	if du.ExitCode() != 1 {
		t.Fatalf("exit code %d, want 1", du.ExitCode())
	}
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 502 {
		t.Fatalf("cause not kept: %v", err)
	}
}

func TestPostNotRepeatedAfterSystemBusy(t *testing.T) {
	c, n, _ := server(t, 200, `{"errcode":-1,"errmsg":"system busy"}`)
	_, err := c.Do(context.Background(), post("/cgi-bin/message/send", `{"touser":"a"}`), nil)
	var du *DeliveryUnknownError
	if !errors.As(err, &du) || n.Load() != 1 || du.ExitCode() != 3 || !IsCode(err, -1) {
		t.Fatalf("err=%v posts=%d", err, n.Load())
	}
	if ex := du.Explain(); !strings.Contains(ex, "delivery unknown: check the recipients' chats") || !strings.Contains(ex, "errcode") {
		t.Fatalf("explain: %s", ex)
	}
	if Refused(err) {
		t.Fatal("-1 is not a refusal")
	}
}

func TestPostNotRepeatedAfterTimeoutOnceWritten(t *testing.T) {
	var n atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = io.ReadAll(r.Body)
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	defer close(release)
	c := New(srv.URL, &http.Client{Timeout: 200 * time.Millisecond})
	c.Sleep = func(context.Context, time.Duration) error { return nil }
	_, err := c.Do(context.Background(), post("/cgi-bin/webhook/send", `{}`), nil)
	var du *DeliveryUnknownError
	if !errors.As(err, &du) || n.Load() != 1 || du.ExitCode() != 1 {
		t.Fatalf("err=%v posts=%d", err, n.Load())
	}
	if !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("message should name the timeout: %v", err)
	}
}

func TestPostNotRepeatedAfterConnectionCut(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = io.ReadAll(r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close() // read the request, then hang up without an answer
		}
	}))
	defer srv.Close()
	c := New(srv.URL, srv.Client())
	c.Sleep = func(context.Context, time.Duration) error { return nil }
	_, err := c.Do(context.Background(), post("/cgi-bin/media/upload", `x`), nil)
	var du *DeliveryUnknownError
	if !errors.As(err, &du) || n.Load() != 1 {
		t.Fatalf("err=%v posts=%d", err, n.Load())
	}
	if !strings.Contains(err.Error(), "uploading again is safe") {
		t.Fatalf("upload advice: %v", err)
	}
}

func TestPostRetriedWhenItNeverLeft(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // connection refused
	c := New("http://"+addr, &http.Client{Timeout: time.Second})
	var sleeps int
	c.Sleep = func(context.Context, time.Duration) error { sleeps++; return nil }
	_, err = c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/cgi-bin/webhook/send",
		Query: url.Values{"key": {"ROBOTKEY"}}, Body: []byte(`{}`)}, nil)
	var ne *NetworkError
	var du *DeliveryUnknownError
	if !errors.As(err, &ne) || errors.As(err, &du) || sleeps != 2 {
		t.Fatalf("want 3 attempts and a plain network error: err=%v sleeps=%d", err, sleeps)
	}
	if strings.Contains(err.Error(), "ROBOTKEY") || !strings.Contains(err.Error(), "key=REDACTED") {
		t.Fatalf("robot key not redacted: %v", err)
	}
}

func TestPostRetriedThenDeliveredWhenItNeverLeft(t *testing.T) {
	// The first attempt dials a closed port; the client then points at a
	// live server, standing for a network that came back.
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	defer srv.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	live := strings.TrimPrefix(srv.URL, "http://")
	var dials atomic.Int32
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		target := live
		if dials.Add(1) == 1 {
			target = dead
		}
		return (&net.Dialer{}).DialContext(ctx, network, target)
	}}
	c := New("http://wecom.test", &http.Client{Transport: tr, Timeout: time.Second})
	c.Sleep = func(context.Context, time.Duration) error { return nil }
	if _, err := c.Do(context.Background(), post("/cgi-bin/webhook/send", `{}`), nil); err != nil || n.Load() != 1 {
		t.Fatalf("err=%v delivered=%d", err, n.Load())
	}
}

func TestMessageSendWithDuplicateCheckIsRetried(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(502)
			return
		}
		io.WriteString(w, `{"errcode":0,"errmsg":"ok","msgid":"m1"}`)
	}))
	defer srv.Close()
	c := New(srv.URL, srv.Client())
	c.Sleep = func(context.Context, time.Duration) error { return nil }
	body := `{"touser":"a","msgtype":"text","agentid":1,"text":{"content":"x"},"enable_duplicate_check":1,"duplicate_check_interval":600}`
	if _, err := c.Do(context.Background(), post("/cgi-bin/message/send", body), nil); err != nil || n.Load() != 2 {
		t.Fatalf("err=%v posts=%d", err, n.Load())
	}

	// Without the duplicate check the same failure is sent once only.
	n.Store(0)
	body = strings.Replace(body, `"enable_duplicate_check":1`, `"enable_duplicate_check":0`, 1)
	_, err := c.Do(context.Background(), post("/cgi-bin/message/send", body), nil)
	var du *DeliveryUnknownError
	if !errors.As(err, &du) || n.Load() != 1 {
		t.Fatalf("err=%v posts=%d", err, n.Load())
	}
}

func TestMessageSendWithDuplicateCheckGivesUpAfterThree(t *testing.T) {
	c, n, _ := server(t, 503, `unavailable`)
	body := `{"msgtype":"text","enable_duplicate_check":1}`
	_, err := c.Do(context.Background(), post("/cgi-bin/message/send", body), nil)
	var du *DeliveryUnknownError
	if !errors.As(err, &du) || !du.Deduplicated || n.Load() != 3 {
		t.Fatalf("err=%v posts=%d", err, n.Load())
	}
	if !strings.Contains(err.Error(), "duplicate-check interval is safe") {
		t.Fatalf("advice: %v", err)
	}
}

func TestDedupeOnlyForMessageSend(t *testing.T) {
	for _, tc := range []struct {
		path, body string
		want       bool
	}{
		{"/cgi-bin/message/send", `{"enable_duplicate_check":1}`, true},
		{"/cgi-bin/message/send", `{"enable_duplicate_check":"1"}`, true},
		{"/cgi-bin/message/send", `{"enable_duplicate_check":0}`, false},
		{"/cgi-bin/message/send", `{}`, false},
		{"/cgi-bin/message/send", `not json`, false},
		{"/cgi-bin/appchat/send", `{"enable_duplicate_check":1}`, false},
		{"/cgi-bin/webhook/send", `{"enable_duplicate_check":1}`, false},
	} {
		if got := dedupeOn(tc.path, []byte(tc.body)); got != tc.want {
			t.Errorf("%s %s: %v", tc.path, tc.body, got)
		}
	}
}

func TestRefusalsAreNotRetriedButMarkedSafe(t *testing.T) {
	c, n, _ := server(t, 200, `{"errcode":45009,"errmsg":"api freq out of limit"}`)
	_, err := c.Do(context.Background(), post("/cgi-bin/webhook/send", `{}`), nil)
	var du *DeliveryUnknownError
	if !IsCode(err, 45009) || errors.As(err, &du) || n.Load() != 1 || !Refused(err) {
		t.Fatalf("err=%v posts=%d refused=%v", err, n.Load(), Refused(err))
	}
	if Refused(errors.New("other")) {
		t.Fatal("a non-WeCom error is no refusal")
	}
}

func TestMultipartUpload(t *testing.T) {
	var got struct {
		ct, name, field, partType string
		data                      string
		length                    string
		query                     string
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.ct = r.Header.Get("Content-Type")
		got.query = r.URL.RawQuery
		mr, err := r.MultipartReader()
		if err != nil {
			t.Error(err)
			return
		}
		p, err := mr.NextPart()
		if err != nil {
			t.Error(err)
			return
		}
		got.field, got.name, got.partType = p.FormName(), p.FileName(), p.Header.Get("Content-Type")
		_, params, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		got.length = params["filelength"]
		b, _ := io.ReadAll(p)
		got.data = string(b)
		io.WriteString(w, `{"errcode":0,"errmsg":"ok","type":"file","media_id":"M1","created_at":"1380000000"}`)
	}))
	defer srv.Close()
	req, err := UploadRequest("/cgi-bin/webhook/upload_media", url.Values{"key": {"k"}, "type": {"file"}},
		File{Name: `构建 "报告".txt`, Data: []byte("hello world")})
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		MediaID string `json:"media_id"`
	}
	if _, err := New(srv.URL, srv.Client()).Do(context.Background(), req, &out); err != nil || out.MediaID != "M1" {
		t.Fatal(out, err)
	}
	if !strings.HasPrefix(got.ct, "multipart/form-data; boundary=") || got.field != "media" ||
		got.name != `构建 "报告".txt` || got.data != "hello world" || got.length != "11" ||
		!strings.HasPrefix(got.partType, "text/plain") || !strings.Contains(got.query, "type=file") {
		t.Fatalf("%+v", got)
	}
}

func TestQuoteFilenameKeepsHeaderIntact(t *testing.T) {
	if q := quoteFilename("a\r\nX-Evil: 1\"\\.txt"); strings.ContainsAny(q, "\r\n") || q != `a  X-Evil: 1\"\\.txt` {
		t.Fatalf("%q", q)
	}
}
