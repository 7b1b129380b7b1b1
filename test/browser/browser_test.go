//go:build browser

package browser

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wwcli/wwcli/internal/testutil"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

var (
	wwcliBin string // built once by TestMain
	repoRoot string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wwcli-browser-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	repoRoot, _ = filepath.Abs("../..")
	wwcliBin = filepath.Join(dir, "wwcli")
	build := exec.Command("go", "build", "-o", wwcliBin, ".")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building wwcli: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// chromiumPath is WWCLI_CHROMIUM, else the first Chromium on PATH.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("WWCLI_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found: apt-get install -y chromium (or set WWCLI_CHROMIUM)")
	return ""
}

// newBrowser is a headless Chromium with a window big enough for the
// console; everything it does is bounded by the returned context.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1440, 1100),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// The browser lives as long as this context: it bounds the whole test.
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", chromiumPath(t), err)
	}
	return ctx
}

// env is a sealed environment for the wwcli binary: its own HOME,
// config and cache dirs, no keyring, the sandbox as API host.
func env(t *testing.T, base string, extra ...string) []string {
	t.Helper()
	dir := t.TempDir()
	e := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LANG=C.UTF-8",
		"WWCLI_CONFIG_DIR=" + filepath.Join(dir, "config"), "WWCLI_CACHE_DIR=" + filepath.Join(dir, "cache"),
		"WWCLI_KEYRING=off", "NO_COLOR=1", "WWCLI_BASE_URL=" + base}
	return append(e, extra...)
}

func wwcli(t *testing.T, environ []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, wwcliBin, args...)
	cmd.Env = environ
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("wwcli %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// startServer runs a wwcli server and returns the first stdout line (its
// base URL); SIGTERM stops it when the test ends.
func startServer(t *testing.T, environ []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(wwcliBin, args...)
	cmd.Env = environ
	var stderr testutil.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("wwcli %s after SIGTERM: %v\n%s", strings.Join(args, " "), err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("wwcli %s did not stop within 10s of SIGTERM", strings.Join(args, " "))
		}
		t.Logf("wwcli %s stderr:\n%s", strings.Join(args, " "), stderr.String())
	})
	first := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		line, _ := r.ReadString('\n')
		first <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, r)
	}()
	select {
	case base := <-first:
		if !strings.HasPrefix(base, "http://127.0.0.1:") {
			t.Fatalf("wwcli %s: first stdout line %q\n%s", strings.Join(args, " "), base, stderr.String())
		}
		return base
	case <-time.After(15 * time.Second):
		t.Fatalf("wwcli %s printed no base URL within 15s\n%s", strings.Join(args, " "), stderr.String())
	}
	return ""
}

func startSandbox(t *testing.T) (*sandbox.Server, string) {
	t.Helper()
	srv := sandbox.New(sandbox.Options{})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv, base
}

// ticketRecorder is a proxy to the sandbox that remembers the last
// ticket of each kind it handed out, so the page can recompute signatures
// with @wecom/jssdk (the ticket reaches this test page only, never a real one).
type ticketRecorder struct {
	mu      sync.Mutex
	tickets map[string]string
}

func (tr *ticketRecorder) start(t *testing.T, sandboxURL string) string {
	t.Helper()
	target, _ := url.Parse(sandboxURL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(res *http.Response) error {
		kind := map[string]string{"/cgi-bin/get_jsapi_ticket": "corp", "/cgi-bin/ticket/get": "agent"}[res.Request.URL.Path]
		if kind == "" {
			return nil
		}
		body, err := io.ReadAll(res.Body)
		if err != nil {
			return err
		}
		res.Body = io.NopCloser(bytes.NewReader(body))
		var m struct{ Ticket string }
		_ = json.Unmarshal(body, &m)
		tr.mu.Lock()
		tr.tickets[kind] = m.Ticket
		tr.mu.Unlock()
		return nil
	}
	ps := httptest.NewServer(proxy)
	t.Cleanup(ps.Close)
	return ps.URL
}

func (tr *ticketRecorder) ticket(kind string) string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.tickets[kind]
}

// screenshotDir is WWCLI_SCREENSHOT_DIR (.ci/run sets .ci/screenshots/),
// else a temporary directory.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("WWCLI_SCREENSHOT_DIR")
	if dir == "" {
		return t.TempDir()
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(repoRoot, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 = PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot %s is not a PNG", name)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", p, len(png))
}
