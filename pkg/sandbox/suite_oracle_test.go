//go:build oracle

package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/callback"
)

// The sandbox's pushes open with the official @wecom/crypto (test/oracle):
// its signature over the envelope matches msg_signature, and its decrypt
// gives the documented XML for receive id = the suite id.
func TestSuitePushesOpenWithWecomCrypto(t *testing.T) {
	type captured struct{ query, body string }
	got := make(chan captured, 16)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- captured{r.URL.RawQuery, string(b)}
		_, _ = io.WriteString(w, "success")
	}))
	defer recv.Close()
	e := newEnv(t, Options{})
	for _, id := range []string{DemoSuiteID, DemoTemplateID} {
		if err := e.s.SetSuiteCallback(id, recv.URL+"/cb"); err != nil {
			t.Fatal(err)
		}
	}
	var want []captured
	collect := func(n int) {
		deadline := time.After(20 * time.Second)
		for stop := len(want) + n; len(want) < stop; {
			select {
			case c := <-got:
				want = append(want, c)
			case <-deadline:
				t.Fatalf("only %d pushes arrived", len(want))
			}
		}
	}
	collect(2)                                    // the first suite_ticket of each
	e.install(DemoTemplateID, DemoTemplateSecret) // a suite_ticket, then create_auth
	e.control("/_sandbox/suite/reset_permanent_code", map[string]string{}, 200)
	collect(3)

	var reqs []map[string]string
	for _, c := range want {
		env, err := callback.ParseEnvelope([]byte(c.body))
		if err != nil {
			t.Fatal(err)
		}
		q, _ := urlQuery(c.query)
		reqs = append(reqs,
			map[string]string{"op": "sign", "token": DemoSuiteToken, "timestamp": q["timestamp"], "nonce": q["nonce"], "encrypt": env.Encrypt},
			map[string]string{"op": "decrypt", "key": DemoSuiteEncodingAESKey, "encrypt": env.Encrypt})
	}
	res := runCryptoOracle(t, reqs)
	for i, c := range want {
		q, _ := urlQuery(c.query)
		if res[2*i]["signature"] != q["msg_signature"] {
			t.Errorf("push %d: @wecom/crypto signs %s, the sandbox sent %s", i, res[2*i]["signature"], q["msg_signature"])
		}
		dec := res[2*i+1]
		f := callback.Fields([]byte(dec["message"]))
		if dec["id"] != f["SuiteId"] || (dec["id"] != DemoSuiteID && dec["id"] != DemoTemplateID) || f["InfoType"] == "" {
			t.Errorf("push %d decrypts to id %q, message %s", i, dec["id"], dec["message"])
		}
	}
}

func urlQuery(raw string) (map[string]string, error) {
	v, err := url.ParseQuery(raw)
	m := map[string]string{}
	for k := range v {
		m[k] = v.Get(k)
	}
	return m, err
}

// runCryptoOracle sends each request to test/oracle/callback-oracle.js.
func runCryptoOracle(t *testing.T, reqs []map[string]string) []map[string]string {
	t.Helper()
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, r := range reqs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
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
