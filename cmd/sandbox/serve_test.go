package sandbox

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/internal/testutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	wwsandbox "github.com/wwcli/wwcli/pkg/sandbox"
)

// --allow-host NAME: requests for that Host are answered (a docker
// service name); other names are refused as DNS rebinding.
func TestAllowHostFlag(t *testing.T) {
	base, _, _ := startCmd(t, "--allow-host", "sandbox")
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]int{"sandbox:" + u.Port(): 200, "rebind.attacker.example:" + u.Port(): 403, "127.0.0.1:" + u.Port(): 200} {
		req, _ := http.NewRequest(http.MethodGet, base+"/_sandbox/requests", nil)
		req.Host = host
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: HTTP %d, want %d", host, resp.StatusCode, want)
		}
	}
}

// N9 through the command: with stderr never read, 2,000 gettokens are
// answered and SIGTERM still stops the sandbox with exit 0 (its last
// line waits at most a second for a reader that never comes).
func TestStderrNotReadNeverStalls(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	out := &testutil.Buffer{}
	stuck := testutil.NewBlocked() // a stderr nobody reads (a full pipe)
	t.Cleanup(stuck.Unblock)
	h.F.IO.Out, h.F.IO.ErrOut = out, stuck
	term := make(chan os.Signal, 1)
	cmd := NewCmd(h.F, func(ctx context.Context, o *Options) error {
		o.Signals = func() (serve.Signals, func()) { return serve.Signals{Term: term}, func() {} }
		return run(ctx, o)
	})
	cmd.SetArgs(nil)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	result := make(chan error, 1)
	go func() { result <- cmd.Execute() }()
	base, err := baseURL(out, result)
	if err != nil {
		t.Fatal(err)
	}
	quick := &http.Client{Timeout: 5 * time.Second} // a stalled answer fails, it does not hang
	u := base + "/cgi-bin/gettoken?corpid=" + wwsandbox.DemoCorpID + "&corpsecret=" + wwsandbox.DemoAppSecret
	for i := range 2000 {
		resp, err := quick.Get(u)
		if err != nil {
			t.Fatalf("gettoken %d with stderr not read: %v", i+1, err)
		}
		resp.Body.Close()
	}
	term <- syscall.SIGTERM
	select {
	case err := <-result:
		if err != nil {
			t.Fatalf("SIGTERM with stderr not read: %v, want exit 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the sandbox did not stop within 30s of SIGTERM while stderr was not read")
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("base %q", base)
	}
}
