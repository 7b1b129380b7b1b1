package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/msgspec"
	"github.com/wwcli/wwcli/pkg/pacer"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/wecom"
)

func inputErr(t *testing.T, err error, want string) {
	t.Helper()
	var ie *msgspec.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), want) {
		t.Fatalf("want an input error containing %q, got %v", want, err)
	}
}

func TestParseKey(t *testing.T) {
	const key = "693a91f6-7b1c-4bc4-97a0-0ec2f1fa5aaa"
	for _, in := range []string{key, " " + key + "\n",
		"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + key,
		"https://evil.example.com/cgi-bin/webhook/send?key=" + key + "&debug=1"} {
		got, err := ParseKey("WWCLI_WEBHOOK_KEY", in)
		if err != nil || got != key {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for in, want := range map[string]string{
		"":                                    "empty",
		"https://qyapi.weixin.qq.com/cgi-bin": "without ?key=",
		"has space":                           "character",
		strings.Repeat("a", 129):              "characters long",
	} {
		_, err := ParseKey("--key-file", in)
		inputErr(t, err, want)
		if in != "" && strings.Contains(err.Error(), in) {
			t.Errorf("the key must never be echoed: %v", err)
		}
	}
	if KeyID("http://a", "k") == KeyID("http://b", "k") || KeyID("http://a/", "k") != KeyID("http://a", "k") {
		t.Fatal("KeyID")
	}
}

func body(t *testing.T, p *Prepared) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(p.Body(MediaIDPlaceholder), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPrepareMentions(t *testing.T) {
	p, err := Prepare(Input{Type: Text, Content: "build failed", Mentions: []string{"zhangsan", "@all"}, MentionMobiles: []string{"13800000001"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"msgtype":"text","text":{"content":"build failed","mentioned_list":["zhangsan","@all"],"mentioned_mobile_list":["13800000001"]}}`
	if got := string(p.Body("")); got != want {
		t.Fatalf("%s", got)
	}
	p, err = Prepare(Input{Type: Markdown, Content: "**失败** <font color=\"warning\">main</font>", Mentions: []string{"zhangsan", "lisi"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(p.Body("")); got != `{"msgtype":"markdown","markdown":{"content":"**失败** <font color=\"warning\">main</font>\n<@zhangsan> <@lisi>"}}` {
		t.Fatalf("markdown mentions go in the content, unescaped: %s", got)
	}
	_, err = Prepare(Input{Type: Markdown, Content: "x", Mentions: []string{"@all"}})
	inputErr(t, err, "@all works with --text only")
	_, err = Prepare(Input{Type: Markdown, Content: "x", MentionMobiles: []string{"138"}})
	inputErr(t, err, "--mention-mobile works with --text only")
	for _, typ := range []string{MarkdownV2, Image, News, File, Voice, TemplateCard} {
		_, err = Prepare(Input{Type: typ, Mentions: []string{"zhangsan"}})
		inputErr(t, err, "a "+typ+" message cannot mention anyone: --mention and --mention-mobile work with --text (mentioned_list) and --markdown")
	}
	_, err = Prepare(Input{Type: Text, Content: "x", Mentions: []string{"<@x>"}})
	inputErr(t, err, "give a userid")
}

func TestPrepareLimits(t *testing.T) {
	_, err := Prepare(Input{Type: Text, Content: strings.Repeat("a", 2049)})
	inputErr(t, err, "--text is 2049 bytes, 1 over WeCom's limit of 2048 bytes for text: shorten it, or add --truncate")
	_, err = Prepare(Input{Type: MarkdownV2, Content: strings.Repeat("a", 4097)})
	inputErr(t, err, "--markdown-v2 is 4097 bytes, 1 over")
	p, err := Prepare(Input{Type: Markdown, Content: strings.Repeat("构", 2000), Mentions: []string{"zhangsan"}, Truncate: true})
	if err != nil {
		t.Fatal(err)
	}
	c := body(t, p)["markdown"].(map[string]any)["content"].(string)
	if len(c) > MaxMarkdown || !strings.HasSuffix(c, msgspec.TruncMark+"\n<@zhangsan>") || len(p.Notes) != 1 {
		t.Fatalf("%d bytes, notes %v", len(c), p.Notes)
	}
}

func TestPrepareFilesAndImages(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "chart.png")
	os.WriteFile(png, []byte("\x89PNG\r\n\x1a\nrest"), 0o600)
	p, err := Prepare(Input{Type: Image, Path: png})
	if err != nil || p.Upload != nil {
		t.Fatal(err)
	}
	im := body(t, p)["image"].(map[string]any)
	// Expected values from coreutils: printf '\x89PNG\r\n\x1a\nrest' | base64 (| md5sum).
	if im["base64"] != "iVBORw0KGgpyZXN0" || im["md5"] != "fe70374a342a551816afeafd712d358c" {
		t.Fatalf("%v", im)
	}
	report := filepath.Join(dir, "构建报告.pdf")
	os.WriteFile(report, []byte("%PDF-1.4 tiny"), 0o600)
	p, err = Prepare(Input{Type: File, Path: report})
	if err != nil || p.Upload == nil || p.Upload.Type != "file" || p.Upload.File.Name != "构建报告.pdf" {
		t.Fatalf("%+v %v", p, err)
	}
	if got := string(p.Body("M1")); got != `{"msgtype":"file","file":{"media_id":"M1"}}` {
		t.Fatal(got)
	}
	_, err = Prepare(Input{Type: Voice, Path: report})
	inputErr(t, err, "WeCom takes only AMR")
	_, err = Prepare(Input{Type: Image, Path: report})
	inputErr(t, err, "only JPG or PNG")
}

func TestPrepareBody(t *testing.T) {
	raw := `{"msgtype":"text","text":{"content":"as is","mentioned_list":["@all"]}}`
	p, err := Prepare(Input{Body: []byte(raw + "\n")})
	if err != nil || string(p.Body("")) != raw {
		t.Fatalf("%s %v", p.Body(""), err)
	}
	for b, want := range map[string]string{
		`[1]`:                          "not a JSON object",
		`{"msgtype":"fax"}`:            "robots take text, markdown",
		`{"msgtype":"text"}`:           `no "text" object`,
		`{"msgtype":"text","text":{}}`: "44004",
		`{"msgtype":"file","file":{}}`: "media_id is required",
		`{"msgtype":"news","news":{}}`: "1 to 8 articles",
		`{"msgtype":"image","image":{"base64":"iVBORw0KGgpyZXN0","md5":"00"}}`:    "301019",
		`{"msgtype":"template_card","template_card":{"card_type":"text_notice"}}`: "main_title",
	} {
		_, err := Prepare(Input{Body: []byte(b)})
		inputErr(t, err, want)
	}
	_, err = Prepare(Input{Body: []byte(raw), Truncate: true})
	inputErr(t, err, "--body is sent as is")
}

func TestParseRate(t *testing.T) {
	if n, d, err := ParseRate("20/1m"); n != 20 || d != time.Minute || err != nil {
		t.Fatal(n, d, err)
	}
	for _, bad := range []string{"20", "0/1m", "x/1m", "20/1ns", "20/soon"} {
		_, _, err := ParseRate(bad)
		inputErr(t, err, "MESSAGES/DURATION")
	}
}

// sender builds a Sender against a fresh sandbox with a short robot window.
func sender(t *testing.T, window time.Duration) (*Sender, *sandbox.Server, *[]string) {
	t.Helper()
	srv := sandbox.New(sandbox.Options{})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.SetRobotWindow(window); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var notes []string
	s := &Sender{Client: wecom.New(base, &http.Client{Timeout: 5 * time.Second}), Key: sandbox.DemoRobotKey,
		Pacer: pacer.New(t.TempDir(), DefaultLimit, window), Target: KeyID(base, sandbox.DemoRobotKey), Wait: 10 * window,
		Notify: func(m string) { mu.Lock(); notes = append(notes, m); mu.Unlock() }}
	return s, srv, &notes
}

var hello = []byte(`{"msgtype":"text","text":{"content":"hello"}}`)

func TestSendResendsAfter45009Once(t *testing.T) {
	s, srv, notes := sender(t, 200*time.Millisecond)
	if err := srv.InjectFault(sandbox.Fault{Path: SendPath, ErrCode: 45009}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), hello); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(SendPath); n != 2 {
		t.Fatalf("POSTs %d, want 2 (refused, then delivered)", n)
	}
	if n := len(srv.RobotMessages("")); n != 1 {
		t.Fatalf("delivered %d, want exactly 1", n)
	}
	if len(*notes) != 1 || !strings.Contains((*notes)[0], "45009") {
		t.Fatalf("notes %q", *notes)
	}
}

func TestSendGivesUpOn45009AfterWait(t *testing.T) {
	s, srv, _ := sender(t, 100*time.Millisecond)
	s.Wait = 250 * time.Millisecond
	srv.InjectFault(sandbox.Fault{Path: SendPath, ErrCode: 45009, Times: -1})
	_, err := s.Send(context.Background(), hello)
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.ExitCode() != 3 || !wecom.IsCode(err, 45009) || !strings.Contains(err.Error(), "raise --wait") {
		t.Fatalf("err=%v", err)
	}
	if n := srv.Count(SendPath); n < 2 || n > 4 {
		t.Fatalf("POSTs %d", n)
	}
}

func TestSendNeverRepeatsAfter502(t *testing.T) {
	s, srv, _ := sender(t, time.Second)
	srv.InjectFault(sandbox.Fault{Path: SendPath, HTTPStatus: 502})
	_, err := s.Send(context.Background(), hello)
	var du *wecom.DeliveryUnknownError
	if !errors.As(err, &du) || srv.Count(SendPath) != 1 || !strings.Contains(err.Error(), "delivery unknown: check the group before sending again") {
		t.Fatalf("err=%v posts=%d", err, srv.Count(SendPath))
	}
}

func TestSendPacesInsteadOf45009(t *testing.T) {
	s, srv, notes := sender(t, 300*time.Millisecond)
	for i := 0; i < 45; i++ {
		if _, err := s.Send(context.Background(), hello); err != nil {
			t.Fatalf("send %d: %v", i+1, err)
		}
	}
	if srv.Count(SendPath) != 45 || len(srv.RobotMessages("")) != 45 {
		t.Fatalf("POSTs %d, delivered %d: the pacer must avoid every 45009", srv.Count(SendPath), len(srv.RobotMessages("")))
	}
	if len(*notes) != 0 {
		t.Fatalf("waits under a second are not announced: %q", *notes)
	}
}

func TestSendAnnouncesLongWaitsOnce(t *testing.T) {
	s, _, notes := sender(t, 1200*time.Millisecond)
	s.Pacer.Limit = 1
	for i := 0; i < 2; i++ { // the second send waits for the first
		if _, err := s.Send(context.Background(), hello); err != nil {
			t.Fatal(err)
		}
	}
	if len(*notes) != 1 || !strings.Contains((*notes)[0], "waiting 1.") || !strings.Contains((*notes)[0], "(1 messages per 1.2s") {
		t.Fatalf("notes %q", *notes)
	}
}

func TestSendWithoutPacerDir(t *testing.T) {
	s, srv, notes := sender(t, time.Second)
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o600)
	s.Pacer.Dir = filepath.Join(file, "robots")
	if _, err := s.Send(context.Background(), hello); err != nil || len(srv.RobotMessages("")) != 1 {
		t.Fatal(err)
	}
	if len(*notes) != 1 || !strings.HasPrefix((*notes)[0], "warning: robot pacer unavailable") {
		t.Fatalf("%q", *notes)
	}
}

func TestUploadThenSendFile(t *testing.T) {
	s, srv, _ := sender(t, time.Second)
	dir := t.TempDir()
	path := filepath.Join(dir, "report.txt")
	os.WriteFile(path, []byte("all tests passed"), 0o600)
	p, err := Prepare(Input{Type: File, Path: path})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Upload(context.Background(), p.Upload)
	if err != nil || a.MediaID == "" {
		t.Fatal(a, err)
	}
	if _, err := s.Send(context.Background(), p.Body(a.MediaID)); err != nil {
		t.Fatal(err)
	}
	if m := srv.RobotMessages(sandbox.DemoRobotName); len(m) != 1 || m[0].MsgType != "file" {
		t.Fatalf("%+v", m)
	}
}
