package sandbox

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	wwsandbox "github.com/wwcli/wwcli/pkg/sandbox"
)

func TestSuiteCallbackFlagParses(t *testing.T) {
	f, _, _ := testFactory(t)
	var got *Options
	cmd := NewCmd(f, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--suite-callback", "http://127.0.0.1:8080/suite",
		"--suite-callback", wwsandbox.DemoTemplateID + "=http://127.0.0.1:8081/dk?a=b"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	m := suiteCallbacks(got.SuiteCallbacks)
	if m[wwsandbox.DemoSuiteID] != "http://127.0.0.1:8080/suite" || m[wwsandbox.DemoTemplateID] != "http://127.0.0.1:8081/dk?a=b" || len(m) != 2 {
		t.Fatalf("callbacks %v from %v", m, got.SuiteCallbacks)
	}
}

func TestSuiteCallbackFlagBadInput(t *testing.T) {
	for _, arg := range []string{"not-a-url", "wwnope=http://127.0.0.1:1/", "ftp://127.0.0.1/x"} {
		t.Run(arg, func(t *testing.T) {
			f, out, _ := testFactory(t)
			cmd := NewCmd(f, nil)
			cmd.SetArgs([]string{"--suite-callback", arg})
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if err == nil || cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "--suite-callback") {
				t.Fatalf("error %v (exit %d), want exit 2 naming --suite-callback", err, cmdutil.ExitCode(err))
			}
			if out.String() != "" {
				t.Fatalf("stdout %q", out.String())
			}
		})
	}
}

// A running `wwcli sandbox --suite-callback URL` pushes a suite_ticket at
// once, encrypted for receive id = the suite id.
func TestSuiteCallbackFlagPushes(t *testing.T) {
	cr, err := callback.New(wwsandbox.DemoSuiteToken, wwsandbox.DemoSuiteEncodingAESKey, wwsandbox.DemoSuiteID)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan map[string]string, 4)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		q := r.URL.Query()
		op, err := cr.Open(body, callback.Params{MsgSignature: q.Get("msg_signature"), Timestamp: q.Get("timestamp"), Nonce: q.Get("nonce")})
		if err != nil {
			t.Errorf("push does not decrypt: %v", err)
			return
		}
		got <- callback.Fields(op.Plaintext.Message)
		_, _ = io.WriteString(w, "success")
	}))
	defer recv.Close()
	_, cancel, errOut := startCmd(t, "--suite-callback", recv.URL+"/suite")
	defer func() { _ = cancel() }()
	select {
	case f := <-got:
		if f["InfoType"] != "suite_ticket" || f["SuiteId"] != wwsandbox.DemoSuiteID || f["SuiteTicket"] == "" {
			t.Fatalf("push %v", f)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no push within 20s; stderr:\n%s", errOut.String())
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(errOut.String(), "PUSH suite_ticket "+wwsandbox.DemoSuiteID) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(errOut.String(), `200 "success"`) {
		t.Fatalf("the push is not logged on stderr:\n%s", errOut.String())
	}
}
