package msgspec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func exit2(t *testing.T, err error, want string) {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) || ie.ExitCode() != 2 || !strings.Contains(err.Error(), want) {
		t.Fatalf("want exit-2 error containing %q, got %v", want, err)
	}
}

func TestReadText(t *testing.T) {
	dir := t.TempDir()
	msg := filepath.Join(dir, "msg.txt")
	os.WriteFile(msg, []byte("fix: 登录\n\nbody\n\n"), 0o600)
	for _, c := range []struct{ arg, stdin, want string }{
		{"plain \"quotes\" & <tags>", "", "plain \"quotes\" & <tags>"},
		{"-", "from stdin\n", "from stdin"},
		{"@" + msg, "", "fix: 登录\n\nbody"},
	} {
		got, err := ReadText("--text", c.arg, strings.NewReader(c.stdin))
		if err != nil || got != c.want {
			t.Errorf("%q: %q %v", c.arg, got, err)
		}
	}
	_, err := ReadText("--text", "@nope.txt", nil)
	exit2(t, err, "--text -")
	_, err = ReadText("--text", "-", strings.NewReader("\n\n"))
	exit2(t, err, "empty")
	_, err = ReadText("--text", "-", strings.NewReader("\xff\xfe"))
	exit2(t, err, "UTF-8")
	_, err = ReadText("--text", "@"+dir, nil)
	exit2(t, err, "directory")
}

func TestFitAndTruncate(t *testing.T) {
	s := strings.Repeat("构", 700) // 2100 bytes
	_, _, err := Fit("text", "--text", s, "", 2048, false)
	exit2(t, err, "--text is 2100 bytes, 52 over WeCom's limit of 2048 bytes for text")
	got, note, err := Fit("text", "--text", s, "", 2048, true)
	if err != nil || len(got) > 2048 || !utf8.ValidString(got) || !strings.HasSuffix(got, TruncMark) || note == "" {
		t.Fatalf("%d bytes, valid=%v, note %q, %v", len(got), utf8.ValidString(got), note, err)
	}
	// The suffix (mentions) survives the cut.
	got, _, err = Fit("markdown", "--markdown", s, "\n<@zhangsan>", 2048, true)
	if err != nil || len(got) > 2048 || !strings.HasSuffix(got, TruncMark+"\n<@zhangsan>") {
		t.Fatalf("%q %v", got[len(got)-40:], err)
	}
	if got, _, _ := Fit("text", "--text", "short", "", 2048, true); got != "short" {
		t.Fatal(got)
	}
	if CutUTF8("a构b", 2) != "a" || CutUTF8("a构b", 4) != "a构" || CutUTF8("ab", 5) != "ab" {
		t.Fatal("CutUTF8")
	}
}

func TestSniffAndCheck(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n....")
	jpg := []byte("\xff\xd8\xff\xe0....")
	mp4 := []byte("\x00\x00\x00\x18ftypmp42....")
	for _, c := range []struct {
		data []byte
		want string
	}{{png, FormatPNG}, {jpg, FormatJPEG}, {[]byte("#!AMR\n"), FormatAMR}, {mp4, FormatMP4}, {[]byte("GIF89a"), ""}} {
		if got := Sniff(c.data); got != c.want {
			t.Errorf("%q: %q", c.data, got)
		}
	}
	if GuessType(png) != Image || GuessType(mp4) != Video || GuessType([]byte("#!AMR\n")) != Voice || GuessType([]byte("pdf")) != File {
		t.Fatal("GuessType")
	}
	exit2(t, Check("--image", "a.gif", []byte("GIF89a....."), RobotImage), "is an unknown format (by its first bytes); WeCom takes only JPG or PNG")
	exit2(t, Check("--file", "a", []byte("12345"), RobotFile), "at least 6 bytes")
	if err := Check("--image", "a.png", png, RobotImage); err != nil {
		t.Fatal(err)
	}
}

func amrFrames(n int) []byte {
	b := []byte("#!AMR\n")
	for i := 0; i < n; i++ {
		b = append(b, 7<<3|4)
		b = append(b, make([]byte, 31)...)
	}
	return b
}

func TestAMRDuration(t *testing.T) {
	if d, ok := AMRDuration(amrFrames(150)); !ok || d != 3*time.Second {
		t.Fatal(d, ok)
	}
	if _, ok := AMRDuration([]byte("RIFF")); ok {
		t.Fatal("not AMR")
	}
	exit2(t, Check("--voice", "long.amr", amrFrames(3001), RobotVoice), "lasts 1m0.02s; WeCom allows at most 1m0s")
}

func TestReadFileLimits(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.png")
	os.WriteFile(big, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 2<<20)...), 0o600)
	_, err := ReadFile("--image", big, RobotImage)
	exit2(t, err, "is 2.0 MB, 8 bytes over WeCom's limit of 2.0 MB for robot images")
	_, err = ReadFile("--image", filepath.Join(dir, "none.png"), RobotImage)
	exit2(t, err, "no such file")
	_, err = ReadFile("--file", dir, RobotFile)
	exit2(t, err, "not a regular file")
}

func TestArticles(t *testing.T) {
	list, err := ParseArticles("--news", []string{`title=Build 42,url=https://ci.example.com/42,"description=a, b",picurl=https://e.com/p.png`}, NewsRules{})
	if err != nil || len(list) != 1 || list[0].Description != "a, b" || list[0].PicURL != "https://e.com/p.png" {
		t.Fatalf("%+v %v", list, err)
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "news.json")
	os.WriteFile(f, []byte(`{"articles":[{"title":"a","url":"https://a"},{"title":"b","url":"https://b"}]}`), 0o600)
	list, err = ParseArticles("--news", []string{"@" + f, "title=c,url=https://c"}, NewsRules{})
	if err != nil || len(list) != 3 || list[2].Title != "c" {
		t.Fatalf("%+v %v", list, err)
	}
	os.WriteFile(f, []byte(`[{"title":"a","url":"https://a","bogus":1}]`), 0o600)
	_, err = ParseArticles("--news", []string{"@" + f}, NewsRules{})
	exit2(t, err, "not a news JSON file")

	for _, c := range []struct {
		v    []string
		r    NewsRules
		want string
	}{
		{[]string{"title=a"}, NewsRules{}, "no url"},
		{[]string{"url=https://a"}, NewsRules{}, "no title"},
		{[]string{"title=a,url=ftp://a"}, NewsRules{}, "not an http(s) URL"},
		{[]string{"title=a,colour=red"}, NewsRules{}, "unknown key"},
		{[]string{"title=a,appid=wx1,pagepath=p"}, NewsRules{}, "for app messages"},
		{[]string{"title=a,appid=wx1"}, NewsRules{MiniProgram: true}, "appid and pagepath"},
		{[]string{"just text"}, NewsRules{}, "not key=value"},
		{strings.Split(strings.Repeat("title=a,url=https://a;", 9), ";")[:9], NewsRules{}, "9 articles, 1 over"},
	} {
		_, err := ParseArticles("--news", c.v, c.r)
		exit2(t, err, c.want)
	}
	if _, err := ParseArticles("--news", []string{"title=a,appid=wx1,pagepath=p"}, NewsRules{MiniProgram: true}); err != nil {
		t.Fatal(err)
	}
}

func TestCards(t *testing.T) {
	ok := `{"card_type":"text_notice","main_title":{"title":"构建失败"},"card_action":{"type":1,"url":"https://ci"}}`
	card, err := ReadCard("--template-card", []byte(ok), RobotCardTypes)
	if err != nil || string(card) != ok {
		t.Fatal(string(card), err)
	}
	// A whole body is accepted too: the card is taken out of it.
	card, err = ReadCard("--template-card", []byte(`{"msgtype":"template_card","template_card":`+ok+`}`), RobotCardTypes)
	if err != nil || string(card) != ok {
		t.Fatal(string(card), err)
	}
	for _, c := range []struct {
		card  string
		types []string
		want  string
	}{
		{`{"card_type":"button_interaction"}`, RobotCardTypes, "42031"},
		{`{"card_type":"text_notice","card_action":{"type":1,"url":"u"}}`, RobotCardTypes, "main_title.title or sub_title_text"},
		{`{"card_type":"text_notice","main_title":{"title":"t"}}`, RobotCardTypes, "42045"},
		{`{"card_type":"text_notice","main_title":{"title":"t"},"card_action":{"type":1}}`, RobotCardTypes, "42028"},
		{`{"card_type":"text_notice","main_title":{"title":"t"},"card_action":{"type":2}}`, RobotCardTypes, "42030"},
		{`{"card_type":"news_notice","main_title":{"title":"t"},"card_action":{"type":1,"url":"u"}}`, RobotCardTypes, "42044"},
		{`{"card_type":"text_notice","main_title":{"title":"t"},"card_action":{"type":1,"url":"u"},"horizontal_content_list":[{"type":3,"keyname":"k"}]}`, RobotCardTypes, "42050"},
		{`{"card_type":"text_notice","main_title":{"title":"t"},"card_action":{"type":1,"url":"u"},"jump_list":[{"type":1,"url":"u"}]}`, RobotCardTypes, "42033"},
		{`{"card_type":"button_interaction","main_title":{"title":"t"},"button_list":[{"text":"a","key":"k"}]}`, AppCardTypes, "task_id"},
		{`{"card_type":"button_interaction","main_title":{"title":"t"},"task_id":"t1","button_list":[{"text":"a"}]}`, AppCardTypes, "42039"},
		{`{"card_type":"vote_interaction","main_title":{"title":"t"},"task_id":"t1","checkbox":{"question_key":"q","option_list":[{"id":"1","text":"a"}]},"submit_button":{"text":"go"}}`, AppCardTypes, "42046"},
		{`{"card_type":"multiple_interaction","main_title":{"title":"t"},"task_id":"t1","select_list":[],"submit_button":{"text":"go","key":"k"}}`, AppCardTypes, "42047"},
		{`[1,2]`, RobotCardTypes, "JSON object"},
	} {
		_, err := ReadCard("--template-card", []byte(c.card), c.types)
		exit2(t, err, c.want)
	}
	vote := `{"card_type":"vote_interaction","main_title":{"title":"t"},"task_id":"t-1@x","checkbox":{"question_key":"q","option_list":[{"id":"1","text":"a"}]},"submit_button":{"text":"go","key":"k"}}`
	if _, err := ReadCard("--template-card", []byte(vote), AppCardTypes); err != nil {
		t.Fatal(err)
	}
}

func TestReadFileArg(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "b.json")
	os.WriteFile(f, []byte(`{"a":1}`), 0o600)
	if b, err := ReadFileArg("--body", f, nil); err != nil || string(b) != `{"a":1}` {
		t.Fatal(string(b), err)
	}
	if b, err := ReadFileArg("--body", "-", strings.NewReader(`{"b":2}`)); err != nil || string(b) != `{"b":2}` {
		t.Fatal(string(b), err)
	}
	_, err := ReadFileArg("--body", "-", strings.NewReader(`{nope`))
	exit2(t, err, "not valid JSON")
	_, err = ReadFileArg("--body", filepath.Join(dir, "x"), nil)
	exit2(t, err, "no such file")
}
