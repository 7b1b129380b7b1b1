package message

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/msgspec"
)

func inputErr(t *testing.T, err error, want string) {
	t.Helper()
	var ie *msgspec.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), want) {
		t.Fatalf("want an input error containing %q, got %v", want, err)
	}
}

func TestPrepareText(t *testing.T) {
	p, err := Prepare(Input{To: []string{"zhangsan|lisi", "wangwu", "lisi"}, ToParty: []string{"2"}, AgentID: 1000002,
		Type: Text, Content: "部署 <完成> & ok", Safe: true, Dedupe: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"agentid":1000002,"duplicate_check_interval":1800,"enable_duplicate_check":1,"msgtype":"text","safe":1,` +
		`"text":{"content":"部署 <完成> & ok"},"toparty":"2","touser":"zhangsan|lisi|wangwu"}`
	if got := string(p.Body("")); got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}

func TestPrepareErrors(t *testing.T) {
	ok := Input{To: []string{"zhangsan"}, AgentID: 1000002, Type: Text, Content: "x"}
	with := func(f func(*Input)) Input { in := ok; f(&in); return in }
	for _, c := range []struct {
		in   Input
		want string
	}{
		{with(func(in *Input) { in.AgentID = 0 }), "no agent id: add --agent-id N"},
		{with(func(in *Input) { in.To = nil }), "no recipients: add --to USERID"},
		{with(func(in *Input) { in.To = []string{"@all", "lisi"} }), "--to @all already means"},
		{with(func(in *Input) { in.ToParty = []string{"rd"} }), "party and tag ids are numbers"},
		{with(func(in *Input) { in.Dedupe = 5 * time.Hour }), "--dedupe 5h0m0s: give whole seconds from 1s to 4h"},
		{with(func(in *Input) { in.Dedupe = 1500 * time.Millisecond }), "whole seconds"},
		{with(func(in *Input) { in.Content = strings.Repeat("a", 2049) }), "--text is 2049 bytes, 1 over"},
		{with(func(in *Input) { in.Type = News; in.Safe = true }), "--safe does not work with news"},
		{with(func(in *Input) { in.Type = TextCard; in.Title = "t"; in.Description = "d" }), "--textcard needs --url"},
		{with(func(in *Input) { in.Type = TextCard; in.Title = "t"; in.Description = "d"; in.URL = "example.com" }), "http:// or https://"},
		{with(func(in *Input) {
			in.Type = TextCard
			in.Title = "t"
			in.Description = "d"
			in.URL = "https://e"
			in.ButtonText = "查看详情页"
		}), "at most 4 characters"},
		{with(func(in *Input) { in.Type = Image; in.Media = "media_id:" }), "media_id is missing"},
		{with(func(in *Input) { in.Type = Image; in.Media = "nope.png" }), "no such file"},
		{with(func(in *Input) { in.Type = TemplateCard; in.Card = []byte(`{"card_type":"poll"}`) }), "42031"},
		{with(func(in *Input) { in.To = manyUsers(1001) }), "1001 recipients, 1 over"},
	} {
		_, err := Prepare(c.in)
		inputErr(t, err, c.want)
	}
}

func TestPrepareMedia(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "shot.png")
	os.WriteFile(png, []byte("\x89PNG\r\n\x1a\n-image-"), 0o600)
	p, err := Prepare(Input{To: []string{"zhangsan"}, AgentID: 1, Type: Image, Media: png})
	if err != nil || p.Upload == nil || p.Upload.Type != Image || p.Upload.File.Name != "shot.png" {
		t.Fatalf("%+v %v", p, err)
	}
	if got := string(p.Body("M1")); got != `{"agentid":1,"image":{"media_id":"M1"},"msgtype":"image","touser":"zhangsan"}` {
		t.Fatal(got)
	}
	p, err = Prepare(Input{To: []string{"zhangsan"}, AgentID: 1, Type: Video, Media: "media_id:V1", Title: "demo", Description: "d"})
	if err != nil || p.Upload != nil || string(p.Body("")) != `{"agentid":1,"msgtype":"video","touser":"zhangsan","video":{"description":"d","media_id":"V1","title":"demo"}}` {
		t.Fatalf("%s %v", p.Body(""), err)
	}
	_, err = Prepare(Input{To: []string{"zhangsan"}, AgentID: 1, Type: Video, Media: png})
	inputErr(t, err, "WeCom takes only MP4")
}

func TestPrepareUpload(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o600)
		return p
	}
	png := write("a.png", []byte("\x89PNG\r\n\x1a\n-image-"))
	mp4 := write("a.mp4", []byte("\x00\x00\x00\x18ftypmp42-video-"))
	pdf := write("a.pdf", []byte("%PDF-1.4 report"))
	for path, want := range map[string]string{png: Image, mp4: Video, pdf: File} {
		u, err := PrepareUpload("PATH", path, "", false)
		if err != nil || u.Type != want {
			t.Errorf("%s: %+v %v", path, u, err)
		}
	}
	u, err := PrepareUpload("PATH", pdf, File, false)
	if err != nil {
		t.Fatal(err)
	}
	req, err := u.Request()
	if err != nil || req.Path != UploadPath || req.Query.Get("type") != "file" || !strings.HasPrefix(req.ContentType, "multipart/form-data") {
		t.Fatalf("%+v %v", req, err)
	}
	u, err = PrepareUpload("PATH", png, "", true)
	if err != nil || !u.Permanent {
		t.Fatal(err)
	}
	if req, _ := u.Request(); req.Path != UploadImgPath {
		t.Fatal(req.Path)
	}
	_, err = PrepareUpload("PATH", pdf, "", true)
	inputErr(t, err, "only JPG or PNG")
	_, err = PrepareUpload("PATH", pdf, Voice, true)
	inputErr(t, err, "--permanent uploads images only")
	_, err = PrepareUpload("PATH", pdf, "thumb", false)
	inputErr(t, err, `--type "thumb"`)
	_, err = PrepareUpload("PATH", png, Voice, false)
	inputErr(t, err, "only AMR")
}

func TestPrepareBody(t *testing.T) {
	raw := `{"touser":"zhangsan","msgtype":"mpnews","agentid":1000002,"mpnews":{"articles":[]}}`
	p, err := Prepare(Input{AgentID: 1000002, Body: []byte(raw)})
	if err != nil || string(p.Body("")) != raw || len(p.Notes) != 0 {
		t.Fatalf("sent byte for byte: %s %v", p.Body(""), err)
	}
	p, err = Prepare(Input{AgentID: 1000003, Body: []byte(`{"touser":"a","msgtype":"text","text":{"content":"x"}}`)})
	if err != nil || !strings.Contains(string(p.Body("")), `"agentid":1000003`) || len(p.Notes) != 1 {
		t.Fatalf("%s %v", p.Body(""), err)
	}
	for b, want := range map[string]string{
		`[]`:                              "not a JSON object",
		`{"msgtype":"fax","touser":"a"}`:  "40008",
		`{"msgtype":"text","touser":"a"}`: `no "text" object`,
		`{"msgtype":"text","text":{"content":"x"}}`:                                  "82001",
		`{"msgtype":"template_card","touser":"a","template_card":{"card_type":"x"}}`: "42031",
	} {
		_, err := Prepare(Input{AgentID: 1, Body: []byte(b)})
		inputErr(t, err, want)
	}
	_, err = Prepare(Input{AgentID: 1, Body: []byte(raw), To: []string{"x"}})
	inputErr(t, err, "--body is sent as is")
}

func TestResult(t *testing.T) {
	r, err := ParseResult([]byte(`{"errcode":0,"errmsg":"ok","invaliduser":"","msgid":"m1"}`))
	if err != nil || r.MsgID != "m1" || len(r.Skipped()) != 0 {
		t.Fatal(r, err)
	}
	r, _ = ParseResult([]byte(`{"errcode":0,"invaliduser":"ghost|","invalidtag":"9","unlicenseduser":"u3","msgid":"m2"}`))
	perr := &PartialError{Result: r}
	msg := perr.Error()
	if perr.ExitCode() != 3 || !strings.Contains(msg, "msgid m2") || !strings.Contains(msg, "invaliduser ghost (") ||
		!strings.Contains(msg, "invalidtag 9") || !strings.Contains(msg, "unlicenseduser u3") || !strings.Contains(msg, "--allow-partial") {
		t.Fatal(msg)
	}
}

func manyUsers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("user%d", i)
	}
	return out
}

func TestRequestInput(t *testing.T) {
	text := []Given{{Flag: "text", Value: "hi"}}
	in, err := Request{Kinds: text, To: []string{"a"}}.Input(nil, "1000002")
	if err != nil || in.Type != Text || in.Content != "hi" || in.AgentID != 1000002 {
		t.Fatalf("%+v %v", in, err)
	}
	in, err = Request{Kinds: []Given{{Flag: "textcard", Value: "Build"}}, Description: "d", URL: "https://e"}.Input(nil, "1")
	if err != nil || in.Type != TextCard || in.Title != "Build" {
		t.Fatalf("%+v %v", in, err)
	}
	for _, c := range []struct {
		r     Request
		agent string
		want  string
	}{
		{Request{}, "1", "give a message: one of --text"},
		{Request{Kinds: append(text, Given{Flag: "file", Value: "f"})}, "1", "not both --text and --file"},
		{Request{Kinds: text, Title: "t"}, "1", "--title and --description go with --textcard or --video"},
		{Request{Kinds: text, URL: "https://e"}, "1", "--url and --btntxt go with --textcard"},
		{Request{Kinds: []Given{{Flag: "textcard", Value: "a"}}, Title: "b"}, "1", "drop --title"},
		{Request{Kinds: text}, "abc", `agent id "abc"`},
	} {
		_, err := c.r.Input(nil, c.agent)
		inputErr(t, err, c.want)
	}
}
