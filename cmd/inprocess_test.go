//go:build keyring

package cmd

import (
	"path/filepath"
	"testing"

	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

// inProcess runs wwcli in this process against a sandbox on 127.0.0.1,
// with private config and cache dirs; extra adds or overrides variables.
type inProcess struct {
	srv *sandbox.Server
	env map[string]string
}

func newInProcess(t *testing.T, extra map[string]string) *inProcess {
	t.Helper()
	srv := sandbox.New(sandbox.Options{})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	env := map[string]string{
		"WWCLI_CONFIG_DIR": filepath.Join(dir, "config"),
		"WWCLI_CACHE_DIR":  filepath.Join(dir, "cache"),
		"WWCLI_BASE_URL":   base,
	}
	for k, v := range extra {
		env[k] = v
	}
	return &inProcess{srv: srv, env: env}
}

// run executes wwcli with stdin and returns its exit code, stdout and stderr.
func (p *inProcess) run(stdin string, args ...string) (code int, stdout, stderr string) {
	io, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	code = Run(args, io, func(k string) string { return p.env[k] })
	return code, out.String(), errOut.String()
}
