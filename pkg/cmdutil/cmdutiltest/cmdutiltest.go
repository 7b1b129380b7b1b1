// Package cmdutiltest builds Factories for tests that are sealed from the
// developer's machine: private config and cache dirs, the keyring off (or
// an in-memory one), buffers for the streams, and optionally a sandbox on
// 127.0.0.1 standing in for WeCom.
package cmdutiltest

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

// Harness is a test Factory with its environment and captured output.
type Harness struct {
	F           *cmdutil.Factory
	Env         map[string]string // what F.Getenv reads; tests may add to it
	In          *bytes.Buffer
	Out, ErrOut *bytes.Buffer
	Keyring     credstore.Store // the in-memory keyring F uses
}

// NewFactory returns a Harness whose config and cache live in t.TempDir(),
// with HOME and the XDG dirs pointing there too, WWCLI_KEYRING=off and an
// in-memory keyring, a 10s --timeout, and no terminal.
func NewFactory(t testing.TB) *Harness {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{
		"HOME":             filepath.Join(dir, "home"),
		"XDG_CONFIG_HOME":  filepath.Join(dir, "xdg-config"),
		"XDG_CACHE_HOME":   filepath.Join(dir, "xdg-cache"),
		"WWCLI_CONFIG_DIR": filepath.Join(dir, "config"),
		"WWCLI_CACHE_DIR":  filepath.Join(dir, "cache"),
		"WWCLI_KEYRING":    "off",
	}
	io, in, out, errOut := iostreams.Test()
	kr := credstore.NewMemory()
	f := &cmdutil.Factory{
		IO:      io,
		Getenv:  func(k string) string { return env[k] },
		Now:     time.Now,
		Keyring: kr,
		Global:  cmdutil.GlobalFlags{Timeout: 10 * time.Second},
	}
	t.Cleanup(f.Close)
	return &Harness{F: f, Env: env, In: in, Out: out, ErrOut: errOut, Keyring: kr}
}

// StartSandbox starts a sandbox on 127.0.0.1 for the test, points the
// harness at it (WWCLI_BASE_URL) and returns it with its base URL.
func (h *Harness) StartSandbox(t testing.TB, opts sandbox.Options) (*sandbox.Server, string) {
	t.Helper()
	srv, url := StartSandbox(t, opts)
	h.Env["WWCLI_BASE_URL"] = url
	h.F.Global.BaseURL = url
	return srv, url
}

// StartSandbox starts a sandbox on 127.0.0.1:0, closed when the test ends.
func StartSandbox(t testing.TB, opts sandbox.Options) (*sandbox.Server, string) {
	t.Helper()
	srv := sandbox.New(opts)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("starting the sandbox: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv, url
}
