//go:build oracle

package sandbox

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/wwcli/wwcli/internal/testutil/oracle"
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
	res := oracle.Run[map[string]string](t, oracle.Callback, reqs)
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
