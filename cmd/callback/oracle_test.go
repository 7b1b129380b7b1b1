//go:build oracle

package callback

import (
	"bytes"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/internal/testutil/oracle"
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
	encrypted := oracle.Run[map[string]string](t, oracle.Callback, reqs)
	reqs = reqs[:0]
	for i, p := range pushes {
		reqs = append(reqs, map[string]string{"op": "sign", "token": sandbox.DemoSuiteToken, "timestamp": p.timestamp,
			"nonce": p.nonce, "encrypt": encrypted[i]["encrypt"]})
	}
	signatures := oracle.Run[map[string]string](t, oracle.Callback, reqs)

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
	log := errOut.Wait(func(s string) bool { return strings.Count(s, "suite_ticket suite "+sandbox.DemoSuiteID) >= n })
	if strings.Count(log, "suite_ticket suite "+sandbox.DemoSuiteID) != n {
		t.Fatalf("want %d log lines:\n%s", n, log)
	}
}
