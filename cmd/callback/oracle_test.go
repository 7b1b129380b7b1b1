//go:build oracle

package callback

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/suiteticket"
)

// Differential test against the official @wecom/crypto, run with
//
//	go test -tags oracle ./cmd/callback/
//
// (needs node and test/oracle/node_modules): suite_ticket pushes encrypted
// and signed by @wecom/crypto, with the suite id as receive id, are
// decrypted by `callback serve --suite`, answered "success", and stored.
func TestOracleSuiteTicketPushes(t *testing.T) {
	const n = 60
	r := rand.New(rand.NewPCG(20261202, 11))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	type push struct{ ticket, timestamp, nonce, plaintext string }
	pushes := make([]push, n)
	var reqs []map[string]string
	for i := range pushes {
		ticket := make([]byte, 1+r.IntN(cb.MaxSuiteTicketLen))
		for j := range ticket {
			ticket[j] = alphabet[r.IntN(len(alphabet))]
		}
		random := make([]byte, 16)
		for j := range random {
			random[j] = byte(r.IntN(256))
		}
		p := push{ticket: string(ticket), timestamp: strconv.Itoa(1700000000 + i), nonce: strconv.Itoa(r.IntN(1 << 30))}
		p.plaintext = ticketEvent(sandbox.DemoSuiteID, p.ticket, int64(1700000000+i))
		pushes[i] = p
		reqs = append(reqs, map[string]string{"op": "encrypt", "key": sandbox.DemoSuiteEncodingAESKey, "message": p.plaintext,
			"id": sandbox.DemoSuiteID, "random_hex": hex.EncodeToString(random)})
	}
	encrypted := runCryptoOracle(t, reqs)
	reqs = reqs[:0]
	for i, p := range pushes {
		reqs = append(reqs, map[string]string{"op": "sign", "token": sandbox.DemoSuiteToken, "timestamp": p.timestamp,
			"nonce": p.nonce, "encrypt": encrypted[i]["encrypt"]})
	}
	signatures := runCryptoOracle(t, reqs)

	env, dir := suiteEnv(t)
	base, _, errOut := startServe(t, env, "--suite", sandbox.DemoSuiteID)
	store := suiteticket.New(dir)
	for i, p := range pushes {
		body, err := cb.RequestBody(cb.FormatXML, sandbox.DemoSuiteID, "", encrypted[i]["encrypt"])
		if err != nil {
			t.Fatal(err)
		}
		q := url.Values{"msg_signature": {signatures[i]["signature"]}, "timestamp": {p.timestamp}, "nonce": {p.nonce}}
		res, err := http.Post(base+"/?"+q.Encode(), "application/xml", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(answer) != "success" {
			t.Fatalf("push %d: %d %q\n%s", i, res.StatusCode, answer, errOut.String())
		}
		got, err := store.Load(sandbox.DemoSuiteID)
		if err != nil || got.Value != p.ticket {
			t.Fatalf("push %d: stored %q, %v; want the pushed ticket", i, got.Value, err)
		}
	}
	log := waitOut(t, errOut, func(s string) bool { return strings.Count(s, "suite_ticket suite "+sandbox.DemoSuiteID) >= n })
	if strings.Count(log, "suite_ticket suite "+sandbox.DemoSuiteID) != n {
		t.Fatalf("want %d log lines:\n%s", n, log)
	}
}

// runCryptoOracle sends every request to one node process running the
// @wecom/crypto oracle and returns the answers in order.
func runCryptoOracle(t *testing.T, reqs []map[string]string) []map[string]string {
	t.Helper()
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, r := range reqs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir, _ := filepath.Abs(filepath.Join("..", "..", "test", "oracle"))
	cmd := exec.CommandContext(ctx, "node", "callback-oracle.js")
	cmd.Dir = dir
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node oracle: %v\n%s", err, stderr.String())
	}
	var res []map[string]string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var m map[string]string
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if m["error"] != "" {
			t.Fatalf("oracle error: %s", m["error"])
		}
		res = append(res, m)
	}
	if len(res) != len(reqs) {
		t.Fatalf("oracle answered %d of %d requests", len(res), len(reqs))
	}
	return res
}
