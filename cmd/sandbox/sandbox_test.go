package sandbox

import (
	"bytes"
	"context"
	"errors"
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

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	wwsandbox "github.com/wwcli/wwcli/pkg/sandbox"
)

// syncBuffer is written by the server goroutine and read by the test.
type syncBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan string
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{lines: make(chan string, 16)} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	for _, l := range strings.SplitAfter(string(p), "\n") {
		if strings.HasSuffix(l, "\n") {
			select {
			case b.lines <- strings.TrimSpace(l):
			default:
			}
		}
	}
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func testFactory(t *testing.T) (*cmdutil.Factory, *syncBuffer, *syncBuffer) {
	h := cmdutiltest.NewFactory(t)
	out, errOut := newSyncBuffer(), newSyncBuffer()
	h.F.IO.Out, h.F.IO.ErrOut = out, errOut
	return h.F, out, errOut
}

// startCmd runs `wwcli sandbox args...` until the returned cancel is called.
func startCmd(t *testing.T, args ...string) (base string, cancel func() error, errOut *syncBuffer) {
	t.Helper()
	f, out, errOut := testFactory(t)
	cmd := NewCmd(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	ctx, stop := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- cmd.ExecuteContext(ctx) }()
	select {
	case base = <-out.lines:
	case err := <-result:
		stop()
		t.Fatalf("sandbox exited early: %v (stderr %s)", err, errOut.String())
	case <-time.After(30 * time.Second):
		stop()
		t.Fatal("no base URL on stdout within 30s")
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
		o.Terminated = func() (<-chan os.Signal, func()) { return term, func() { released = true } }
		return run(ctx, o)
	})
	cmd.SetArgs(nil)
	result := make(chan error, 1)
	go func() { result <- cmd.Execute() }()
	var base string
	select {
	case base = <-out.lines:
	case <-time.After(30 * time.Second):
		t.Fatal("no base URL on stdout within 30s")
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
		"--fixtures", "corp.json", "--state", "kept.json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Addr != "127.0.0.1:8399" || got.TokenTTL != 2*time.Minute || !slices.Equal(got.TrustedIPs, []string{"10.0.0.1", "10.0.0.0/8"}) ||
		got.Fixtures != "corp.json" || got.State != "kept.json" || got.IO == nil {
		t.Fatalf("options %+v", got)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	badJSON := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badJSON, []byte(`{"corps":[{"corpid":""}]}`), 0o600); err != nil {
		t.Fatal(err)
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

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{"127.0.0.1": true, "::1": true, "localhost": true, "127.8.0.1": true,
		"0.0.0.0": false, "192.168.1.4": false, "example.com": false} {
		if isLoopback(host) != want {
			t.Errorf("isLoopback(%q) = %v", host, !want)
		}
	}
}
