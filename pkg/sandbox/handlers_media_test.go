package sandbox

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestMediaUploadAndGet(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token(DemoAppSecret)
	a := e.upload("/cgi-bin/media/upload", "media", "logo.png", tinyPNG, "access_token", tok, "type", "image")
	if a.code() != 0 || a.str("errmsg") != "" || a.str("type") != "image" || a.str("media_id") == "" {
		t.Fatalf("upload: %s", a.raw) // WeCom's example answers errmsg ""
	}
	id := a.str("media_id")

	resp, err := testClient.Get(e.base + "/cgi-bin/media/get?access_token=" + tok + "&media_id=" + id)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != string(tinyPNG) || !strings.Contains(resp.Header.Get("Content-Disposition"), `filename=logo.png`) ||
		resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("download: %v %q", resp.Header, body)
	}
	req, _ := http.NewRequest(http.MethodGet, e.base+"/cgi-bin/media/get?access_token="+tok+"&media_id="+id, nil)
	req.Header.Set("Range", "bytes=0-7")
	resp, err = testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(part) != string(tinyPNG[:8]) {
		t.Fatalf("range: %d %q", resp.StatusCode, part)
	}

	// Media are shared by the apps of the corp, not by other corps, for 3 days.
	tok2 := e.token(DemoApp2Secret)
	if a := e.get("/cgi-bin/media/get", "access_token", tok2, "media_id", id); a.status != 200 || a.raw != string(tinyPNG) {
		t.Fatalf("second app: %s", a.raw)
	}
	wantCode(t, e.get("/cgi-bin/media/get", "access_token", tok, "media_id", "bogus"), 40007)
	wantCode(t, e.get("/cgi-bin/media/get", "access_token", tok), 41006)
	e.s.Advance(72 * time.Hour)
	tok = e.token(DemoAppSecret)
	wantCode(t, e.get("/cgi-bin/media/get", "access_token", tok, "media_id", id), 40007)

	mp4 := append([]byte{0, 0, 0, 0x18}, []byte("ftypmp42 rest of a video")...)
	cases := []struct {
		name, typ string
		data      []byte
		want      int
	}{
		{"video", "video", mp4, 0},
		{"voice", "voice", amr(10), 0},
		{"file", "file", []byte("%PDF-1.4 report"), 0},
		{"video not mp4", "video", []byte("not a video at all"), 40004},
		{"image not image", "image", []byte("not an image"), 40004},
		{"bad type", "thumb", tinyPNG, 40005},
		{"too small", "file", []byte("12345"), 40006},
		{"image over 10MB", "image", append(append([]byte{}, tinyPNG...), make([]byte, 10<<20)...), 40009},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := e.upload("/cgi-bin/media/upload", "media", "f", c.data, "access_token", tok, "type", c.typ)
			if a.code() != c.want {
				t.Fatalf("errcode %d, want %d: %s", a.code(), c.want, a.raw)
			}
		})
	}
	wantCode(t, e.upload("/cgi-bin/media/upload", "media", "f", tinyPNG, "type", "image"), 41001)
}

func TestMediaUploadImg(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token(DemoAppSecret)
	a := e.upload("/cgi-bin/media/uploadimg", "media", "pic.png", tinyPNG, "access_token", tok)
	url := a.str("url")
	if a.code() != 0 || !strings.HasPrefix(url, e.base+"/_sandbox/images/") {
		t.Fatalf("uploadimg: %s", a.raw)
	}
	resp, err := testClient.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != string(tinyPNG) {
		t.Fatalf("permanent image: %d", resp.StatusCode)
	}
	e.s.Advance(30 * 24 * time.Hour) // permanent
	if resp, _ := testClient.Get(url); resp.StatusCode != 200 {
		t.Fatalf("permanent image gone: %d", resp.StatusCode)
	}
	if a := e.get("/_sandbox/images/nope"); a.status != 404 {
		t.Fatalf("unknown image: %d", a.status)
	}
	tok = e.token(DemoAppSecret)
	wantCode(t, e.upload("/cgi-bin/media/uploadimg", "media", "x.gif", []byte("GIF89a......"), "access_token", tok), 40004)
	// A permanent image is no media_id for messages.
	id := strings.TrimPrefix(url, e.base+"/_sandbox/images/")
	wantCode(t, e.get("/cgi-bin/media/get", "access_token", tok, "media_id", id), 40007)
}
