package sandbox

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// tinyPNG is a valid 1x1 PNG.
var tinyPNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

// amr returns an AMR-NB file of n 20 ms frames (mode 7, 31 bytes each).
func amr(frames int) []byte {
	b := []byte("#!AMR\n")
	for i := 0; i < frames; i++ {
		b = append(b, 7<<3|0x04)
		b = append(b, make([]byte, 31)...)
	}
	return b
}

func (e *env) robotSend(key, body string) answer {
	e.t.Helper()
	return e.post("/cgi-bin/webhook/send", body, "key", key)
}

// upload posts data as the multipart field "media" to path.
func (e *env) upload(path, field, name string, data []byte, kv ...string) answer {
	e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q; filelength=%d`, field, name, len(data)))
	h.Set("Content-Type", "application/octet-stream")
	p, _ := w.CreatePart(h)
	p.Write(data)
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, e.base+path+"?"+pairs(kv).Encode(), &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := testClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	a.status = resp.StatusCode
	var raw bytes.Buffer
	raw.ReadFrom(resp.Body)
	a.raw = raw.String()
	_ = json.Unmarshal(raw.Bytes(), &a.m)
	return a
}

func TestWebhookSendText(t *testing.T) {
	e := newEnv(t, Options{})
	wantCode(t, e.robotSend(DemoRobotKey, `{"msgtype":"text","text":{"content":"构建失败","mentioned_list":["zhangsan","@all"]}}`), 0)
	msgs := e.s.RobotMessages(DemoRobotName)
	if len(msgs) != 1 || msgs[0].MsgType != "text" || msgs[0].CorpID != DemoCorpID || !strings.Contains(string(msgs[0].Body), "构建失败") {
		t.Fatalf("recorded %+v", msgs)
	}
	cases := []struct {
		name, key, body string
		want            int
	}{
		{"unknown key", "nope", `{"msgtype":"text","text":{"content":"x"}}`, 93000},
		{"missing key", "", `{"msgtype":"text","text":{"content":"x"}}`, 93000},
		{"bad json", DemoRobotKey, `{"msgtype":`, 40058},
		{"unknown msgtype", DemoRobotKey, `{"msgtype":"fax","fax":{}}`, 40008},
		{"empty text", DemoRobotKey, `{"msgtype":"text","text":{"content":" "}}`, 44004},
		{"no text object", DemoRobotKey, `{"msgtype":"text"}`, 40058},
		{"text over 2048", DemoRobotKey, `{"msgtype":"text","text":{"content":"` + strings.Repeat("字", 683) + `"}}`, 40058},
		{"markdown 4096", DemoRobotKey, `{"msgtype":"markdown","markdown":{"content":"` + strings.Repeat("a", 4096) + `"}}`, 0},
		{"markdown over 4096", DemoRobotKey, `{"msgtype":"markdown","markdown":{"content":"` + strings.Repeat("a", 4097) + `"}}`, 40058},
		{"markdown_v2", DemoRobotKey, `{"msgtype":"markdown_v2","markdown_v2":{"content":"| a |\n| - |"}}`, 0},
		{"markdown with mentioned_list", DemoRobotKey, `{"msgtype":"markdown","markdown":{"content":"x","mentioned_list":["a"]}}`, 40058},
		{"news", DemoRobotKey, `{"msgtype":"news","news":{"articles":[{"title":"t","url":"https://e.com"}]}}`, 0},
		{"news without url", DemoRobotKey, `{"msgtype":"news","news":{"articles":[{"title":"t"}]}}`, 41010},
		{"news without articles", DemoRobotKey, `{"msgtype":"news","news":{"articles":[]}}`, 40058},
		{"news with 9", DemoRobotKey, `{"msgtype":"news","news":{"articles":[` + strings.Repeat(`{"title":"t","url":"u"},`, 8) + `{"title":"t","url":"u"}]}}`, 40058},
		{"file without media_id", DemoRobotKey, `{"msgtype":"file","file":{}}`, 41006},
		{"file with unknown media_id", DemoRobotKey, `{"msgtype":"file","file":{"media_id":"bogus"}}`, 40007},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantCode(t, e.robotSend(c.key, c.body), c.want) })
	}
	if a := e.get("/cgi-bin/webhook/send", "key", DemoRobotKey); a.code() != 40058 {
		t.Fatalf("GET: %s", a.raw)
	}
	if strings.Contains(e.logText(), DemoRobotKey) || !strings.Contains(e.logText(), "key=***") {
		t.Fatalf("the robot key must not reach the log:\n%s", e.logText())
	}
}

func TestWebhookImage(t *testing.T) {
	e := newEnv(t, Options{})
	image := func(data []byte, sum string) string {
		if sum == "" {
			s := md5.Sum(data)
			sum = hex.EncodeToString(s[:])
		}
		return `{"msgtype":"image","image":{"base64":"` + base64.StdEncoding.EncodeToString(data) + `","md5":"` + sum + `"}}`
	}
	wantCode(t, e.robotSend(DemoRobotKey, image(tinyPNG, "")), 0)
	wantCode(t, e.robotSend(DemoRobotKey, image(tinyPNG, strings.Repeat("0", 32))), 301019)
	wantCode(t, e.robotSend(DemoRobotKey, image([]byte("GIF89a not allowed"), "")), 40004)
	big := append(append([]byte{}, tinyPNG...), make([]byte, 2<<20)...)
	wantCode(t, e.robotSend(DemoRobotKey, image(big, "")), 40009)
	wantCode(t, e.robotSend(DemoRobotKey, `{"msgtype":"image","image":{"base64":"%%%","md5":"x"}}`), 40058)
}

func TestWebhookRateLimit(t *testing.T) {
	e := newEnv(t, Options{})
	text := `{"msgtype":"text","text":{"content":"x"}}`
	for i := 0; i < 20; i++ {
		wantCode(t, e.robotSend(DemoRobotKey, text), 0)
	}
	wantCode(t, e.robotSend(DemoRobotKey, text), 45009)
	wantCode(t, e.robotSend(DemoRobot2Key, text), 0) // the limit is per robot
	e.s.Advance(59 * time.Second)
	wantCode(t, e.robotSend(DemoRobotKey, text), 45009)
	e.s.Advance(time.Second)
	wantCode(t, e.robotSend(DemoRobotKey, text), 0)
	if n := len(e.s.RobotMessages(DemoRobotName)); n != 21 {
		t.Fatalf("refused messages must not be recorded: %d", n)
	}

	// A short window makes the limit testable in seconds.
	if a := e.post("/_sandbox/robots", `{"window":"2s"}`); a.status != 200 || !strings.Contains(a.raw, `"window":"2s"`) {
		t.Fatalf("set window: %s", a.raw)
	}
	e.s.Reset()
	if err := e.s.SetRobotWindow(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		wantCode(t, e.robotSend(DemoRobotKey, text), 0)
	}
	wantCode(t, e.robotSend(DemoRobotKey, text), 45009)
	e.s.Advance(2 * time.Second)
	wantCode(t, e.robotSend(DemoRobotKey, text), 0)
	for _, bad := range []string{`{"window":"1ns"}`, `{"window":"2h"}`, `{"window":"soon"}`} {
		if a := e.post("/_sandbox/robots", bad); a.status != 400 {
			t.Errorf("%s: %d %s", bad, a.status, a.raw)
		}
	}
}

func TestWebhookUploadAndFile(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.upload("/cgi-bin/webhook/upload_media", "media", "构建日志.txt", []byte("build log"), "key", DemoRobotKey, "type", "file")
	wantCode(t, a, 0)
	id := a.str("media_id")
	if a.str("type") != "file" || id == "" || a.str("created_at") != fmt.Sprint(testEpoch.Unix()) {
		t.Fatalf("upload answer %s", a.raw)
	}
	file := `{"msgtype":"file","file":{"media_id":"` + id + `"}}`
	wantCode(t, e.robotSend(DemoRobotKey, file), 0)
	wantCode(t, e.robotSend(DemoRobot2Key, file), 40007) // another robot's upload
	wantCode(t, e.robotSend(DemoRobotKey, `{"msgtype":"voice","voice":{"media_id":"`+id+`"}}`), 40007)

	v := e.upload("/cgi-bin/webhook/upload_media", "media", "a.amr", amr(50), "key", DemoRobotKey, "type", "voice")
	wantCode(t, v, 0)
	wantCode(t, e.robotSend(DemoRobotKey, `{"msgtype":"voice","voice":{"media_id":"`+v.str("media_id")+`"}}`), 0)

	e.s.Advance(72 * time.Hour) // robot media live 3 days
	wantCode(t, e.robotSend(DemoRobotKey, file), 40007)

	cases := []struct {
		name, field, typ, key string
		data                  []byte
		want                  int
	}{
		{"unknown key", "media", "file", "nope", []byte("123456"), 93000},
		{"bad type", "media", "image", DemoRobotKey, []byte("123456"), 40005},
		{"5 bytes", "media", "file", DemoRobotKey, []byte("12345"), 40006},
		{"wrong field", "file", "file", DemoRobotKey, []byte("123456"), 44001},
		{"voice not amr", "media", "voice", DemoRobotKey, []byte("RIFF....WAVE"), 40004},
		{"voice over 60s", "media", "voice", DemoRobotKey, amr(3001), 45007},
		{"voice over 2MB", "media", "voice", DemoRobotKey, append(amr(1), make([]byte, 2<<20)...), 45001},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, e.upload("/cgi-bin/webhook/upload_media", c.field, "f", c.data, "key", c.key, "type", c.typ), c.want)
		})
	}
	if a := e.post("/cgi-bin/webhook/upload_media", "not multipart", "key", DemoRobotKey, "type", "file"); a.code() != 44001 {
		t.Fatalf("no multipart: %s", a.raw)
	}
}

func TestWebhookTemplateCard(t *testing.T) {
	e := newEnv(t, Options{})
	send := func(card string) answer {
		return e.robotSend(DemoRobotKey, `{"msgtype":"template_card","template_card":`+card+`}`)
	}
	wantCode(t, send(`{"card_type":"text_notice","main_title":{"title":"构建失败"},"card_action":{"type":1,"url":"https://ci.example.com"}}`), 0)
	wantCode(t, send(`{"card_type":"text_notice","sub_title_text":"x","card_action":{"type":2,"appid":"wx1"}}`), 0)
	wantCode(t, send(`{"card_type":"text_notice","main_title":{"title":"x"}}`), 42045)
	wantCode(t, send(`{"card_type":"text_notice","main_title":{"title":"x"},"card_action":{"type":1}}`), 42028)
	wantCode(t, send(`{"card_type":"text_notice","main_title":{"title":"x"},"card_action":{"type":2}}`), 42030)
	wantCode(t, send(`{"card_type":"text_notice","card_action":{"type":1,"url":"u"}}`), 40058)
	wantCode(t, send(`{"card_type":"news_notice","main_title":{"title":"x"},"card_action":{"type":1,"url":"u"}}`), 42044)
	wantCode(t, send(`{"card_type":"button_interaction","main_title":{"title":"x"},"task_id":"t"}`), 42031)
	wantCode(t, send(`{"card_type":"text_notice","main_title":{"title":"x"},"card_action":{"type":1,"url":"u"},"horizontal_content_list":[{"value":"v"}]}`), 42027)
	wantCode(t, send(`{"card_type":"text_notice","main_title":{"title":"x"},"card_action":{"type":1,"url":"u"},"jump_list":[{},{},{},{}]}`), 42042)
}

func TestRobotsControlAPI(t *testing.T) {
	e := newEnv(t, Options{})
	wantCode(t, e.robotSend(DemoRobotKey, `{"msgtype":"text","text":{"content":"one"}}`), 0)
	wantCode(t, e.robotSend(DemoRobot2Key, `{"msgtype":"markdown","markdown":{"content":"two"}}`), 0)
	var all struct {
		Robots []struct {
			Name     string         `json:"name"`
			Messages []RobotMessage `json:"messages"`
		} `json:"robots"`
		Limit  int    `json:"limit"`
		Window string `json:"window"`
	}
	a := e.get("/_sandbox/robots")
	if err := json.Unmarshal([]byte(a.raw), &all); err != nil || len(all.Robots) != 2 || all.Limit != 20 || all.Window != "1m0s" {
		t.Fatalf("robots: %s", a.raw)
	}
	if all.Robots[0].Name != DemoRobotName || len(all.Robots[0].Messages) != 1 || all.Robots[1].Messages[0].MsgType != "markdown" {
		t.Fatalf("robots: %s", a.raw)
	}
	if a := e.get("/_sandbox/robots", "robot", DemoRobot2Name); strings.Contains(a.raw, DemoRobotName) || !strings.Contains(a.raw, "two") {
		t.Fatalf("filtered: %s", a.raw)
	}
	info := e.get("/_sandbox")
	if !strings.Contains(info.raw, `"robots":["ci-alerts","deploys"]`) || strings.Contains(info.raw, DemoRobotKey) {
		t.Fatalf("info lists robot names, never keys: %s", info.raw)
	}
	if strings.Contains(e.get("/_sandbox/robots").raw, DemoRobotKey) {
		t.Fatal("robot keys are secrets")
	}
	e.s.Reset()
	if len(e.s.RobotMessages("")) != 0 {
		t.Fatal("reset forgets robot messages")
	}
}

func TestRobotFixtures(t *testing.T) {
	base := `{"corps":[{"corpid":"ww1","apps":[{"agentid":1,"name":"a","secret":"s"}],"departments":[],"users":[],"robots":%s}]}`
	for _, c := range []struct{ robots, want string }{
		{`[{"name":"a","key":"k1"},{"name":"a","key":"k2"}]`, "appears twice"},
		{`[{"name":"a","key":"k1"},{"name":"b","key":"k1"}]`, "already used"},
		{`[{"name":"a b","key":"k1"}]`, "name"},
		{`[{"name":"a","key":"k 1"}]`, "key"},
		{`[{"name":"a","key":""}]`, "key"},
	} {
		_, err := LoadFixtures(strings.NewReader(fmt.Sprintf(base, c.robots)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.robots, err)
		}
	}
	fx, err := LoadFixtures(strings.NewReader(fmt.Sprintf(base, `[{"name":"ops","key":"abc-123"}]`)))
	if err != nil || fx.Corps[0].Robots[0].Key != "abc-123" {
		t.Fatal(fx, err)
	}
}
