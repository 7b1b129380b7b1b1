// Package oracle runs the official WeCom npm packages of test/oracle as
// independent oracles for the differential tests (go test -tags oracle):
// one node process per batch, one JSON line in and one out per request.
// They need node and test/oracle/node_modules (cd test/oracle && npm ci).
package oracle

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// The oracle scripts in test/oracle.
const (
	// Callback answers {op: encrypt|decrypt|sign, ...} with @wecom/crypto.
	Callback = "callback-oracle.js"
	// JSSDK answers {ticket, nonceStr, timestamp, url} with the signatures
	// of @wecom/jssdk and @wecom/crypto and the browser's form of the URL.
	JSSDK = "jssdk-oracle.js"
)

// maxLine bounds one answer: a 1 MB message encrypted is about 1.4 MB.
const maxLine = 64 << 20

// Run sends every request to one node process running script and returns
// its answers in order, each decoded into a Resp (the one type argument a
// caller writes: oracle.Run[map[string]string](t, oracle.Callback, reqs)). It fails the test when node cannot run the
// script, when an answer carries an "error", or when there is not exactly
// one answer per request.
func Run[Resp, Req any](t testing.TB, script string, reqs []Req) []Resp {
	t.Helper()
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, r := range reqs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("the oracle tests need node: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Dir = dir(t)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, stderr.String())
	}
	var res []Resp
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 1<<20), maxLine)
	for sc.Scan() {
		var failed struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &failed); err != nil {
			t.Fatalf("%s answer %d %.200q: %v", script, len(res)+1, sc.Text(), err)
		}
		if failed.Error != "" {
			t.Fatalf("%s answer %d: error %s", script, len(res)+1, failed.Error)
		}
		var r Resp
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s answer %d %.200q: %v", script, len(res)+1, sc.Text(), err)
		}
		res = append(res, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading %s's answers: %v", script, err)
	}
	if len(res) != len(reqs) {
		t.Fatalf("%s answered %d of %d requests", script, len(res), len(reqs))
	}
	return res
}

// dir is test/oracle in the repository the test runs in, with every
// package its package.json names installed.
func dir(t testing.TB) string {
	t.Helper()
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			t.Fatal("repository root (go.mod) not found above the test's directory")
		}
		root = parent
	}
	od := filepath.Join(root, "test", "oracle")
	b, err := os.ReadFile(filepath.Join(od, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatalf("test/oracle/package.json: %v", err)
	}
	for name := range pkg.Dependencies {
		if _, err := os.Stat(filepath.Join(od, "node_modules", name)); err != nil {
			t.Fatalf("%s is missing in test/oracle/node_modules: run npm ci there", name)
		}
	}
	return od
}
