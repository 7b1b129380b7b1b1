package callback

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/internal/testutil"
	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/callbackserve"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/credentials"
)

// Official vector V2 (py-sample DecryptMsg) and V1 (VerifyURL).
const (
	vToken   = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
	vKey     = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
	vCorp    = "ww1436e0e65a779aee"
	v1Sig    = "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"
	v1TS     = "1476416373"
	v1Nonce  = "47744683"
	v1Echo   = "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
	v1Plain  = "1288432023552776189"
	v2Sig    = "0c3914025cb4b4d68103f6bfc8db550f79dcf48e"
	v2TS     = "1476422779"
	v2Nonce  = "1597212914"
	v2Random = "694ce5a83ae07fe3"
	v2Enc    = "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+"
	v2Msg    = "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>"
)

var vEnv = map[string]string{credentials.EnvCallbackToken: vToken, credentials.EnvCallbackAESKey: vKey, credentials.EnvCallbackReceiveID: vCorp}

type result struct {
	code           int
	stdout, stderr string
}

// newFactory returns a sealed factory over buffers with env added and a
// fixed clock.
func newFactory(t *testing.T, env map[string]string, stdin string) *cmdutiltest.Harness {
	t.Helper()
	h := cmdutiltest.NewFactory(t)
	for k, v := range env {
		h.Env[k] = v
	}
	h.In.WriteString(stdin)
	h.F.Now = func() time.Time { return time.Unix(1700000000, 0) }
	h.F.Global.Timeout = 5 * time.Second
	return h
}

// execute runs `callback args...` under a root that maps errors like cmd.Main.
func execute(t *testing.T, ctx context.Context, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	h := newFactory(t, env, stdin)
	root := &cobra.Command{Use: "wwcli", SilenceErrors: true, SilenceUsage: true}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
	root.SetOut(h.Out)
	root.SetErr(h.ErrOut)
	root.AddCommand(NewCmd(h.F))
	root.SetArgs(append([]string{"callback"}, args...))
	if ctx == nil {
		ctx = context.Background()
	}
	err := root.ExecuteContext(ctx)
	if err != nil {
		h.ErrOut.WriteString(err.Error() + "\n")
	}
	return result{cmdutil.ExitCode(err), h.Out.String(), h.ErrOut.String()}
}

func (r result) expect(t *testing.T, code int, stdout, stderr string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	if stdout != "" && !strings.Contains(r.stdout, stdout) {
		t.Fatalf("stdout %q lacks %q", r.stdout, stdout)
	}
	if stderr != "" && !strings.Contains(r.stderr, stderr) {
		t.Fatalf("stderr %q lacks %q", r.stderr, stderr)
	}
}

func TestVerify(t *testing.T) {
	base := []string{"verify", "--msg-signature", v1Sig, "--timestamp", v1TS, "--nonce", v1Nonce}
	base = base[:len(base):len(base)] // appends below must copy, not share
	r := execute(t, nil, vEnv, "", append(base, "--echostr", v1Echo)...)
	r.expect(t, 0, "", "")
	if r.stdout != v1Plain+"\n" {
		t.Fatalf("stdout %q", r.stdout)
	}
	r = execute(t, nil, vEnv, "", append(base, "--echostr", url.QueryEscape(v1Echo), "--raw")...)
	if r.code != 0 || r.stdout != v1Plain {
		t.Fatalf("--raw with URL-encoded echostr: %+v", r)
	}
	u := "https://example.com/cb?" + url.Values{"msg_signature": {v1Sig}, "timestamp": {v1TS}, "nonce": {v1Nonce}, "echostr": {v1Echo}}.Encode()
	execute(t, nil, vEnv, "", "verify", "--url", u, "--raw").expect(t, 0, v1Plain, "")

	execute(t, nil, vEnv, "", append(base[:5:5], "--echostr", v1Echo)...).expect(t, 2, "", "missing nonce")
	execute(t, nil, vEnv, "", "verify", "--url", u, "--nonce", "1").expect(t, 2, "", "not both")
	execute(t, nil, vEnv, "", append(base, "--echostr", "%zz")...).expect(t, 2, "", "bad %-escape")
	execute(t, nil, vEnv, "", "verify", "--msg-signature", v1Sig, "--timestamp", "1", "--nonce", v1Nonce, "--echostr", v1Echo).expect(t, 1, "", "-40001")
	execute(t, nil, vEnv, "", append(base, "--echostr", v1Echo, "--receive-id", "wwother")...).expect(t, 1, "", "-40005")
	execute(t, nil, nil, "", append(base, "--echostr", v1Echo)...).expect(t, 4, "", "WWCLI_CALLBACK_TOKEN")
	bad := map[string]string{credentials.EnvCallbackToken: vToken, credentials.EnvCallbackAESKey: vKey[:42] + "="}
	execute(t, nil, bad, "", append(base, "--echostr", v1Echo)...).expect(t, 2, "", "43 characters")
}

func TestDecrypt(t *testing.T) {
	xmlBody := "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n<Encrypt><![CDATA[" + v2Enc + "]]></Encrypt>\n<AgentID><![CDATA[1000002]]></AgentID>\n</xml>"
	file := filepath.Join(t.TempDir(), "body.xml")
	if err := os.WriteFile(file, []byte(xmlBody), 0o600); err != nil {
		t.Fatal(err)
	}
	params := []string{"--msg-signature", v2Sig, "--timestamp", v2TS, "--nonce", v2Nonce}
	r := execute(t, nil, vEnv, "", append([]string{"decrypt", file}, params...)...)
	r.expect(t, 0, v2Msg, "")
	if r.stderr != "" {
		t.Fatalf("checked signature: no warning expected, got %q", r.stderr)
	}
	r = execute(t, nil, vEnv, xmlBody, "decrypt", "--json")
	r.expect(t, 0, "", "signature not checked")
	var got decryptResult
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Message != v2Msg || got.ReceiveID != vCorp || got.Signature != "not_checked" || got.AgentID != "1000002" || got.Fields["Content"] != "你好" {
		t.Fatalf("%+v", got)
	}
	r = execute(t, nil, vEnv, xmlBody, append([]string{"decrypt", "-", "--json"}, params...)...)
	r.expect(t, 0, `"signature":"valid"`, "")

	execute(t, nil, vEnv, xmlBody, "decrypt", "--nonce", "1").expect(t, 2, "", "go together")
	execute(t, nil, vEnv, "not an envelope", "decrypt").expect(t, 2, "", "-40002")
	execute(t, nil, vEnv, "<xml><Encrypt>@@@</Encrypt></xml>", "decrypt").expect(t, 2, "", "-40010")
	execute(t, nil, vEnv, xmlBody, append([]string{"decrypt", "--receive-id", "wwother"}, params...)...).expect(t, 1, "", "-40005")
	other := map[string]string{credentials.EnvCallbackToken: vToken, credentials.EnvCallbackAESKey: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"}
	execute(t, nil, other, xmlBody, "decrypt").expect(t, 1, "", "-4000")
	execute(t, nil, vEnv, "", "decrypt", filepath.Join(t.TempDir(), "missing")).expect(t, 2, "", "cannot read input")
	execute(t, nil, vEnv, "", "decrypt", "a", "b").expect(t, 2, "", "accepts at most 1 arg")
}

func TestEncryptReproducesOfficialVector(t *testing.T) {
	r := execute(t, nil, vEnv, v2Msg, "encrypt", "--timestamp", v2TS, "--nonce", v2Nonce, "--random", v2Random, "--agent-id", "1000002", "--json")
	r.expect(t, 0, "", "")
	var got encryptResult
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Encrypt != v2Enc || got.MsgSignature != v2Sig || got.Query != "msg_signature="+v2Sig+"&nonce="+v2Nonce+"&timestamp="+v2TS {
		t.Fatalf("%+v", got)
	}
	// The plain output round-trips through decrypt.
	r = execute(t, nil, vEnv, v2Msg, "encrypt", "--format", "json", "--timestamp", v2TS, "--nonce", v2Nonce)
	r.expect(t, 0, `"encrypt":"`, "query: ?msg_signature=")
	q, _ := url.ParseQuery(strings.TrimPrefix(strings.TrimSpace(strings.SplitN(r.stderr, "?", 2)[1]), ""))
	execute(t, nil, vEnv, r.stdout, "decrypt", "--msg-signature", q.Get("msg_signature"), "--timestamp", v2TS, "--nonce", v2Nonce).expect(t, 0, v2Msg, "")
	// A passive reply carries its own signature.
	r = execute(t, nil, vEnv, "pong", "encrypt", "--reply")
	r.expect(t, 0, "<MsgSignature>", "")
	d := execute(t, nil, vEnv, r.stdout, "decrypt", "--json")
	d.expect(t, 0, `"signature":"valid"`, "")

	execute(t, nil, vEnv, "x", "encrypt", "--format", "yaml").expect(t, 2, "", "xml or json")
	execute(t, nil, vEnv, "x", "encrypt", "--random", "short").expect(t, 2, "", "16 characters")
	execute(t, nil, vEnv, "x", "encrypt", "--timestamp", "soon").expect(t, 2, "", "Unix seconds")
	execute(t, nil, nil, "x", "encrypt").expect(t, 4, "", "--callback-secrets-file")
}

func TestSecretsFileFlag(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cb.json")
	body, _ := json.Marshal(map[string]string{"token": vToken, "encoding_aes_key": vKey, "receive_id": vCorp})
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	wrong := map[string]string{credentials.EnvCallbackToken: "wrong", credentials.EnvCallbackAESKey: vKey}
	args := []string{"verify", "--callback-secrets-file", file, "--msg-signature", v1Sig, "--timestamp", v1TS, "--nonce", v1Nonce, "--echostr", v1Echo}
	execute(t, nil, wrong, "", args...).expect(t, 0, v1Plain, "")
	// One rule for every secret file: readable by others works, with a warning.
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	execute(t, nil, wrong, "", args...).expect(t, 0, v1Plain, "warning: secret file "+file+" can be read by other users (mode 0644); run: chmod 600 "+file)
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, bytes.Repeat([]byte(" "), 65<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	execute(t, nil, wrong, "", append([]string{"verify", "--callback-secrets-file", big}, args[3:]...)...).expect(t, 4, "", "more than a secret can be")
}

// startServe runs `callback serve` on a free loopback port until the test ends.
func startServe(t *testing.T, env map[string]string, extra ...string) (base string, out, errOut *testutil.Buffer) {
	t.Helper()
	out = &testutil.Buffer{}
	base, errOut = startServeTo(t, env, out, 0, extra...)
	return base, out, errOut
}

// startServeTo is startServe with stdout going to stdout and at most
// queueLen lines waiting for it (0: the default).
func startServeTo(t *testing.T, env map[string]string, stdout io.Writer, queueLen int, extra ...string) (base string, errOut *testutil.Buffer) {
	t.Helper()
	h := newFactory(t, env, "")
	f := h.F
	f.IO.SetStdoutTTY(env["TEST_STDOUT_TTY"] == "1")
	errOut = &testutil.Buffer{}
	f.IO.Out, f.IO.ErrOut = stdout, errOut
	ready := make(chan string, 1)
	root := &cobra.Command{Use: "wwcli", SilenceErrors: true, SilenceUsage: true}
	noun := NewCmd(f)
	for _, c := range noun.Commands() {
		if c.Name() == "serve" {
			noun.RemoveCommand(c)
		}
	}
	noun.AddCommand(NewServeCmd(f, func(ctx context.Context, o *ServeOptions) error {
		o.Ready = func(addr string) { ready <- addr }
		o.queueLen = queueLen
		return runServe(ctx, o)
	}))
	root.AddCommand(noun)
	root.SetArgs(append([]string{"callback", "serve", "--addr", "127.0.0.1:0"}, extra...))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("serve did not stop within 5s of cancel")
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr, errOut
	case err := <-done:
		t.Fatalf("serve exited early: %v\n%s", err, errOut.String())
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not start within 5s")
	}
	return "", nil
}

func TestServeAndSend(t *testing.T) {
	base, out, errOut := startServe(t, vEnv, "--path", "/wecom")
	for _, event := range []string{"text", "enter_agent", "change_contact"} {
		for _, format := range []string{"xml", "json"} {
			r := execute(t, nil, vEnv, "", "send", "--to", base+"/wecom", "--event", event, "--format", format)
			r.expect(t, 0, "", "200 OK")
			if r.stdout != "" {
				t.Fatalf("no passive reply expected, got %q", r.stdout)
			}
		}
	}
	out.Wait(func(s string) bool { return strings.Count(s, "\n") >= 7 })
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 7 || lines[0] != base+"/wecom" {
		t.Fatalf("want the callback URL, then one JSON line per message, got %d:\n%s", len(lines), out.String())
	}
	lines = lines[1:]
	var m callbackserve.MessageLine
	if err := json.Unmarshal([]byte(lines[5]), &m); err != nil {
		t.Fatal(err)
	}
	if m.Format != "json" || m.Event != "change_contact" || m.MsgType != "event" || m.ReceiveID != vCorp || m.AgentID != "1000002" || m.Fields["UserID"] != "wwcli-new-user" {
		t.Fatalf("%+v", m)
	}
	// URL verification through send --verify.
	r := execute(t, nil, vEnv, "", "send", "--to", base+"/wecom", "--verify", "--json")
	r.expect(t, 0, `"echo_ok":true`, "GET")
	// Wrong Token: serve rejects with 400 and logs the code; send exits 1.
	wrong := map[string]string{credentials.EnvCallbackToken: "wrong", credentials.EnvCallbackAESKey: vKey, credentials.EnvCallbackReceiveID: vCorp}
	execute(t, nil, wrong, "", "send", "--to", base+"/wecom").expect(t, 1, "", "400 Bad Request")
	execute(t, nil, vEnv, "", "send", "--to", base+"/elsewhere").expect(t, 1, "", "404")
	if s := errOut.Wait(func(s string) bool {
		return strings.Contains(s, "-40001 ValidateSignature_Error") && strings.Contains(s, "not the callback path")
	}); !strings.Contains(s, "-40001 ValidateSignature_Error") || !strings.Contains(s, "not the callback path") {
		t.Fatalf("serve log: %s", s)
	}
	// A file event.
	file := filepath.Join(t.TempDir(), "event.xml")
	_ = os.WriteFile(file, []byte("<xml><MsgType>custom</MsgType></xml>"), 0o600)
	execute(t, nil, vEnv, "", "send", "--to", base+"/wecom", "--event", file).expect(t, 0, "", "")
	if !strings.Contains(out.WaitFor(`"msg_type":"custom"`), `"msg_type":"custom"`) {
		t.Fatalf("file event not served: %s", out.String())
	}
}

func TestServeForwardsAndReplies(t *testing.T) {
	var got []byte
	var mu sync.Mutex
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got, _ = io.ReadAll(r.Body)
		mu.Unlock()
		if strings.Contains(r.Header.Get("Content-Type"), "json") {
			_, _ = w.Write([]byte(`{"MsgType":"text","Content":"pong"}`))
			return
		}
		_, _ = w.Write([]byte("<xml><MsgType>text</MsgType><Content>pong</Content></xml>"))
	}))
	defer app.Close()
	base, out, _ := startServe(t, vEnv, "--forward-to", app.URL)
	r := execute(t, nil, vEnv, "", "send", "--to", base+"/", "--event", "text")
	r.expect(t, 0, "<Content>pong</Content>", "passive reply decrypted (signature valid)")
	mu.Lock()
	if !strings.Contains(string(got), "hello from wwcli") {
		t.Fatalf("the app got %q", got)
	}
	mu.Unlock()
	r = execute(t, nil, vEnv, "", "send", "--to", base+"/", "--format", "json", "--json")
	r.expect(t, 0, `"reply_signature":"valid"`, "")
	if !strings.Contains(out.WaitFor(`"replied":true`), `"replied":true`) {
		t.Fatalf("serve output: %s", out.String())
	}
}

func TestServeForwardFailureAnswers502(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer app.Close()
	base, _, errOut := startServe(t, vEnv, "--forward-to", app.URL)
	execute(t, nil, vEnv, "", "send", "--to", base+"/").expect(t, 1, "", "502")
	if !strings.Contains(errOut.WaitFor("500 Internal Server Error"), "500 Internal Server Error") {
		t.Fatalf("serve log: %s", errOut.String())
	}
}

func TestServeAndSendErrors(t *testing.T) {
	execute(t, nil, vEnv, "", "serve", "--path", "wecom").expect(t, 2, "", "--path must start with /")
	execute(t, nil, vEnv, "", "serve", "--path", "/a b").expect(t, 2, "", `--path "/a b": use a plain path`) // a ServeMux pattern: was a panic
	execute(t, nil, vEnv, "", "serve", "--path", "/{x}").expect(t, 2, "", "without spaces or braces")
	execute(t, nil, vEnv, "", "serve", "--forward-to", "ftp://x").expect(t, 2, "", "--forward-to must be")
	execute(t, nil, vEnv, "", "serve", "--max-body", "0").expect(t, 2, "", "--max-body")
	execute(t, nil, nil, "", "serve").expect(t, 4, "", "three ways")
	execute(t, nil, vEnv, "", "serve", "--addr", "256.0.0.1:1", "--insecure-listen").expect(t, 1, "", "cannot listen")

	execute(t, nil, vEnv, "", "send").expect(t, 2, "", "--to is required")
	execute(t, nil, vEnv, "", "send", "--to", "example.com").expect(t, 2, "", "http(s) URL")
	execute(t, nil, vEnv, "", "send", "--to", "http://127.0.0.1:1/", "--event", "nope").expect(t, 2, "", "text, enter_agent, change_contact")
	execute(t, nil, vEnv, "", "send", "--to", "http://127.0.0.1:1/", "--format", "yaml").expect(t, 2, "", "xml or json")
	execute(t, nil, nil, "", "send", "--to", "http://127.0.0.1:1/").expect(t, 4, "", "three ways")
	// Nothing listens on port 1 of loopback.
	execute(t, nil, vEnv, "", "send", "--to", "http://127.0.0.1:1/").expect(t, 1, "", "cannot reach the handler")
	// A handler that echoes with a newline fails --verify.
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := cb.New(vToken, vKey, "")
		echo, _ := c.VerifyURL(r.URL.Query().Get("msg_signature"), r.URL.Query().Get("timestamp"), r.URL.Query().Get("nonce"), r.URL.Query().Get("echostr"))
		_, _ = w.Write(append(echo, '\n'))
	}))
	defer h.Close()
	execute(t, nil, vEnv, "", "send", "--to", h.URL, "--verify").expect(t, 1, "", "no quotes, BOM or newline")
}

// TestServeSurvivesMalformedRequests sends raw garbage at a running serve.
func TestServeSurvivesMalformedRequests(t *testing.T) {
	base, out, errOut := startServe(t, vEnv, "--max-body", "4096")
	good := url.Values{"msg_signature": {v2Sig}, "timestamp": {v2TS}, "nonce": {v2Nonce}}.Encode()
	for _, body := range []string{"", "garbage", "<xml><Encrypt>@@@@</Encrypt></xml>", strings.Repeat("A", 5000), `{"encrypt":"` + v2Enc[:64] + `"}`} {
		res, err := http.Post(base+"/?"+good, "text/xml", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 400 {
			t.Fatalf("body %.20q: %d", body, res.StatusCode)
		}
	}
	log := errOut.Wait(func(s string) bool { return strings.Count(s, "→ 400") >= 5 })
	if strings.Count(log, "→ 400") != 5 || !strings.Contains(log, "-40008 IllegalBuffer: body larger than 4096") {
		t.Fatalf("log: %s", errOut.String())
	}
	// Still serving.
	execute(t, nil, vEnv, "", "send", "--to", base+"/").expect(t, 0, "", "200 OK")
	if !strings.Contains(out.WaitFor("hello from wwcli"), "hello from wwcli") {
		t.Fatal("serve stopped delivering")
	}
}

func TestServePrettyOnTTY(t *testing.T) {
	env := map[string]string{"TEST_STDOUT_TTY": "1"}
	for k, v := range vEnv {
		env[k] = v
	}
	base, out, _ := startServe(t, env)
	execute(t, nil, vEnv, "", "send", "--to", base+"/").expect(t, 0, "", "200 OK")
	if !strings.Contains(out.WaitFor("{\n  \"received_at\""), "{\n  \"received_at\"") {
		t.Fatalf("want indented JSON on a terminal, got %q", out.String())
	}
}
