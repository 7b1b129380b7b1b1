package sandbox

import (
	"strings"
	"testing"
	"time"
)

func TestMessageSendContent(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token(DemoAppSecret)
	const path = "/cgi-bin/message/send"
	img := e.upload("/cgi-bin/media/upload", "media", "a.png", tinyPNG, "access_token", tok, "type", "image").str("media_id")
	file := e.upload("/cgi-bin/media/upload", "media", "a.txt", []byte("hello file"), "access_token", tok, "type", "file").str("media_id")
	robotFile := e.upload("/cgi-bin/webhook/upload_media", "media", "a.txt", []byte("hello file"), "key", DemoRobotKey, "type", "file").str("media_id")
	send := func(msgtype, part string, extra ...string) answer {
		body := `{"touser":"zhangsan","agentid":1000002,"msgtype":"` + msgtype + `","` + msgtype + `":` + part + strings.Join(extra, "") + `}`
		return e.post(path, body, "access_token", tok)
	}
	cases := []struct {
		name string
		a    func() answer
		want int
	}{
		{"image", func() answer { return send("image", `{"media_id":"`+img+`"}`) }, 0},
		{"image unknown media", func() answer { return send("image", `{"media_id":"bogus"}`) }, 40007},
		{"image without media_id", func() answer { return send("image", `{}`) }, 41006},
		{"image without object", func() answer {
			return e.post(path, `{"touser":"zhangsan","agentid":1000002,"msgtype":"image"}`, "access_token", tok)
		}, 40058},
		{"voice with an image", func() answer { return send("voice", `{"media_id":"`+img+`"}`) }, 40007},
		{"file with an image", func() answer { return send("file", `{"media_id":"`+img+`"}`) }, 0},
		{"file", func() answer { return send("file", `{"media_id":"`+file+`"}`) }, 0},
		{"file with a robot's upload", func() answer { return send("file", `{"media_id":"`+robotFile+`"}`) }, 40007},
		{"textcard", func() answer {
			return send("textcard", `{"title":"t","description":"d","url":"https://e.com","btntxt":"更多"}`)
		}, 0},
		{"textcard without url", func() answer { return send("textcard", `{"title":"t","description":"d"}`) }, 41010},
		{"textcard without description", func() answer { return send("textcard", `{"title":"t","url":"u"}`) }, 41033},
		{"news", func() answer { return send("news", `{"articles":[{"title":"t","url":"https://e.com"}]}`) }, 0},
		{"news mini program", func() answer { return send("news", `{"articles":[{"title":"t","appid":"wx1","pagepath":"p"}]}`) }, 0},
		{"news safe", func() answer { return send("news", `{"articles":[{"title":"t","url":"u"}]}`, `,"safe":1`) }, 40074},
		{"news no articles", func() answer { return send("news", `{"articles":[]}`) }, 40058},
		{"safe 2 on text", func() answer { return send("text", `{"content":"x"}`, `,"safe":2`) }, 40058},
		{"text over 2048", func() answer { return send("text", `{"content":"`+strings.Repeat("a", 2049)+`"}`) }, 45002},
		{"card", func() answer {
			return send("template_card", `{"card_type":"text_notice","main_title":{"title":"t"},"card_action":{"type":1,"url":"u"}}`)
		}, 0},
		{"card bad type", func() answer { return send("template_card", `{"card_type":"poll","main_title":{"title":"t"}}`) }, 42031},
		{"interactive card without task_id", func() answer {
			return send("template_card", `{"card_type":"button_interaction","main_title":{"title":"t"},"button_list":[{"text":"ok","key":"k"}]}`)
		}, 40058},
		{"dedupe interval too long", func() answer {
			return send("text", `{"content":"x"}`, `,"enable_duplicate_check":1,"duplicate_check_interval":14401`)
		}, 40058},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantCode(t, c.a(), c.want) })
	}

	a := send("template_card", `{"card_type":"button_interaction","main_title":{"title":"审批"},"task_id":"task-1",
		"button_list":[{"text":"同意","key":"yes"},{"text":"拒绝","key":"no"}]}`)
	wantCode(t, a, 0)
	if a.str("response_code") == "" {
		t.Fatalf("interactive cards answer a response_code: %s", a.raw)
	}
}

func TestMessageSendDuplicateCheck(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token(DemoAppSecret)
	body := `{"touser":"zhangsan","agentid":1000002,"msgtype":"text","text":{"content":"deploy done"},"enable_duplicate_check":1,"duplicate_check_interval":600}`
	first := e.post("/cgi-bin/message/send", body, "access_token", tok)
	second := e.post("/cgi-bin/message/send", body, "access_token", tok)
	wantCode(t, first, 0)
	wantCode(t, second, 0)
	msgs := e.s.Messages()
	if len(msgs) != 1 || second.str("msgid") != first.str("msgid") || msgs[0].Duplicates != 1 {
		t.Fatalf("a repeat inside the interval is filtered: %d messages, %s vs %s", len(msgs), first.raw, second.raw)
	}
	e.s.Advance(600 * time.Second)
	wantCode(t, e.post("/cgi-bin/message/send", body, "access_token", tok), 0)
	if n := len(e.s.Messages()); n != 2 {
		t.Fatalf("after the interval it is delivered again: %d", n)
	}
	plain := strings.Replace(body, `"enable_duplicate_check":1`, `"enable_duplicate_check":0`, 1)
	e.post("/cgi-bin/message/send", plain, "access_token", tok)
	e.post("/cgi-bin/message/send", plain, "access_token", tok)
	if n := len(e.s.Messages()); n != 4 {
		t.Fatalf("without the check every send is delivered: %d", n)
	}
}

func TestMessageRecall(t *testing.T) {
	e := newEnv(t, Options{})
	tok, tok2 := e.token(DemoAppSecret), e.token(DemoApp2Secret)
	text := `{"touser":"zhangsan","agentid":1000002,"msgtype":"text","text":{"content":"oops"}}`
	id := e.post("/cgi-bin/message/send", text, "access_token", tok).str("msgid")
	wantCode(t, e.post("/cgi-bin/message/recall", `{"msgid":"`+id+`"}`, "access_token", tok2), 40058) // another app
	wantCode(t, e.post("/cgi-bin/message/recall", `{"msgid":"`+id+`"}`, "access_token", tok), 0)
	if m := e.s.Messages()[0]; m.RecalledAt == nil {
		t.Fatal("recall not recorded")
	}
	wantCode(t, e.post("/cgi-bin/message/recall", `{"msgid":"`+id+`"}`, "access_token", tok), 40058) // twice
	wantCode(t, e.post("/cgi-bin/message/recall", `{"msgid":"nope"}`, "access_token", tok), 40058)
	wantCode(t, e.post("/cgi-bin/message/recall", `{}`, "access_token", tok), 40058)
	old := e.post("/cgi-bin/message/send", text, "access_token", tok).str("msgid")
	e.s.Advance(24*time.Hour + time.Second)
	tok = e.token(DemoAppSecret)
	wantCode(t, e.post("/cgi-bin/message/recall", `{"msgid":"`+old+`"}`, "access_token", tok), 42052)
}
