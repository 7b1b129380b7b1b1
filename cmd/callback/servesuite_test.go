package callback

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/callbackserve"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/suiteticket"
)

// suiteEnv: the sandbox suite's instruction-callback secrets, no receive
// id (--suite gives it), and a config dir the test can read.
func suiteEnv(t *testing.T) (map[string]string, string) {
	dir := t.TempDir()
	return map[string]string{credentials.EnvCallbackToken: sandbox.DemoSuiteToken, credentials.EnvCallbackAESKey: sandbox.DemoSuiteEncodingAESKey,
		"WWCLI_CONFIG_DIR": dir}, dir
}

// pushSuite POSTs plaintext to url sealed for receiveID, as WeCom does.
func pushSuite(t *testing.T, to, receiveID, plaintext string) (int, string) {
	t.Helper()
	q, body := sealPush(t, receiveID, plaintext)
	return postPush(t, to, q, body)
}

// sealPush seals plaintext for receiveID as WeCom does: the query
// (msg_signature, timestamp, nonce) and the XML body of one push.
func sealPush(t *testing.T, receiveID, plaintext string) (string, []byte) {
	t.Helper()
	c, err := cb.New(sandbox.DemoSuiteToken, sandbox.DemoSuiteEncodingAESKey, receiveID)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := c.Seal([]byte(plaintext), receiveID, nil, "", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	body, err := cb.RequestBody(cb.FormatXML, receiveID, "", sealed.Encrypt)
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"msg_signature": {sealed.MsgSignature}, "timestamp": {sealed.Timestamp}, "nonce": {sealed.Nonce}}
	return q.Encode(), body
}

// postPush POSTs one push (again, for a replay) and returns the answer.
func postPush(t *testing.T, to, query string, body []byte) (int, string) {
	t.Helper()
	res, err := http.Post(to+"?"+query, "application/xml", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// ticketEvent is a suite_ticket push of ticket made at Unix second pushedAt.
func ticketEvent(suiteID, ticket string, pushedAt int64) string {
	return "<xml><SuiteId><![CDATA[" + suiteID + "]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType>" +
		"<TimeStamp>" + strconv.FormatInt(pushedAt, 10) + "</TimeStamp><SuiteTicket><![CDATA[" + ticket + "]]></SuiteTicket></xml>"
}

func TestServeSuiteStoresTicketsAndLogsEvents(t *testing.T) {
	env, dir := suiteEnv(t)
	base, out, errOut := startServe(t, env, "--suite", sandbox.DemoSuiteID, "--path", "/suite/receive")
	to := base + "/suite/receive"
	for i, ticket := range []string{"ticket-one-0123456789", "ticket-two-0123456789"} {
		if status, body := pushSuite(t, to, sandbox.DemoSuiteID, ticketEvent(sandbox.DemoSuiteID, ticket, 1700000000+600*int64(i))); status != 200 || body != "success" {
			t.Fatalf("answer %d %q, want 200 success", status, body)
		}
	}
	const code = "AUTHCODE-0123456789-secret"
	for _, ev := range []string{
		"<xml><SuiteId>" + sandbox.DemoSuiteID + "</SuiteId><AuthCode>" + code + "</AuthCode><InfoType>create_auth</InfoType><TimeStamp>1700000000</TimeStamp><State>s1</State></xml>",
		"<xml><SuiteId>" + sandbox.DemoSuiteID + "</SuiteId><InfoType>change_auth</InfoType><TimeStamp>1700000000</TimeStamp><AuthCorpId>" + sandbox.DemoCorpID + "</AuthCorpId></xml>",
		"<xml><SuiteId>" + sandbox.DemoSuiteID + "</SuiteId><InfoType>cancel_auth</InfoType><TimeStamp>1700000000</TimeStamp><AuthCorpId>" + sandbox.DemoCorpID + "</AuthCorpId></xml>",
		"<xml><SuiteId>" + sandbox.DemoSuiteID + "</SuiteId><AuthCorpId>" + sandbox.DemoCorpID + "</AuthCorpId><InfoType>reset_permanent_code</InfoType><TimeStamp>1700000000</TimeStamp><AuthCode>" + code + "</AuthCode></xml>",
	} {
		if status, body := pushSuite(t, to, sandbox.DemoSuiteID, ev); status != 200 || body != "success" {
			t.Fatalf("answer %d %q", status, body)
		}
	}
	got, err := suiteticket.New(dir).Load(sandbox.DemoSuiteID)
	if err != nil || got.Value != "ticket-two-0123456789" {
		t.Fatalf("stored %+v, %v; want the latest push", got, err)
	}
	stdout := out.Wait(func(s string) bool { return strings.Count(s, "\n") >= 7 })
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 7 || lines[0] != to {
		t.Fatalf("stdout:\n%s", stdout)
	}
	var first callbackserve.SuiteEventLine
	if err := json.Unmarshal([]byte(lines[1]), &first); err != nil || first.InfoType != "suite_ticket" || !first.Stored || first.SuiteID != sandbox.DemoSuiteID {
		t.Fatalf("first line %s (%v)", lines[1], err)
	}
	if !strings.Contains(lines[3], `"state":"s1"`) || !strings.Contains(lines[4], `"auth_corp_id":"`+sandbox.DemoCorpID+`"`) {
		t.Fatalf("event lines:\n%s", stdout)
	}
	log := errOut.WaitFor("reset_permanent_code suite") // the last event: the log keeps their order
	for _, want := range []string{"suite_ticket suite " + sandbox.DemoSuiteID + " ticket tick…(21 bytes) — stored",
		"create_auth suite " + sandbox.DemoSuiteID + " auth_code AUTH…(26 bytes)", "change_auth suite " + sandbox.DemoSuiteID + " corp " + sandbox.DemoCorpID,
		"cancel_auth suite", "reset_permanent_code suite"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	for _, secret := range []string{"ticket-one-0123456789", "ticket-two-0123456789", code} {
		if strings.Contains(log, secret) || strings.Contains(stdout, secret) {
			t.Errorf("%q leaked:\nstdout %s\nstderr %s", secret, stdout, log)
		}
	}
}

// A message sealed for another receive id fails the -40005 check: the
// receive id of an instruction callback is the suite id.
func TestServeSuiteChecksReceiveID(t *testing.T) {
	env, dir := suiteEnv(t)
	base, _, errOut := startServe(t, env, "--suite", sandbox.DemoSuiteID)
	if status, _ := pushSuite(t, base+"/", sandbox.DemoCorpID, ticketEvent(sandbox.DemoSuiteID, "t1", 1700000000)); status != 400 {
		t.Fatalf("status %d, want 400", status)
	}
	if !strings.Contains(errOut.WaitFor("-40005"), "-40005") {
		t.Fatalf("log: %s", errOut.String())
	}
	// Not an instruction callback: logged, not stored, not "success".
	if status, body := pushSuite(t, base+"/", sandbox.DemoSuiteID, "<xml><MsgType>text</MsgType></xml>"); status != 502 || body == "success" {
		t.Fatalf("app message: %d %q", status, body)
	}
	if _, err := suiteticket.New(dir).Load(sandbox.DemoSuiteID); err != suiteticket.ErrNotFound {
		t.Fatalf("store: %v", err)
	}
}

func TestServeSuiteUsageErrors(t *testing.T) {
	env, _ := suiteEnv(t)
	execute(t, nil, env, "", "serve", "--suite", sandbox.DemoSuiteID, "--receive-id", sandbox.DemoCorpID).
		expect(t, 2, "", "--receive-id \""+sandbox.DemoCorpID+"\" and --suite")
	execute(t, nil, env, "", "serve", "--suite", sandbox.DemoSuiteID, "--forward-to", "http://127.0.0.1:1/").
		expect(t, 2, "", "--forward-to does not go with --suite")
	execute(t, nil, env, "", "serve", "--suite", "ww 1").expect(t, 2, "", "contains whitespace")
	execute(t, nil, env, "", "serve", "--exchange").expect(t, 2, "", "--exchange goes with --suite")
	// --exchange needs the suite's credentials up front: exit 4 before listening
	execute(t, nil, env, "", "serve", "--suite", sandbox.DemoSuiteID, "--exchange").expect(t, 4, "", "needs a suite")
	execute(t, nil, env, "", "serve", "--suite", sandbox.DemoSuiteID, "--addr", "256.0.0.1:1", "--insecure-listen").expect(t, 1, "", "cannot listen")
	execute(t, nil, map[string]string{}, "", "serve", "--suite", sandbox.DemoSuiteID).expect(t, 4, "", "no callback Token")
}

// URL verification of an instruction callback: WeCom signs and encrypts
// the echostr for the provider's corp id, not the suite id; the receive
// id is not checked on GET, the signature is.
func TestServeSuiteVerifiesURLWithProviderCorpID(t *testing.T) {
	env, _ := suiteEnv(t)
	base, _, errOut := startServe(t, env, "--suite", sandbox.DemoSuiteID)
	for _, rid := range []string{sandbox.DemoProviderCorpID, sandbox.DemoSuiteID} {
		c, err := cb.New(sandbox.DemoSuiteToken, sandbox.DemoSuiteEncodingAESKey, rid)
		if err != nil {
			t.Fatal(err)
		}
		echo, err := c.Seal([]byte("echo-"+rid), rid, nil, "", "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		q := url.Values{"msg_signature": {echo.MsgSignature}, "timestamp": {echo.Timestamp}, "nonce": {echo.Nonce}, "echostr": {echo.Encrypt}}
		res, err := http.Get(base + "/?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(body) != "echo-"+rid {
			t.Fatalf("receive id %s: %d %q\n%s", rid, res.StatusCode, body, errOut.String())
		}
	}
	// A wrong Token still fails.
	c, _ := cb.New("wrong-token", sandbox.DemoSuiteEncodingAESKey, sandbox.DemoProviderCorpID)
	echo, _ := c.Seal([]byte("x"), sandbox.DemoProviderCorpID, nil, "", "", time.Now())
	q := url.Values{"msg_signature": {echo.MsgSignature}, "timestamp": {echo.Timestamp}, "nonce": {echo.Nonce}, "echostr": {echo.Encrypt}}
	res, err := http.Get(base + "/?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Fatalf("wrong token: %d", res.StatusCode)
	}
}

// --receive-id "" with --suite skips the receive-id check of events.
func TestServeSuiteReceiveIDEmptySkipsCheck(t *testing.T) {
	env, dir := suiteEnv(t)
	base, _, _ := startServe(t, env, "--suite", sandbox.DemoSuiteID, "--receive-id", "")
	if status, body := pushSuite(t, base+"/", sandbox.DemoProviderCorpID, ticketEvent(sandbox.DemoSuiteID, "t-provider-0123", 1700000000)); status != 200 || body != "success" {
		t.Fatalf("answer %d %q", status, body)
	}
	if got, err := suiteticket.New(dir).Load(sandbox.DemoSuiteID); err != nil || got.Value != "t-provider-0123" {
		t.Fatalf("stored %+v %v", got, err)
	}
}

// The handler's own replay and retry rules (N7) are tested beside it, in
// pkg/callbackserve; the sandbox repro below runs them end to end.

// The audit's repro (N7) against the sandbox: its pushes go through a
// capturing proxy to `callback serve --suite`; after the clock moves 35
// minutes and a new push, the first captured push is POSTed again, to
// the same server and to a restarted one. The stored ticket stays the
// newer one, and the sandbox still gives a suite token for it (the old
// one would get 40085).
func TestServeSuiteSandboxReplay(t *testing.T) {
	env, dir := suiteEnv(t)
	base, _, errOut := startServe(t, env, "--suite", sandbox.DemoSuiteID)
	var mu sync.Mutex
	type captured struct {
		query string
		body  []byte
	}
	var pushes []captured
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		mu.Lock()
		pushes = append(pushes, captured{r.URL.RawQuery, body})
		mu.Unlock()
		res, err := http.Post(base+"/?"+r.URL.RawQuery, "application/xml", bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		w.WriteHeader(res.StatusCode)
		_, _ = io.Copy(w, res.Body)
	}))
	defer proxy.Close()
	srv := sandbox.New(sandbox.Options{})
	sbURL, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	storedPushes := func(n int) {
		t.Helper()
		if log := errOut.Wait(func(s string) bool { return strings.Count(s, "— stored for") >= n }); strings.Count(log, "— stored for") < n {
			t.Fatalf("want %d stored pushes:\n%s", n, log)
		}
	}
	if err := srv.SetSuiteCallback(sandbox.DemoSuiteID, proxy.URL+"/suite"); err != nil {
		t.Fatal(err)
	}
	storedPushes(1) // the sandbox pushes at once
	srv.Advance(35 * time.Minute)
	storedPushes(2) // the one due since
	store := suiteticket.New(dir)
	newer, err := store.Load(sandbox.DemoSuiteID)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	first := pushes[0]
	mu.Unlock()

	restarted, _, errOut2 := startServe(t, env, "--suite", sandbox.DemoSuiteID)
	for _, to := range []string{base, restarted} {
		if status, body := postPush(t, to+"/", first.query, first.body); status != 200 || body != "success" {
			t.Fatalf("replay to %s: %d %q", to, status, body)
		}
		if got, err := store.Load(sandbox.DemoSuiteID); err != nil || got.Value != newer.Value {
			t.Fatalf("the replay to %s rolled the ticket back (%v)\n%s\n%s", to, err, errOut.String(), errOut2.String())
		}
	}
	if !strings.Contains(errOut.WaitFor("repeated push"), "repeated push") ||
		!strings.Contains(errOut2.WaitFor("not stored: pushed at"), "not stored: pushed at") {
		t.Fatalf("logs:\n%s\n%s", errOut.String(), errOut2.String())
	}
	req := `{"suite_id":"` + sandbox.DemoSuiteID + `","suite_secret":"` + sandbox.DemoSuiteSecret + `","suite_ticket":"` + newer.Value + `"}`
	res, err := http.Post(sbURL+"/cgi-bin/service/get_suite_token", "application/json", strings.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(answer), `"suite_access_token"`) {
		t.Fatalf("get_suite_token with the stored ticket: %s", answer)
	}
}
