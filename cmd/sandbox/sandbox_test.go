package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/internal/testutil"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	wwsandbox "github.com/wwcli/wwcli/pkg/sandbox"
)

// baseURL waits for the sandbox's first line on stdout, its base URL.
// result delivers the command's error should it end first.
func baseURL(out *testutil.Buffer, result <-chan error) (string, error) {
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for {
		s, written := out.Next()
		if line, _, ok := strings.Cut(s, "\n"); ok {
			return strings.TrimSpace(line), nil
		}
		select {
		case <-written:
		case err := <-result:
			return "", fmt.Errorf("sandbox exited early: %v", err)
		case <-deadline.C:
			return "", errors.New("no base URL on stdout within 30s")
		}
	}
}

func testFactory(t *testing.T) (*cmdutil.Factory, *testutil.Buffer, *testutil.Buffer) {
	h := cmdutiltest.NewFactory(t)
	out, errOut := &testutil.Buffer{}, &testutil.Buffer{} // written by the server goroutine, read by the test
	h.F.IO.Out, h.F.IO.ErrOut = out, errOut
	return h.F, out, errOut
}

// startCmd runs `wwcli sandbox args...` until the returned cancel is called.
func startCmd(t *testing.T, args ...string) (base string, cancel func() error, errOut *testutil.Buffer) {
	t.Helper()
	f, out, errOut := testFactory(t)
	cmd := NewCmd(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	ctx, stop := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- cmd.ExecuteContext(ctx) }()
	base, err := baseURL(out, result)
	if err != nil {
		stop()
		t.Fatalf("%v (stderr %s)", err, errOut.String())
	}
	var once sync.Once
	var runErr error
	cancel = func() error {
		once.Do(func() {
			stop()
			select {
			case runErr = <-result:
			case <-time.After(30 * time.Second):
				runErr = errors.New("sandbox did not stop within 30s")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = cancel() })
	return base, cancel, errOut
}

var client = &http.Client{Timeout: 30 * time.Second}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestServeUntilCancelled(t *testing.T) {
	base, cancel, errOut := startCmd(t)
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("first stdout line %q is not a loopback base URL", base)
	}
	body := getBody(t, base+"/cgi-bin/gettoken?corpid="+wwsandbox.DemoCorpID+"&corpsecret="+wwsandbox.DemoAppSecret)
	if !strings.Contains(body, `"errcode":0`) || !strings.Contains(body, `"access_token"`) {
		t.Fatalf("demo credentials must work out of the box: %s", body)
	}
	if err := cancel(); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel must end the command with the context error (exit 130 via root), got %v", err)
	}
	log := errOut.String()
	if !strings.Contains(log, "GET /cgi-bin/gettoken?corpid="+wwsandbox.DemoCorpID+"&corpsecret=*** -> 200 errcode=0") {
		t.Fatalf("request log on stderr:\n%s", log)
	}
	// Ctrl-C: the root prints the one line ("interrupted"); SIGTERM prints
	// "sandbox stopped" (sandbox_signals.txtar).
	if strings.Contains(log, wwsandbox.DemoAppSecret) || strings.Contains(log, "sandbox stopped") ||
		strings.Contains(log, "warn") {
		t.Fatalf("stderr:\n%s", log)
	}
	if _, err := client.Get(base + "/_sandbox/"); err == nil {
		t.Fatal("the listener must be closed after cancel")
	}
}

func TestSIGTERMStopsCleanly(t *testing.T) {
	f, out, errOut := testFactory(t)
	term := make(chan os.Signal, 1)
	released := false
	cmd := NewCmd(f, func(ctx context.Context, o *Options) error {
		o.Signals = func() (serve.Signals, func()) { return serve.Signals{Term: term}, func() { released = true } }
		return run(ctx, o)
	})
	cmd.SetArgs(nil)
	result := make(chan error, 1)
	go func() { result <- cmd.Execute() }()
	base, err := baseURL(out, result)
	if err != nil {
		t.Fatal(err)
	}
	term <- syscall.SIGTERM
	select {
	case err := <-result:
		if err != nil {
			t.Fatalf("SIGTERM must exit 0, got %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the sandbox did not stop within 30s of SIGTERM")
	}
	if !released || !strings.HasSuffix(errOut.String(), "\nsandbox stopped\n") {
		t.Fatalf("released %v, stderr:\n%s", released, errOut.String())
	}
	if _, err := client.Get(base + "/_sandbox/"); err == nil {
		t.Fatal("the listener must be closed after SIGTERM")
	}
}

func TestServeOptions(t *testing.T) {
	fixtures := filepath.Join("..", "..", "pkg", "sandbox", "testdata", "fixtures.json")
	base, _, _ := startCmd(t, "--fixtures", fixtures, "--token-ttl", "90s", "--trusted-ip", "10.9.9.9")
	body := getBody(t, base+"/cgi-bin/gettoken?corpid=wwfeedc0ffee000001&corpsecret=acme-ops-secret-for-tests-only")
	if !strings.Contains(body, `"expires_in":90`) {
		t.Fatalf("--fixtures / --token-ttl not applied: %s", body)
	}
	info := getBody(t, base+"/_sandbox/")
	if !strings.Contains(info, "wwfeedc0ffee000001") || strings.Contains(info, wwsandbox.DemoCorpID) {
		t.Fatalf("fixtures replace the demo corp: %s", info)
	}
	tok := body[strings.Index(body, `"access_token":"`)+16:]
	tok = tok[:strings.Index(tok, `"`)]
	if b := getBody(t, base+"/cgi-bin/get_jsapi_ticket?access_token="+tok); !strings.Contains(b, `"errcode":60020`) {
		t.Fatalf("--trusted-ip not applied: %s", b)
	}
}

func TestNewCmdParsesFlags(t *testing.T) {
	f, _, _ := testFactory(t)
	var got *Options
	cmd := NewCmd(f, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--addr", "127.0.0.1:8399", "--token-ttl", "2m", "--trusted-ip", "10.0.0.1", "--trusted-ip", "10.0.0.0/8",
		"--fixtures", "corp.json", "--state", "kept.json", "--insecure-listen", "--allow-host", "sandbox", "--allow-host", "*.dev.example"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Addr != "127.0.0.1:8399" || got.TokenTTL != 2*time.Minute || !slices.Equal(got.TrustedIPs, []string{"10.0.0.1", "10.0.0.0/8"}) ||
		got.Fixtures != "corp.json" || got.State != "kept.json" || got.IO == nil || !got.InsecureListen ||
		!slices.Equal(got.AllowHosts, []string{"sandbox", "*.dev.example"}) {
		t.Fatalf("options %+v", got)
	}
	if l := got.listen(); !l.Public || l.Addr != "127.0.0.1:8399" || !slices.Equal(l.AllowHosts, got.AllowHosts) {
		t.Fatalf("listen options %+v", l)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	badJSON := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badJSON, []byte(`{"corps":[{"corpid":""}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// a state file and a replay directory another local user could write
	openState := filepath.Join(dir, "state.json")
	if err := os.WriteFile(openState, []byte(`{"format":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	openReplay := filepath.Join(dir, "replay")
	if err := os.Mkdir(openReplay, 0o700); err != nil {
		t.Fatal(err)
	}
	for p, mode := range map[string]os.FileMode{openState: 0o666, openReplay: 0o777} {
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--addr", "nonsense"}, 2, "use host:port"},
		{[]string{"--addr", ":8080"}, 2, "name the host"},
		{[]string{"--token-ttl", "0s"}, 2, "--token-ttl must be positive"},
		{[]string{"--trusted-ip", "not-an-ip"}, 2, "give an IP address or CIDR"},
		{[]string{"--fixtures", filepath.Join(dir, "missing.json")}, 2, "--fixtures"},
		{[]string{"--fixtures", badJSON}, 2, "corps[0].corpid: must not be empty"},
		{[]string{"--addr", busy.Addr().String()}, 1, "already in use: stop what listens there, or use --addr 127.0.0.1:0"},
		{[]string{"--addr", "127.0.0.1:99999"}, 2, "the port must be a number from 0 to 65535"},
		{[]string{"--addr", "127.0.0.1:http"}, 2, "the port must be a number"},
		// other machines reach it: the control API has no login, the demo secrets are public
		{[]string{"--addr", "0.0.0.0:0"}, 2, "--addr 0.0.0.0:0 is not a loopback address: anyone who reaches it can read the request log, inject faults and move the clock, and the demo secrets are public.\n  use --addr 127.0.0.1:0, or add --insecure-listen if you mean it"},
		{[]string{"--addr", "192.0.2.1:8399"}, 2, "add --insecure-listen if you mean it"},
		{[]string{"--allow-host", "http://sandbox:8399"}, 2, `--allow-host "http://sandbox:8399" is not a host name`},
		// the sandbox answers anyone who reaches it: the Host check stays on
		{[]string{"--allow-host", "*"}, 2, "--allow-host * would let every DNS-rebinding page use this server"},
		{[]string{"--state", openState}, 2, "fix: chmod go-w " + openState},
		{[]string{"--replay", openReplay}, 2, "chmod go-w " + openReplay},
		{[]string{"extra"}, 2, `unknown command "extra" for "sandbox"`},
		{[]string{"cdoe"}, 2, "Did you mean code?"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			f, out, _ := testFactory(t)
			cmd := NewCmd(f, nil)
			cmd.SetArgs(c.args)
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := cmd.ExecuteContext(ctx)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if got := cmdutil.ExitCode(err); c.code != 0 && got != c.code {
				t.Fatalf("exit code %d, want %d", got, c.code)
			}
			if out.String() != "" {
				t.Fatalf("nothing on stdout on failure, got %q", out.String())
			}
		})
	}
}

func TestHelpShowsDemoCredentials(t *testing.T) {
	f, _, _ := testFactory(t)
	cmd := NewCmd(f, nil)
	var help bytes.Buffer
	cmd.SetOut(&help)
	cmd.SetArgs([]string{"--help"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{wwsandbox.DemoCorpID, wwsandbox.DemoAppSecret, wwsandbox.DemoApp2Secret,
		wwsandbox.DemoContactSecret, wwsandbox.DemoMiniProgramSecret, "1000002", "张三", "/_sandbox/"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}
