package wecom

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestDownload(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("media_id") {
		case "file":
			w.Header().Set("Content-Type", "image/png")
			w.Header().Set("Content-Disposition", `attachment; filename="a.png"`)
			w.Header().Set("Set-Cookie", "x=1")
			if r.Header.Get("Range") == "bytes=0-1" {
				w.Header().Set("Content-Range", "bytes 0-1/4")
				w.WriteHeader(http.StatusPartialContent)
				_, _ = w.Write([]byte("PN"))
				return
			}
			_, _ = w.Write([]byte("PNG!"))
		case "big":
			_, _ = w.Write([]byte(strings.Repeat("x", 100)))
		default:
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = w.Write([]byte(`{"errcode":40007,"errmsg":"invalid media_id"}`))
		}
	}))
	defer srv.Close()
	c := New(srv.URL, srv.Client())
	get := func(id, rng string, limit int64) (*FileAnswer, error) {
		return c.Download(context.Background(), Request{Path: "/cgi-bin/media/get", Query: url.Values{"media_id": {id}}}, rng, limit)
	}
	a, err := get("file", "", 1<<20)
	if err != nil || a.Status != 200 || string(a.Body) != "PNG!" || a.Header.Get("Content-Disposition") == "" || a.Header.Get("Set-Cookie") != "" {
		t.Fatalf("file: %+v %v", a, err)
	}
	a, err = get("file", "bytes=0-1", 1<<20)
	if err != nil || a.Status != 206 || string(a.Body) != "PN" || a.Header.Get("Content-Range") != "bytes 0-1/4" {
		t.Fatalf("range: %+v %v", a, err)
	}
	a, err = get("nope", "", 1<<20)
	if !IsCode(err, 40007) || a == nil || !strings.Contains(string(a.Body), "invalid media_id") {
		t.Fatalf("JSON error: %+v %v", a, err)
	}
	if _, err = get("big", "", 99); err == nil || !strings.Contains(err.Error(), "larger than 99 bytes") {
		t.Fatalf("over the limit: %v", err)
	}
}
