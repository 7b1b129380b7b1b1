package verifydomain

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/internal/testutil"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
)

const (
	name  = "WW_verify_AbCdEfGh12345678.txt"
	token = "AbCdEfGh12345678"
)

type result struct {
	out, errOut string
	code        int
	err         error
}

// execCmd runs `verify-domain args...` through cobra; setup may adjust the
// streams and the parsed Options (trusted roots) before run.
func execCmd(t *testing.T, ctx context.Context, setup func(*Options), args ...string) result {
	t.Helper()
	h := cmdutiltest.NewFactory(t)
	h.F.Global.Timeout = 5 * time.Second
	cmd := NewCmd(h.F, func(ctx context.Context, o *Options) error {
		if setup != nil {
			setup(o)
		}
		return run(ctx, o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(h.ErrOut)
	cmd.SetErr(h.ErrOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(ctx)
	return result{h.Out.String(), h.ErrOut.String(), cmdutil.ExitCode(err), err}
}

func TestNewCmdParsesFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	h.F.Global.Timeout = 3 * time.Second
	var got *Options
	cmd := NewCmd(h.F, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"app.example.com:8443", "--name", name, "--content", "", "--scheme", "https", "--insecure", "--write", "web", "--jq", ".ok"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Host != "app.example.com:8443" || got.Name != name || !got.ContentSet || got.Content != "" || got.Scheme != "https" ||
		!got.Insecure || got.WriteDir != "web" || got.Timeout != 3*time.Second || !got.Exporter.Enabled() || got.RootCAs != nil {
		t.Fatalf("parsed %+v", got)
	}
	cmd = NewCmd(h.F, func(context.Context, *Options) error { t.Fatal("run with a bad --jq"); return nil })
	cmd.SetArgs([]string{"example.com", "--name", name, "--jq", ".["})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("bad --jq: %v", err)
	}
}

func serve(t *testing.T, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestJSONShape(t *testing.T) {
	host := serve(t, token)
	// localhost: the DNS detail reads "localhost -> 127.0.0.1", which
	// HTML escaping would spoil.
	host = "localhost" + strings.TrimPrefix(host, "127.0.0.1")
	r := execCmd(t, context.Background(), nil, host, "--name", name, "--scheme", "http", "--json")
	if r.code != 0 {
		t.Fatalf("code %d: %s", r.code, r.errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.out), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.out)
	}
	if got["host"] != host || got["name"] != name || got["ok"] != true {
		t.Errorf("top level %v", got)
	}
	checks := got["checks"].([]any)
	first := checks[0].(map[string]any)
	for _, k := range []string{"url", "check", "ok", "level", "detail"} {
		if _, ok := first[k]; !ok {
			t.Errorf("check lacks %q: %v", k, first)
		}
	}
	if strings.Contains(r.errOut, "Status:") {
		t.Errorf("--json also printed the human list: %s", r.errOut)
	}
	if strings.Count(r.out, "\n") != 1 || !strings.Contains(r.out, `"detail":"localhost -> 127.0.0.1`) {
		t.Errorf("piped --json must be one compact line without HTML escaping: %s", r.out)
	}
}

func TestWriteCreatesExactFile(t *testing.T) {
	dir := t.TempDir()
	host := serve(t, token)
	r := execCmd(t, context.Background(), nil, host, "--name", name, "--scheme", "http", "--write", dir)
	if r.code != 0 {
		t.Fatalf("code %d: %s", r.code, r.errOut)
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil || string(data) != token {
		t.Fatalf("file = %q, %v; want the token with no newline", data, err)
	}
	// The same content again is fine; different content is refused.
	if r := execCmd(t, context.Background(), nil, host, "--name", name, "--scheme", "http", "--write", dir); r.code != 0 || !strings.Contains(r.errOut, "already holds the expected content") {
		t.Errorf("rewrite same: code %d, %s", r.code, r.errOut)
	}
	r = execCmd(t, context.Background(), nil, host, "--name", name, "--content", "other", "--scheme", "http", "--write", dir)
	if r.code != cmdutil.ExitFailure || !strings.Contains(r.err.Error(), "refusing to overwrite") {
		t.Errorf("overwrite different: code %d, err %v", r.code, r.err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, name)); string(data) != token {
		t.Errorf("file changed to %q", data)
	}
}

func TestWriteUsesFileBytes(t *testing.T) {
	src := filepath.Join(t.TempDir(), name)
	content := []byte(token + "\r\n")
	if err := os.WriteFile(src, content, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	host := serve(t, token)
	r := execCmd(t, context.Background(), nil, host, "--file", src, "--scheme", "http", "--write", dir)
	// The served token lacks the file's CRLF: the check fails, and says why.
	if r.code != cmdutil.ExitFailure || !strings.Contains(r.errOut, "not the token of its name: a trailing CRLF") {
		t.Errorf("code %d: %s", r.code, r.errOut)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, name)); !bytes.Equal(data, content) {
		t.Errorf("written %q, want the --file bytes %q", data, content)
	}
}

func TestInterruptIsNotAFailedCheck(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := execCmd(t, ctx, nil, serve(t, token), "--name", name, "--scheme", "http")
	if r.err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled (root maps it to exit 130)", r.err)
	}
}

func TestTrustedRootsComeFromOptions(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(token))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the plain-http probe of --scheme both
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	trust := func(o *Options) { o.RootCAs = pool }
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]

	r := execCmd(t, context.Background(), trust, "127.0.0.1:"+port, "--name", name, "--scheme", "https", "--json")
	if r.code != 0 || !strings.Contains(r.out, `"detail":"certificate valid for 127.0.0.1, issued by `) {
		t.Errorf("trusted: code %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	// The certificate covers 127.0.0.1 and example.com, not localhost.
	r = execCmd(t, context.Background(), trust, "localhost:"+port, "--name", name, "--scheme", "https")
	if r.code != cmdutil.ExitFailure || !strings.Contains(r.errOut, "fail TLS: certificate is not valid for localhost (it covers example.com") {
		t.Errorf("wrong host: code %d\n%s", r.code, r.errOut)
	}
	// Both schemes on one port: https passes, http does not.
	r = execCmd(t, context.Background(), trust, "127.0.0.1:"+port, "--name", name)
	if r.code != 0 || !strings.Contains(r.errOut, "ok Verified: "+name+" is served correctly over https\n") || strings.Contains(r.errOut, "only http passes") {
		t.Errorf("both: code %d\n%s", r.code, r.errOut)
	}
	// Without the roots the system does not know the test CA.
	r = execCmd(t, context.Background(), nil, "127.0.0.1:"+port, "--name", name, "--scheme", "https")
	if r.code != cmdutil.ExitFailure || !strings.Contains(r.errOut, "unknown authority") {
		t.Errorf("untrusted: code %d\n%s", r.code, r.errOut)
	}
}

func TestInsecureIsNeverVerified(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(token)) }))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "https://")
	r := execCmd(t, context.Background(), nil, host, "--name", name, "--scheme", "https", "--insecure")
	if r.code != cmdutil.ExitFailure || strings.Contains(r.errOut, "ok Verified") ||
		!strings.Contains(r.errOut, "ok Body: exactly the expected content") ||
		!strings.Contains(r.errOut, "fail Not verified: "+name+" is served over https only with --insecure: WeCom rejects the certificate") {
		t.Errorf("code %d\n%s", r.code, r.errOut)
	}
	r = execCmd(t, context.Background(), nil, host, "--name", name, "--scheme", "https", "--insecure", "--json")
	if r.code != cmdutil.ExitFailure || !strings.Contains(r.out, `"ok":false`) || !strings.Contains(r.out, `"schemes":[{"scheme":"https","url":"https://`+host+"/"+name+`","ok":false}]`) {
		t.Errorf("json: code %d\n%s", r.code, r.out)
	}
}

func TestProgressOnATerminal(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		<-release
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(token))
	}))
	defer srv.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	host := strings.TrimPrefix(srv.URL, "http://")
	errOut := &testutil.Buffer{} // stderr, read while the command writes it
	done := make(chan result, 1)
	go func() {
		done <- execCmd(t, context.Background(), func(o *Options) {
			o.IO.ErrOut = errOut
			o.IO.SetStderrTTY(true)
			o.IO.SetColorDisabled(true)
		}, host, "--name", name, "--scheme", "http")
	}()
	// The steps before the answer show up while the server still holds it.
	if progress := errOut.WaitFor("http  ok Connect: connected to " + host + "\n"); !strings.Contains(progress, "http  ok Connect: connected to "+host+"\n") {
		t.Fatalf("no progress line before the answer: %q", progress)
	}
	close(release)
	r := <-done
	out := errOut.String()
	if r.code != 0 || !strings.Contains(out, "http  ok Body: exactly the expected content") || !strings.Contains(out, "ok Verified") ||
		strings.Contains(out, "\n"+srv.URL+"/"+name+"\n") || strings.Count(out, "Connect:") != 1 {
		t.Errorf("code %d: %q", r.code, out)
	}
}

func TestNoProgressWhenPiped(t *testing.T) {
	r := execCmd(t, context.Background(), nil, serve(t, token), "--name", name, "--scheme", "http")
	if r.code != 0 || strings.Contains(r.errOut, "http  ok") || !strings.HasPrefix(r.errOut, "http://127.0.0.1:") {
		t.Errorf("code %d: %q", r.code, r.errOut)
	}
}

func TestHugeHostIsNotEchoed(t *testing.T) {
	r := execCmd(t, context.Background(), nil, strings.Repeat("a", 120<<10), "--name", name)
	if r.code != cmdutil.ExitUsage || len(r.err.Error()) > 200 || !strings.Contains(r.err.Error(), "a host name has at most 253") {
		t.Errorf("code %d, %d bytes: %.300v", r.code, len(r.err.Error()), r.err)
	}
}
