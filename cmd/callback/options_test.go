package callback

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/internal/serve"
	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/cmdutil"
)

// parse runs one verb under the noun (for the inherited
// --callback-secrets-file) with runF capturing its Options.
func parse(t *testing.T, verb func(*cmdutil.Factory) *cobra.Command, args ...string) {
	t.Helper()
	h := newFactory(t, nil, "")
	h.F.Global.Timeout = 3 * time.Second
	noun := &cobra.Command{Use: "callback"}
	noun.PersistentFlags().String("callback-secrets-file", "", "")
	noun.AddCommand(verb(h.F))
	noun.SetArgs(args)
	noun.SetOut(h.ErrOut)
	noun.SetErr(h.ErrOut)
	if err := noun.Execute(); err != nil {
		t.Fatal(err)
	}
}

func TestNewCmdsParseFlags(t *testing.T) {
	var v *VerifyOptions
	parse(t, func(f *cmdutil.Factory) *cobra.Command {
		return NewVerifyCmd(f, func(_ context.Context, o *VerifyOptions) error { v = o; return nil })
	}, "verify", "--callback-secrets-file", "s.json", "--url", "https://x/cb?a=1", "--raw", "--receive-id", "", "--jq", ".echo")
	if v.SecretsFile != "s.json" || v.URL != "https://x/cb?a=1" || !v.Raw || !v.ReceiveIDSet || v.Exporter.JQ != ".echo" || v.Secrets == nil {
		t.Errorf("verify: %+v", v)
	}

	var d *DecryptOptions
	parse(t, func(f *cmdutil.Factory) *cobra.Command {
		return NewDecryptCmd(f, func(_ context.Context, o *DecryptOptions) error { d = o; return nil })
	}, "decrypt", "--msg-signature", "s", "--timestamp", "1", "--nonce", "n", "--json", "body.xml")
	if d.Params != (cb.Params{MsgSignature: "s", Timestamp: "1", Nonce: "n"}) || !d.Exporter.JSON || len(d.Args) != 1 || d.ReceiveIDSet {
		t.Errorf("decrypt: %+v", d)
	}

	var e *EncryptOptions
	parse(t, func(f *cmdutil.Factory) *cobra.Command {
		return NewEncryptCmd(f, func(_ context.Context, o *EncryptOptions) error { e = o; return nil })
	}, "encrypt", "--format", "json", "--timestamp", "1", "--nonce", "2", "--random", "r", "--agent-id", "7", "--reply", "-")
	if e.Format != "json" || e.Timestamp != "1" || e.Nonce != "2" || e.Random != "r" || e.AgentID != "7" || !e.Reply || e.Now == nil {
		t.Errorf("encrypt: %+v", e)
	}

	var s *ServeOptions
	parse(t, func(f *cmdutil.Factory) *cobra.Command {
		return NewServeCmd(f, func(_ context.Context, o *ServeOptions) error { s = o; return nil })
	}, "serve", "--addr", "127.0.0.1:0", "--path", "/w", "--forward-to", "http://127.0.0.1:1/", "--max-body", "9", "--jq", ".event")
	if s.Addr != "127.0.0.1:0" || s.Path != "/w" || s.ForwardTo != "http://127.0.0.1:1/" || s.MaxBody != 9 || s.Timeout != 3*time.Second ||
		s.Exporter.JQ != ".event" || s.Signals == nil {
		t.Errorf("serve: %+v", s)
	}

	var sd *SendOptions
	parse(t, func(f *cmdutil.Factory) *cobra.Command {
		return NewSendCmd(f, func(_ context.Context, o *SendOptions) error { sd = o; return nil })
	}, "send", "--to", "http://127.0.0.1:1/", "--event", "enter_agent", "--format", "json", "--agent-id", "3", "--verify", "--json")
	if sd.To != "http://127.0.0.1:1/" || sd.Event != "enter_agent" || sd.Format != "json" || sd.AgentID != "3" || !sd.Verify || !sd.Exporter.JSON || sd.Timeout != 3*time.Second {
		t.Errorf("send: %+v", sd)
	}
}

func TestBadJQIsUsageBeforeAnything(t *testing.T) {
	for _, verb := range []string{"verify", "decrypt", "encrypt", "serve", "send"} {
		execute(t, nil, vEnv, "", verb, "--jq", ".[").expect(t, 2, "", "")
	}
}

func TestEncryptRefusesAnEmptyMessage(t *testing.T) {
	execute(t, nil, vEnv, "", "encrypt").expect(t, 2, "", "the message to encrypt is empty (stdin holds no bytes)")
	empty := t.TempDir() + "/empty.xml"
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	execute(t, nil, vEnv, "", "encrypt", empty).expect(t, 2, "", "("+empty+" holds no bytes)")
}

func TestVerifyURLThatIsNotAURL(t *testing.T) {
	r := execute(t, nil, vEnv, "", "verify", "--url", "not a url")
	r.expect(t, 2, "", `--url "not a url" is not a URL: paste the whole request`)
	if strings.Contains(r.stderr, "missing") {
		t.Errorf("blames missing parameters: %s", r.stderr)
	}
	// A path with its query, as a server log shows it, is fine.
	execute(t, nil, vEnv, "", "verify", "--raw", "--url", "/cb?msg_signature="+v1Sig+"&timestamp="+v1TS+"&nonce="+v1Nonce+"&echostr="+strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(v1Echo)).expect(t, 0, v1Plain, "")
}

func TestVerifyJSON(t *testing.T) {
	r := execute(t, nil, vEnv, "", "verify", "--msg-signature", v1Sig, "--timestamp", v1TS, "--nonce", v1Nonce, "--echostr", v1Echo, "--json")
	r.expect(t, 0, "", "")
	if r.stdout != `{"echo":"`+v1Plain+`"}`+"\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	r = execute(t, nil, vEnv, "", "verify", "--msg-signature", v1Sig, "--timestamp", v1TS, "--nonce", v1Nonce, "--echostr", v1Echo, "--jq", ".echo")
	if r.code != 0 || r.stdout != v1Plain+"\n" {
		t.Errorf("--jq: %+v", r)
	}
}

func TestSendVerifyToAWrongHandlerIsNeverGreen(t *testing.T) {
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("success")) }))
	defer h.Close()
	r := execute(t, nil, vEnv, "", "send", "--to", h.URL, "--verify")
	r.expect(t, 1, "", "fail GET "+h.URL)
	if strings.Contains(r.stderr, "ok GET") {
		t.Errorf("a green line before the failure: %s", r.stderr)
	}
}

func TestServeStopsCleanlyOnSIGTERM(t *testing.T) {
	h := newFactory(t, vEnv, "")
	term := make(chan os.Signal, 1)
	stopped := false
	ready := make(chan string, 1)
	cmd := NewServeCmd(h.F, func(ctx context.Context, o *ServeOptions) error {
		o.Signals = func() (serve.Signals, func()) { return serve.Signals{Term: term}, func() { stopped = true } }
		o.Ready = func(addr string) { ready <- addr }
		return runServe(ctx, o)
	})
	cmd.PersistentFlags().String("callback-secrets-file", "", "")
	cmd.SetArgs([]string{"--addr", "127.0.0.1:0", "--path", "/wecom"})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(context.Background()) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve exited early: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not start")
	}
	term <- syscall.SIGTERM
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("SIGTERM must exit 0, got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not stop within 5s of SIGTERM")
	}
	if !stopped || h.Out.String() != "http://"+addr+"/wecom\n" || !strings.HasSuffix(h.ErrOut.String(), "callback serve stopped (SIGTERM)\n") {
		t.Fatalf("stop released %v\nstdout %q\nstderr %q", stopped, h.Out.String(), h.ErrOut.String())
	}
}

func TestServeJQFiltersEachMessage(t *testing.T) {
	base, out, _ := startServe(t, vEnv, "--jq", ".event")
	execute(t, nil, vEnv, "", "send", "--to", base+"/", "--event", "enter_agent").expect(t, 0, "", "200 OK")
	execute(t, nil, vEnv, "", "send", "--to", base+"/", "--event", "change_contact").expect(t, 0, "", "200 OK")
	want := base + "/\nenter_agent\nchange_contact\n"
	if got := out.Wait(func(s string) bool { return s == want }); got != want {
		t.Fatalf("stdout %q", got)
	}
}
