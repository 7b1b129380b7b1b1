package verifydomain

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
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

func execCmd(t *testing.T, ctx context.Context, env map[string]string, args ...string) result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Getenv: func(k string) string { return env[k] }, Global: cmdutil.GlobalFlags{Timeout: 5 * time.Second}}
	cmd := NewCmd(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(errOut)
	cmd.SetErr(errOut)
	err := cmd.ExecuteContext(ctx)
	return result{out.String(), errOut.String(), cmdutil.ExitCode(err), err}
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

func TestBadTestCAFile(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(bad, []byte("not pem"), 0o600)
	r := execCmd(t, context.Background(), map[string]string{testCAEnv: bad}, "example.com", "--name", name)
	if r.code != cmdutil.ExitFailure || !strings.Contains(r.err.Error(), "no PEM certificate") {
		t.Errorf("code %d err %v", r.code, r.err)
	}
}
