//go:build unix

package cmd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"io/fs"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

// knownBroken lists the examples that fail today: the command line exactly
// as the example shows it (continuation lines joined with one space) -> why.
// They are not run. The list is meant to shrink to nothing; an entry that
// matches no example any more fails the test.
var knownBroken = map[string]string{
	// servers

	// the network
	"wwcli doctor --agent-id 1000002 --domain app.example.com":                                             brokenNetwork,
	"wwcli verify-domain app.example.com --name WW_verify_AbCdEfGh12345678.txt":                            brokenNetwork,
	"wwcli verify-domain app.example.com --scheme https --file ~/Downloads/WW_verify_AbCdEfGh12345678.txt": brokenNetwork,
	"wwcli verify-domain app.example.com --write ./public --name WW_verify_AbCdEfGh12345678.txt":           brokenNetwork,
	"wwcli verify-domain staging.example.com:8443 --insecure --json --name WW_verify_AbCdEfGh12345678.txt": brokenNetwork,
	"wwcli verify-domain app.example.com --file ~/Downloads/WW_verify_AbCdEfGh12345678.txt --scheme https": brokenNetwork,
	"wwcli verify-domain app.example.com --name WW_verify_AbCdEfGh12345678.txt --write ./public":           brokenNetwork,

	// the OS keyring and a terminal
	"wwcli auth login --corp-id ww5a8f2c1d9e0b3a47 --agent-id 1000002":                                                 brokenPrompt,
	"wwcli auth login --corp-id ww1234567890abcdef --agent-id 1000002":                                                 brokenPrompt,
	"wwcli auth login --corp-id ww… --agent-id 1000002   # masked prompt; verified with gettoken; secret → OS keyring": brokenPrompt,
	"wwcli auth login --profile staging --corp-id ww... --secret-file ./secret.txt":                                    brokenKeyring,
	"wwcli auth login --corp-id ww... --secret-file ./secret.txt":                                                      brokenKeyring,
	"wwcli webhook add ci-alerts": brokenKeyring,
	"wwcli auth login --callback-secrets-file cb.json --secret-file ./secret.txt": brokenKeyring,
	"wwcli auth login --secret-file ./new-secret.txt   # rotate: keeps the rest":  brokenKeyring,
	"pass show wecom/app | wwcli auth login --corp-id ww... --secret-stdin": "pass (the password store) is not " +
		"installed on the runner; and the secret would go to the OS keyring: " + brokenKeyring,
}

const (
	brokenNetwork = "needs the network: resolves and fetches a real domain"
	brokenPrompt  = "prompts for the secret on a terminal and stores it in the OS keyring; the runner has neither"
	brokenKeyring = "stores the secret in the OS keyring; the runner has none (WWCLI_KEYRING=off, exit 4)"
)

// TestExamples runs every example wwcli shows, as a user would paste it:
//
//   - every line of every command's Example (the whole tree of NewRootCmd,
//     help and completion included); a line ending in "\" or "|" goes on on
//     the next one;
//   - every line of a ```sh block in README.md and docs/*.md that starts
//     with "wwcli " or "go run . " (run as wwcli: the same main package,
//     not compiled again).
//
// Each runs as `bash -c 'set -o pipefail; LINE'` (so a wwcli failing inside
// a pipeline is not hidden by the last command) in a directory of its own,
// with the test binary as `wwcli` on PATH (TestMain). It must exit 0, or N
// when its comment says "# exits N". The environment is built from nothing
// but PATH: HOME, config and cache directories of its own, WWCLI_KEYRING=off,
// WWCLI_BASE_URL pointing at one sandbox (pkg/sandbox) that the test starts
// on 127.0.0.1, and the callback secrets of the official WXBizMsgCrypt
// sample in WWCLI_CALLBACK_*. The "default" and "staging" profiles are
// logged in to the sandbox's demo app 1000002 (secret in the file storage).
//
// Placeholders an example may use (examplePlaceholders):
//
//   - the bare words CORPID, SECRET, TICKET and CODE, "ww..." / "ww…" as a
//     corp id and WWCLI_SECRET=... stand for the values below;
//   - shell variables: $CORP_ID and $SECRET (the demo app), $CODE (a fresh
//     OAuth code for zhangsan; scope snsapi_privateinfo when the line has
//     --detail, a mini-program js_code with --miniprogram, which also runs
//     with WWCLI_CORP_ID/WWCLI_SECRET/WWCLI_AGENT_ID of the demo mini
//     program's app), $JS_CODE, $TICKET, $NONCE, $TS, $SIGNATURE, $URL and
//     $PAGE_URL (the official JS-SDK signature example), $API (the sandbox),
//     $VERIFY_URL (a URL verification request for the callback secrets);
//     $MSG_SIGNATURE, $TIMESTAMP and $NONCE sign body.xml on a line with
//     --msg-signature and a body file; $URL is the verification URL under
//     `wwcli callback verify`, a sandbox URL answering errcode 40001 under
//     `wwcli errcode`, and the sandbox under `wwcli sandbox`;
//   - stdin: a line with --secret-stdin and no pipe gets the demo secret;
//   - files in the working directory: msg.json (a message/send body),
//     corp.json (sandbox fixtures), clients.json (relay clients), secret.txt (the demo secret),
//     fixtures/ (a recording for --replay), body.xml
//     and body.json (a callback message), ./public, and
//     ~/Downloads/WW_verify_AbCdEfGh12345678.txt;
//   - loopback URLs http://127.0.0.1:PORT (the app a callback is sent or
//     forwarded to) become a callback handler started by the test.
//
// Servers (`wwcli sandbox`, `wwcli callback serve`, `wwcli relay`) must be one command; a
// trailing "&" is dropped and --addr becomes (or is added as) 127.0.0.1:0.
// They must print their base URL as the first stdout line and exit 0 when
// stopped with SIGTERM.
func TestExamples(t *testing.T) {
	if _, err := exec.LookPath("wwcli"); err != nil {
		t.Fatalf("wwcli is not on PATH (TestMain puts the test binary there): %v", err)
	}
	examples := collectExamples(t)
	env := startExampleEnv(t)
	seen := map[string]bool{}
	run, broken := 0, 0
	t.Run("each", func(t *testing.T) {
		for i, ex := range examples {
			seen[ex.line] = true
			if _, ok := knownBroken[ex.line]; ok {
				broken++
				continue
			}
			run++
			t.Run(fmt.Sprintf("%03d", i), func(t *testing.T) {
				t.Parallel()
				env.run(t, ex)
			})
		}
	})
	var stale []string
	for line := range knownBroken {
		if !seen[line] {
			stale = append(stale, line)
		}
	}
	sort.Strings(stale)
	for _, line := range stale {
		t.Errorf("knownBroken names an example that no longer exists: %q", line)
	}
	t.Logf("%d examples: %d run, %d known broken (not run)", len(examples), run, broken)
}

// example is one command line to run.
type example struct {
	source   string // "wwcli sign (Example)" or "README.md:63"
	command  string // the cobra command whose Example it is ("" for docs)
	line     string // as written, continuation lines joined
	wantExit int
}

var exitsComment = regexp.MustCompile(`#\s*exits (\d+)\b`)

func newExample(source, command, line string) example {
	ex := example{source: source, command: command, line: line}
	if m := exitsComment.FindStringSubmatch(line); m != nil {
		ex.wantExit, _ = strconv.Atoi(m[1])
	}
	return ex
}

// joinContinued joins lines ending in "\" or "|" with the next one.
func joinContinued(lines []string) []string {
	var out []string
	cur := ""
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if cur != "" {
			l = cur + " " + l
			cur = ""
		}
		switch {
		case strings.HasSuffix(l, `\`):
			cur = strings.TrimSpace(strings.TrimSuffix(l, `\`))
		case strings.HasSuffix(l, "|"):
			cur = l
		case l != "":
			out = append(out, l)
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

func collectExamples(t *testing.T) []example {
	t.Helper()
	var out []example
	var visit func(c *cobra.Command)
	visit = func(c *cobra.Command) {
		if c.Hidden {
			return
		}
		for _, line := range joinContinued(strings.Split(c.Example, "\n")) {
			if strings.HasPrefix(line, "#") {
				continue
			}
			out = append(out, newExample(c.CommandPath()+" (Example)", c.CommandPath(), line))
		}
		for _, sub := range c.Commands() {
			visit(sub)
		}
	}
	visit(helpTextTree(t))
	nCobra := len(out)

	docs, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range append([]string{filepath.Join(repoRoot, "README.md")}, docs...) {
		out = append(out, docExamples(t, file)...)
	}
	if nCobra < 40 || len(out)-nCobra < 20 {
		t.Fatalf("found only %d Example lines and %d doc lines", nCobra, len(out)-nCobra)
	}
	return out
}

// docExamples returns the wwcli lines of the ```sh blocks of file.
func docExamples(t *testing.T, file string) []example {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(repoRoot, file)
	var out []example
	var block []string
	start, inSh, inOther := 0, false, false
	for i, l := range strings.Split(string(b), "\n") {
		fence := strings.HasPrefix(strings.TrimSpace(l), "```")
		switch {
		case fence && inSh:
			for _, line := range joinContinued(block) {
				if strings.HasPrefix(line, "go run . ") {
					line = "wwcli " + strings.TrimPrefix(line, "go run . ")
				}
				if strings.HasPrefix(line, "wwcli ") {
					out = append(out, newExample(fmt.Sprintf("%s:%d", rel, start), "", line))
				}
			}
			inSh, block = false, nil
		case fence && inOther:
			inOther = false
		case fence:
			inSh = strings.TrimSpace(l) == "```sh"
			inOther = !inSh
			start = i + 2
		case inSh:
			block = append(block, l)
		}
	}
	return out
}

// The official JS-SDK signature example
// (https://developer.work.weixin.qq.com/document/path/90506) and the
// secrets of the official WXBizMsgCrypt samples.
const (
	exampleTicket    = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
	exampleNonce     = "Wm3WZYTPz0wzccnW"
	exampleTimestamp = "1414587457"
	exampleSignature = "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
	examplePageURL   = "http://mp.weixin.qq.com?params=value"

	exampleCallbackToken     = "QDG6eK"
	exampleCallbackAESKey    = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	exampleCallbackReceiveID = "wx5823bf96d3bd56c7"
)

// exampleEnv is what every example runs against.
type exampleEnv struct {
	srv       *sandbox.Server
	base      string // the sandbox's base URL
	receiver  string // a callback handler's base URL
	configDir string // logged-in profiles, copied for each example
	files     map[string][]byte
	vars      map[string]string // placeholder variables for every example

	suiteMu        sync.Mutex // guards suitePermanent (examples_suite_test.go)
	suitePermanent string
}

func startExampleEnv(t *testing.T) *exampleEnv {
	t.Helper()
	srv := sandbox.New(sandbox.Options{})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })

	crypter, err := cb.New(exampleCallbackToken, exampleCallbackAESKey, exampleCallbackReceiveID)
	if err != nil {
		t.Fatal(err)
	}
	receiver := httptest.NewServer(&cb.Handler{Crypter: crypter,
		OnMessage: func(context.Context, *cb.Message) ([]byte, error) { return nil, nil }})
	t.Cleanup(receiver.Close)

	e := &exampleEnv{srv: srv, base: base, receiver: receiver.URL}
	e.vars = map[string]string{
		"CORPID": sandbox.DemoCorpID, "CORP_ID": sandbox.DemoCorpID, "SECRET": sandbox.DemoAppSecret,
		"TICKET": exampleTicket, "NONCE": exampleNonce, "TS": exampleTimestamp, "SIGNATURE": exampleSignature,
		"URL": examplePageURL, "PAGE_URL": examplePageURL, "API": base,
		"WEBHOOK_URL": base + "/cgi-bin/webhook/send?key=" + sandbox.DemoRobotKey,
	}
	echo, err := crypter.Seal([]byte("1616140317555161061"), exampleCallbackReceiveID, nil, "", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.vars["VERIFY_URL"] = "https://app.example.com/cb?" + url.Values{"msg_signature": {echo.MsgSignature},
		"timestamp": {echo.Timestamp}, "nonce": {echo.Nonce}, "echostr": {echo.Encrypt}}.Encode()
	e.files = exampleFiles(t, crypter, e.vars)

	// Log in once; every example gets a copy of the result.
	e.configDir = filepath.Join(t.TempDir(), "config")
	for _, profile := range []string{"default", "staging"} {
		cmd := exec.Command("wwcli", "auth", "login", "--profile", profile, "--corp-id", sandbox.DemoCorpID,
			"--agent-id", strconv.Itoa(sandbox.DemoAgentID), "--secret-stdin", "--insecure-storage")
		cmd.Env = e.environ(t.TempDir(), e.configDir, nil)
		cmd.Stdin = strings.NewReader(sandbox.DemoAppSecret + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("logging in the %s profile: %v\n%s", profile, err, out)
		}
	}
	robot := exec.Command("wwcli", "webhook", "add", sandbox.DemoRobotName, "--insecure-storage")
	robot.Env = e.environ(t.TempDir(), e.configDir, nil)
	robot.Stdin = strings.NewReader(e.vars["WEBHOOK_URL"] + "\n")
	if out, err := robot.CombinedOutput(); err != nil {
		t.Fatalf("adding the robot %s: %v\n%s", sandbox.DemoRobotName, err, out)
	}
	return e
}

// exampleFiles are the files an example may name, in its working directory.
func exampleFiles(t *testing.T, crypter *cb.Crypter, vars map[string]string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{
		"msg.json": []byte(`{"touser":"zhangsan","msgtype":"text","agentid":1000002,"text":{"content":"hello"}}` + "\n"),
		"corp.json": []byte(`{"corps":[{"corpid":"wwfeedc0ffee000001","name":"Acme",
 "apps":[{"agentid":1000010,"name":"ops","secret":"app secret for the example fixtures","trusted_ips":["10.0.0.0/8"]}],
 "departments":[{"id":1,"name":"Acme","parentid":0,"order":1}],
 "users":[{"userid":"liuyang","name":"刘洋","department":[1],"status":1}]}]}` + "\n"),
		"secret.txt": []byte(sandbox.DemoAppSecret + "\n"),
		"release.md": []byte("## Release 42\n\n- faster tickets\n"),
		"report.pdf": examplePDF, "dist/report.pdf": examplePDF,
		"dist/report.html": []byte("<!doctype html><title>report</title><p>all green</p>\n"),
		"memo.amr":         append([]byte("#!AMR\n"), make([]byte, 64)...),
		"home/Downloads/WW_verify_AbCdEfGh12345678.txt": []byte("AbCdEfGh12345678"),
		// a `wwcli api --record` directory for `wwcli sandbox --replay fixtures`
		"fixtures/20261201T000000.000000000Z-tag-get.json": []byte(`{"format":"wwcli-recording/1","method":"GET",` +
			`"path":"/cgi-bin/tag/get","query":{"tagid":["1"]},"status":200,"response":{"errcode":0,"errmsg":"ok","tagname":"A"}}` + "\n"),
	}
	for _, name := range []string{"logo.png", "chart.png", "banner.png"} {
		files[name] = examplePNG(t)
	}
	// `wwcli relay --clients clients.json`: one client, token "ci-token-0123456789abcdef"
	files["clients.json"] = []byte(`{"clients":[{"name":"ci","token_sha256":"e202c13a9341f2216ea6ae595534d8706be411253bbbae86b7d5205aeb7504b3","paths":["/cgi-bin/*"]}]}` + "\n")
	msg := []byte("<xml><ToUserName><![CDATA[" + exampleCallbackReceiveID + "]]></ToUserName>" +
		"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><AgentID>1000002</AgentID></xml>")
	sealed, err := crypter.Seal(msg, exampleCallbackReceiveID, nil, "", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for name, format := range map[string]cb.Format{"body.xml": "xml", "body.json": "json"} {
		body, err := cb.RequestBody(format, exampleCallbackReceiveID, "1000002", sealed.Encrypt)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = body
	}
	vars["MSG_SIGNATURE"], vars["TIMESTAMP"], vars["NONCE_CALLBACK"] = sealed.MsgSignature, sealed.Timestamp, sealed.Nonce
	return files
}

// examplePDF is the smallest file that starts like a PDF.
var examplePDF = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

// examplePNG is a small valid PNG image.
func examplePNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// environ is the whole environment of a wwcli run: nothing of the
// developer's but PATH.
func (e *exampleEnv) environ(dir, configDir string, vars map[string]string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(dir, "home"),
		"TMPDIR=" + os.TempDir(),
		"LANG=C.UTF-8",
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg-config"),
		"XDG_CACHE_HOME=" + filepath.Join(dir, "xdg-cache"),
		"WWCLI_CONFIG_DIR=" + configDir,
		"WWCLI_CACHE_DIR=" + filepath.Join(dir, "cache"),
		"WWCLI_KEYRING=off",
		"WWCLI_BASE_URL=" + e.base,
		"WWCLI_CALLBACK_TOKEN=" + exampleCallbackToken,
		"WWCLI_CALLBACK_AES_KEY=" + exampleCallbackAESKey,
		"WWCLI_CALLBACK_RECEIVE_ID=" + exampleCallbackReceiveID,
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

var (
	// placeholderWord is a bare CORPID, ... (not $CODE, not WWCLI_SECRET).
	placeholderWord = regexp.MustCompile(`(^|[^$\w{])(CORPID|SECRET|TICKET|CODE|MSGID|MEDIA_ID)\b`)
	corpIDEllipsis  = regexp.MustCompile(`\bww(\.\.\.|…)`)
	secretEllipsis  = regexp.MustCompile(`\bWWCLI_SECRET=(\.\.\.|…)`)
	loopbackURL     = regexp.MustCompile(`http://127\.0\.0\.1:\d+`)
	addrFlag        = regexp.MustCompile(`--addr[ =]127\.0\.0\.1:\d+`)
	serverCommand   = regexp.MustCompile(`^wwcli (--sandbox )?(sandbox|callback serve|sign serve|relay)( +[^cs]| *$)`)
	// trailingComment is a "# ..." at the end of a line, outside quotes.
	trailingComment = regexp.MustCompile(`\s+#[^'"]*$`)
)

// isServer reports whether line starts a server; a trailing "&" (run in
// the background) is allowed.
func isServer(line string) bool { return serverCommand.MatchString(line) }

// examplePlaceholders turns the placeholders of line into runnable values
// and returns the shell variables it needs.
func (e *exampleEnv) examplePlaceholders(t *testing.T, ex example) (string, map[string]string) {
	t.Helper()
	line := ex.line
	vars := map[string]string{}
	for k, v := range e.vars {
		vars[k] = v
	}
	switch {
	case strings.HasPrefix(ex.command, "wwcli callback verify"):
		vars["URL"] = e.vars["VERIFY_URL"]
	case strings.HasPrefix(ex.command, "wwcli errcode"):
		vars["URL"] = e.base + "/cgi-bin/gettoken?corpid=" + sandbox.DemoCorpID + "&corpsecret=wrong"
	case strings.HasPrefix(ex.command, "wwcli sandbox"):
		vars["URL"] = e.base
	}
	if strings.Contains(line, "--msg-signature") && strings.Contains(line, "body.") {
		vars["NONCE"] = e.vars["NONCE_CALLBACK"]
	}
	req := sandbox.CodeRequest{UserID: "zhangsan"}
	switch {
	case strings.Contains(line, "--miniprogram"):
		req.Type = "miniprogram"
		// the mini program's own app, as its developer would have configured
		vars["WWCLI_CORP_ID"], vars["WWCLI_SECRET"] = sandbox.DemoCorpID, sandbox.DemoMiniProgramSecret
		vars["WWCLI_AGENT_ID"] = strconv.Itoa(sandbox.DemoMiniProgramAgentID)
	case strings.Contains(line, "--detail"):
		req.Scope, req.AgentID = "snsapi_privateinfo", sandbox.DemoAgentID
	}
	code, err := e.srv.IssueCode(req)
	if err != nil {
		t.Fatal(err)
	}
	jsCode, err := e.srv.IssueCode(sandbox.CodeRequest{UserID: "zhangsan", Type: "miniprogram"})
	if err != nil {
		t.Fatal(err)
	}
	vars["CODE"], vars["JS_CODE"] = code, jsCode
	e.suiteVars(t, line, vars)

	line = trailingComment.ReplaceAllString(line, "")
	line = placeholderWord.ReplaceAllString(line, `$1"$$$2"`)
	line = corpIDEllipsis.ReplaceAllString(line, sandbox.DemoCorpID)
	line = secretEllipsis.ReplaceAllString(line, `WWCLI_SECRET="$$SECRET"`)
	line = withEarlierSteps(line)
	if isServer(line) {
		line = strings.TrimSpace(strings.TrimSuffix(line, "&"))
		if addrFlag.MatchString(line) {
			line = addrFlag.ReplaceAllString(line, "--addr 127.0.0.1:0")
		} else {
			line += " --addr 127.0.0.1:0"
		}
		if i := strings.Index(line, "--forward-to"); i >= 0 {
			line = line[:i] + loopbackURL.ReplaceAllString(line[i:], e.receiver)
		}
	} else {
		line = loopbackURL.ReplaceAllString(line, e.receiver)
	}
	return line, vars
}

// withEarlierSteps makes the ids an example takes from an earlier step
// ($MSGID, $MEDIA_ID) with that step, run the same way (with --sandbox
// when the example has it).
func withEarlierSteps(line string) string {
	sandboxFlag := ""
	if strings.HasPrefix(line, "wwcli --sandbox ") {
		sandboxFlag = " --sandbox"
	}
	if strings.Contains(line, "$MSGID") {
		line = "MSGID=$(wwcli" + sandboxFlag + " message send --to zhangsan --text example) && " + line
	}
	if strings.Contains(line, "$MEDIA_ID") {
		line = "MEDIA_ID=$(wwcli" + sandboxFlag + " media upload chart.png) && " + line
	}
	return line
}

func (e *exampleEnv) run(t *testing.T, ex example) {
	dir := t.TempDir()
	for name, data := range e.files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "public"), 0o755); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ex.line, "git log") {
		gitRepo(t, dir)
	}
	configDir := filepath.Join(dir, "config")
	if err := copyDir(e.configDir, configDir); err != nil {
		t.Fatal(err)
	}
	line, vars := e.examplePlaceholders(t, ex)
	server := isServer(line)
	if server {
		if strings.ContainsAny(line, "|;&<>") {
			t.Fatalf("%s: %s\n  a server example must be one command (the runner stops it with SIGTERM)", ex.source, ex.line)
		}
		line = "exec " + line
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// pipefail: a wwcli failing inside a pipeline is not hidden by the last command.
	cmd := exec.CommandContext(ctx, "bash", "-c", "set -o pipefail; "+line)
	cmd.Dir = dir
	cmd.Env = e.environ(dir, configDir, vars)
	if strings.Contains(line, "--sandbox") {
		// As on a fresh machine: --sandbox examples (and the `sandbox code`
		// that feeds them) have no other API host set.
		cmd.Env = withoutVar(cmd.Env, "WWCLI_BASE_URL")
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// The whole process group goes, pipelines included, when time is up.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second // a child that keeps the output open cannot hang the test
	if strings.Contains(line, "--secret-stdin") && !strings.Contains(line, "|") {
		cmd.Stdin = strings.NewReader(sandbox.DemoAppSecret + "\n") // as typed or piped by the user
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	var stdout bytes.Buffer
	var got int
	var err error
	if server {
		got, err = runServer(cmd, &stdout)
	} else {
		cmd.Stdout = &stdout
		got, err = exitCode(cmd.Run())
	}
	report := func(format string, args ...any) {
		t.Errorf("%s\n  example: %s\n  ran:     %s\n  %s\n  stdout: %s\n  stderr: %s", ex.source, ex.line, line,
			fmt.Sprintf(format, args...), clip(stdout.String()), clip(stderr.String()))
	}
	switch {
	case err != nil:
		report("%v", err)
	case ctx.Err() != nil:
		report("did not finish within 30s")
	case got != ex.wantExit:
		report("exited %d, want %d (mark an example that shows a failure with a trailing '# exits N')", got, ex.wantExit)
	}
}

// runServer starts a server example, waits for its base URL on stdout,
// then stops it with SIGTERM; the exit code is the server's.
func runServer(cmd *exec.Cmd, stdout *bytes.Buffer) (int, error) {
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	first := make(chan string, 1)
	var rest bytes.Buffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		r := bufio.NewReader(pipe)
		line, _ := r.ReadString('\n')
		first <- line
		_, _ = io.Copy(&rest, r)
	}()
	var url string
	select {
	case url = <-first:
	case <-time.After(15 * time.Second):
	}
	stdout.WriteString(url)
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	<-copied
	stdout.Write(rest.Bytes())
	code, err := exitCode(cmd.Wait())
	if err == nil && !strings.HasPrefix(url, "http://127.0.0.1:") {
		err = fmt.Errorf("the first stdout line is %q, want the server's base URL", url)
	}
	return code, err
}

// gitRepo makes dir a git repository with one commit, for examples that
// read the last commit message.
func gitRepo(t *testing.T, dir string) {
	t.Helper()
	for _, args := range [][]string{{"init", "-q"},
		{"-c", "user.name=wwcli", "-c", "user.email=wwcli@example.invalid", "commit", "-q", "--allow-empty", "-m", "Release 42"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "GIT_CONFIG_NOSYSTEM=1"}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

func exitCode(err error) (int, error) {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return ee.ExitCode(), nil
	case errors.As(err, &ee):
		return 0, fmt.Errorf("ended by %v", ee.ProcessState)
	}
	return 0, err
}

func clip(s string) string {
	const max = 2000
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

func copyDir(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o600)
	})
}

// withoutVar drops NAME=... from env.
func withoutVar(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
