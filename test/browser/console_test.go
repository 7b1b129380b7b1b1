//go:build browser

package browser

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wwcli/wwcli/pkg/sandbox"
)

const robotCard = `{"card_type":"text_notice",
 "source":{"desc":"CI"},
 "main_title":{"title":"Release 1.4.0 deployed","desc":"production · 3 services"},
 "emphasis_content":{"title":"99.98%","desc":"availability"},
 "horizontal_content_list":[{"keyname":"commit","value":"a1b2c3d"},{"keyname":"by","value":"lisi"}],
 "jump_list":[{"type":1,"title":"Changelog","url":"https://example.com/changes"}],
 "card_action":{"type":1,"url":"https://example.com/deploy/42"}}`

// chartPNG is a small bar chart, sent as a robot image.
func chartPNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 240, 120))
	for y := 0; y < 120; y++ {
		for x := 0; x < 240; x++ {
			img.Set(x, y, color.RGBA{245, 247, 250, 255})
		}
	}
	for i, h := range []int{40, 70, 55, 95, 80} {
		for y := 110 - h; y < 110; y++ {
			for x := 20 + i*44; x < 50+i*44; x++ {
				img.Set(x, y, color.RGBA{0, 130, 239, 255})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// poll waits (at most 10s) until the JavaScript expression is truthy and
// returns its value.
func poll[T any](t *testing.T, ctx context.Context, what, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Poll[T](expr, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("%s: %v\npage text:\n%s", what, err, page)
	}
	return v
}

// TestConsoleShowsMessagesAndLogsIn: the sandbox console, in a real
// browser, shows a robot message sent by `wwcli webhook send` and an app
// message sent by `wwcli message send`; "log in as zhangsan" gives a code
// that `wwcli userinfo` turns into zhangsan; faults and the clock work.
func TestConsoleShowsMessagesAndLogsIn(t *testing.T) {
	srv, base := startSandbox(t)
	dir := t.TempDir()
	chartPNG(t, filepath.Join(dir, "chart.png"))
	if err := os.WriteFile(filepath.Join(dir, "card.json"), []byte(robotCard), 0o600); err != nil {
		t.Fatal(err)
	}
	e := env(t, base, "WWCLI_CORP_ID="+sandbox.DemoCorpID, "WWCLI_SECRET="+sandbox.DemoAppSecret,
		"WWCLI_AGENT_ID="+strconv.Itoa(sandbox.DemoAgentID), "WWCLI_WEBHOOK_KEY="+sandbox.DemoRobotKey)
	wwcli(t, e, "webhook", "send", "--text", "build #128 passed", "--mention", "zhangsan")
	wwcli(t, e, "webhook", "send", "--markdown", "# Deploy report\n**service** api-gateway\n> <font color=\"info\">healthy</font> · <font color=\"warning\">2 warnings</font>\n[open the dashboard](https://example.com/dash)")
	wwcli(t, e, "webhook", "send", "--image", filepath.Join(dir, "chart.png"))
	wwcli(t, e, "webhook", "send", "--news", "title=Weekly changes,url=https://example.com/changes,description=12 merged pull requests")
	wwcli(t, e, "webhook", "send", "--template-card", filepath.Join(dir, "card.json"))
	msgid := wwcli(t, e, "message", "send", "--to", "zhangsan", "--text", "审批已通过：报销单 #2024-118")
	wwcli(t, e, "message", "send", "--to", "zhangsan", "--to", "lisi", "--textcard", "Leave request approved",
		"--description", "Your leave from 12-05 to 12-07 was approved by 王五", "--url", "https://example.com/leave/7")
	if msgid == "" {
		t.Fatal("message send printed no msgid")
	}

	ctx := newBrowser(t)
	shots := screenshotDir(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/_sandbox/")); err != nil {
		t.Fatal(err)
	}
	// The robot chat is the first with messages: five bubbles, rendered by kind.
	kinds := poll[[]string](t, ctx, "robot messages", `document.body.dataset.ready === 'true' &&
		document.querySelectorAll('#chat .msg').length === 5 &&
		[...document.querySelectorAll('#chat .msg')].map(m => m.dataset.msgtype)`)
	if strings.Join(kinds, ",") != "text,markdown,image,news,template_card" {
		t.Fatalf("robot chat shows %v", kinds)
	}
	robotText := poll[string](t, ctx, "robot text", `document.querySelector('#chat').innerText`)
	for _, want := range []string{"build #128 passed", "@zhangsan", "Deploy report", "healthy", "Weekly changes",
		"Release 1.4.0 deployed", "99.98%", "a1b2c3d"} {
		if !strings.Contains(robotText, want) {
			t.Errorf("the robot chat lacks %q:\n%s", want, robotText)
		}
	}
	if n := poll[int](t, ctx, "robot image", `(() => { const i = document.querySelector('#chat .msg[data-msgtype=image] img'); return i && i.complete && i.naturalWidth; })()`); n != 240 {
		t.Errorf("the robot image is %d pixels wide, want 240", n)
	}
	if a := poll[string](t, ctx, "markdown link", `document.querySelector('#chat .bubble.md a').href`); a != "https://example.com/dash" {
		t.Errorf("markdown link %q", a)
	}
	screenshot(t, ctx, shots, "console-robot.png")

	// The app's chat: the text and the text card, with their recipients.
	appChat := `[data-chat="app:` + sandbox.DemoCorpID + `/` + strconv.Itoa(sandbox.DemoAgentID) + `"]`
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(appChat))); err != nil {
		t.Fatal(err)
	}
	appText := poll[string](t, ctx, "app messages", `document.querySelectorAll('#chat .msg').length === 2 && document.querySelector('#chat').innerText`)
	for _, want := range []string{"审批已通过：报销单 #2024-118", "to zhangsan", "Leave request approved", "approved by 王五", "to zhangsan, lisi"} {
		if !strings.Contains(appText, want) {
			t.Errorf("the app chat lacks %q:\n%s", want, appText)
		}
	}
	screenshot(t, ctx, shots, "console-app.png")

	// Message content is text, never markup: a robot of its own gets HTML
	// and a javascript: link, and neither runs.
	e2 := append(append([]string(nil), e...), "WWCLI_WEBHOOK_KEY="+sandbox.DemoRobot2Key)
	wwcli(t, e2, "webhook", "send", "--text", `<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>`)
	wwcli(t, e2, "webhook", "send", "--markdown", `[click](javascript:window.pwned=3) <b onclick="window.pwned=4">bold</b>`)
	if err := os.WriteFile(filepath.Join(dir, "report.txt"), []byte("build report\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wwcli(t, e2, "webhook", "send", "--file", filepath.Join(dir, "report.txt"))
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-chat="robot:`+sandbox.DemoRobot2Name+`"]`))); err != nil {
		t.Fatal(err)
	}
	shown := poll[string](t, ctx, "hostile messages", `document.querySelectorAll('#chat .msg').length === 3 && document.querySelector('#chat').innerText`)
	if media := poll[string](t, ctx, "file card", `document.querySelector('#chat .msg[data-msgtype=file] .file code').textContent`); media == "" {
		t.Error("the file message shows no media_id")
	}
	if !strings.Contains(shown, `<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>`) {
		t.Errorf("the HTML is not shown as text:\n%s", shown)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#chat .bubble.md a`))); err != nil {
		t.Fatal(err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`String(window.pwned) + ' ' + document.querySelectorAll('#chat img, #chat script, #chat b[onclick]').length + ' ' + document.querySelector('#chat .bubble.md a').hasAttribute('href')`)); err != nil || got != "undefined 0 false" {
		t.Fatalf("hostile content: %q %v (want it inert: window.pwned undefined, no img/script/onclick, no javascript: href)", got, err)
	}
	screenshot(t, ctx, shots, "console-file-and-html-as-text.png")

	// Log in as zhangsan: a code, the redirect URL, and the code works.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.member[data-userid="zhangsan"] button.login`))); err != nil {
		t.Fatal(err)
	}
	code := poll[string](t, ctx, "login code", `!document.querySelector('#login-result').hidden && document.querySelector('#login-code').textContent`)
	redirect := poll[string](t, ctx, "redirect URL", `document.querySelector('#login-url').href`)
	if redirect != "http://localhost:5173/oauth/callback?code="+code+"&state=STATE" {
		t.Errorf("redirect URL %q for code %q", redirect, code)
	}
	screenshot(t, ctx, shots, "console-login.png")
	if user := wwcli(t, e, "userinfo", code); user != "zhangsan" {
		t.Fatalf("wwcli userinfo %s printed %q, want zhangsan", code, user)
	}

	// Faults on (the form's defaults: gettoken answers 45009 once), then
	// off. First the log must show userinfo's call: a new row moves the
	// form, and a click must not land where it was.
	poll[bool](t, ctx, "userinfo in the log", `document.querySelector('#requests').innerText.includes('/cgi-bin/auth/getuserinfo')`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#fault-form button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	poll[bool](t, ctx, "fault listed", `document.querySelector('#faults').innerText.includes('/cgi-bin/gettoken → errcode 45009 · 1 left')`)
	if faults := controlGet(t, base, "/_sandbox/faults"); !strings.Contains(faults, `"path":"/cgi-bin/gettoken","errcode":45009`) {
		t.Fatalf("the fault did not reach the sandbox: %s", faults)
	}
	// Advance the clock by 2 hours.
	before := srv.Now()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[data-advance="2h"]`))); err != nil {
		t.Fatal(err)
	}
	poll[bool](t, ctx, "clock", `document.querySelector('#clock').textContent !== ''`)
	deadline := time.Now().Add(10 * time.Second)
	for srv.Now().Sub(before) < 2*time.Hour && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if d := srv.Now().Sub(before); d < 2*time.Hour || d > 2*time.Hour+time.Minute {
		t.Errorf("the clock moved %s, want 2h", d)
	}
	// The request log shows the calls, with the robot key redacted.
	poll[bool](t, ctx, "request log", `document.querySelector('#requests').innerText.includes('/cgi-bin/webhook/send')`)
	screenshot(t, ctx, shots, "console-faults-requests.png")
	pageText := poll[string](t, ctx, "page text", `document.body.innerText`)
	for _, secret := range []string{sandbox.DemoRobotKey, sandbox.DemoAppSecret} {
		if strings.Contains(pageText, secret) {
			t.Errorf("the console shows the secret %q", secret)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#clear-faults`))); err != nil {
		t.Fatal(err)
	}
	poll[bool](t, ctx, "faults cleared", `document.querySelector('#faults').innerText.includes('No faults')`)
	if faults := controlGet(t, base, "/_sandbox/faults"); faults != `{"faults":[]}` {
		t.Fatalf("faults after Clear all: %s", faults)
	}
}

func controlGet(t *testing.T, base, path string) string {
	t.Helper()
	res, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
