package callbackserve

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/internal/testutil"
	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/suite"
	"github.com/wwcli/wwcli/pkg/suiteticket"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// suiteServer serves suiteID's instruction callback with a ticket store in
// a directory of its own.
func suiteServer(t *testing.T, ex *Exchange) (to, dir string, out, log *testutil.Buffer) {
	t.Helper()
	dir = t.TempDir()
	base, _, out, log := testServer(t, Options{Crypter: crypter(t, suiteID),
		Suite: &Suite{ID: suiteID, Tickets: suiteticket.New(dir), VerifyCrypter: crypter(t, ""), Exchange: ex}})
	return base + "/", dir, out, log
}

// N7: a replayed old suite_ticket push must not roll the stored ticket
// back. Push 1, push 2 (newer), then push 1 again: exactly as captured
// (a repeat of a handled push) and sealed afresh (what a replay looks
// like once the repeat is forgotten, e.g. after a restart). Both are
// answered "success" (WeCom must not retry) and neither is stored.
func TestSuiteKeepsTheNewerTicketAgainstReplays(t *testing.T) {
	to, dir, out, log := suiteServer(t, nil)
	store := suiteticket.New(dir)
	const t0 = 1700000000
	stored := func(want string) {
		t.Helper()
		if got, err := store.Load(suiteID); err != nil || got.Value != want {
			t.Fatalf("stored %q (%v), want %q\n%s", got.Value, err, want, log.String())
		}
	}
	success := func(what string, status int, body string) {
		t.Helper()
		if status != 200 || body != "success" {
			t.Fatalf("%s: answer %d %q, want 200 success", what, status, body)
		}
	}
	q1, b1 := seal(t, suiteID, ticketEvent(suiteID, "ticket-one-0123456789", t0))
	status, body := post(t, to, q1, b1)
	success("push 1", status, body)
	stored("ticket-one-0123456789")
	status, body = push(t, to, suiteID, ticketEvent(suiteID, "ticket-two-0123456789", t0+600))
	success("push 2", status, body)
	stored("ticket-two-0123456789")

	status, body = post(t, to, q1, b1)
	success("push 1 replayed as captured", status, body)
	stored("ticket-two-0123456789")
	if l := log.WaitFor("repeated push"); !strings.Contains(l, "repeated push (msg_signature ") ||
		!strings.Contains(l, `already handled: answered "success", not handled again`) {
		t.Fatalf("no log line for the repeat:\n%s", l)
	}

	status, body = push(t, to, suiteID, ticketEvent(suiteID, "ticket-one-0123456789", t0))
	success("push 1 sealed afresh", status, body)
	stored("ticket-two-0123456789")
	if l := log.WaitFor("not stored: pushed at"); !strings.Contains(l, "not stored: pushed at 2023-11-14T22:13:20Z, not after the stored ticket's push at 2023-11-14T22:23:20Z (a replayed or late push)") {
		t.Fatalf("no log line for the old push:\n%s", l)
	}
	// The same TimeStamp is not newer either.
	status, body = push(t, to, suiteID, ticketEvent(suiteID, "ticket-same-0123456789", t0+600))
	success("push at the stored TimeStamp", status, body)
	stored("ticket-two-0123456789")
	// A newer push is stored as ever.
	status, body = push(t, to, suiteID, ticketEvent(suiteID, "ticket-three-0123456789", t0+1200))
	success("push 3", status, body)
	stored("ticket-three-0123456789")

	// One stdout line per push handled, none for the repeat; the refused
	// ones say "stored":false.
	stdout := out.Wait(func(s string) bool { return strings.Count(s, "\n") >= 5 })
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 5 {
		t.Fatalf("stdout:\n%s", stdout)
	}
	for i, want := range []bool{true, true, false, false, true} {
		var l SuiteEventLine
		if err := json.Unmarshal([]byte(lines[i]), &l); err != nil || l.Stored != want {
			t.Errorf("line %d %s: stored %v, want %v (%v)", i, lines[i], l.Stored, want, err)
		}
	}
}

// A push that could not be handled (here the store refused a shared
// config dir: 502) is not remembered: WeCom's retry, the same request, is
// handled once the problem is fixed.
func TestSuiteHandlesTheRetryOfAFailedPush(t *testing.T) {
	to, dir, _, log := suiteServer(t, nil)
	q, b := seal(t, suiteID, ticketEvent(suiteID, "ticket-retried-0123456789", 1700000000))
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if status, _ := post(t, to, q, b); status != 502 {
		t.Fatalf("store refused: answer %d, want 502\n%s", status, log.String())
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if status, body := post(t, to, q, b); status != 200 || body != "success" {
		t.Fatalf("retry: %d %q", status, body)
	}
	if got, err := suiteticket.New(dir).Load(suiteID); err != nil || got.Value != "ticket-retried-0123456789" {
		t.Fatalf("the retry was not stored: %+v %v\n%s", got, err, log.String())
	}
}

// fakeAPI answers get_permanent_code; each call says it entered, then
// waits for release.
type fakeAPI struct {
	suite.API // the other calls are not made here
	entered   chan struct{}
	release   chan struct{}
	fail      bool // set before serving
}

func newFakeAPI(fail bool) *fakeAPI {
	return &fakeAPI{entered: make(chan struct{}, 64), release: make(chan struct{}), fail: fail}
}

func (f *fakeAPI) GetPermanentCode(_ context.Context, tok, code string, v2 bool) (wecom.PermanentCode, error) {
	f.entered <- struct{}{}
	<-f.release
	if f.fail || tok != "SUITE_TOKEN" || v2 {
		return wecom.PermanentCode{}, errors.New("errcode 40078: invalid auth_code")
	}
	return wecom.PermanentCode{PermanentCode: "PERMANENT-" + code, AuthCorpInfo: wecom.AuthCorpInfo{CorpID: "wwcorp1", CorpName: "Corp\x1b[2J"}}, nil
}

func newExchange(api *fakeAPI, stored chan [3]string) *Exchange {
	return &Exchange{
		Suite: &suite.Suite{ID: suiteID, API: api, WithToken: func(ctx context.Context, fn func(string) error) error { return fn("SUITE_TOKEN") }},
		Store: func(_ context.Context, s, corp, code string) error { stored <- [3]string{s, corp, code}; return nil },
	}
}

func authEvent(infoType, code string) string {
	return "<xml><SuiteId>" + suiteID + "</SuiteId><AuthCode>" + code + "</AuthCode><InfoType>" + infoType + "</InfoType><TimeStamp>1700000000</TimeStamp><AuthCorpId>wwcorp1</AuthCorpId></xml>"
}

// --exchange: a pushed auth code is answered "success" first, then
// exchanged and its permanent code stored; the log names the corp and
// never the codes.
func TestSuiteExchangesPushedAuthCodes(t *testing.T) {
	api := newFakeAPI(false)
	stored := make(chan [3]string, 4)
	to, _, _, log := suiteServer(t, newExchange(api, stored))
	const code = "AUTHCODE-0123456789-secret"
	// Answered while the exchange is still held back: it comes after.
	if status, body := push(t, to, suiteID, authEvent("create_auth", code)); status != 200 || body != "success" {
		t.Fatalf("create_auth: %d %q", status, body)
	}
	close(api.release)
	select {
	case got := <-stored:
		if got != [3]string{suiteID, "wwcorp1", "PERMANENT-" + code} {
			t.Fatalf("stored %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("nothing stored:\n%s", log.String())
	}
	l := log.WaitFor("stored for suite")
	if !strings.Contains(l, "create_auth suite "+suiteID+" corp wwcorp1 auth_code AUTH…(26 bytes)") || !strings.Contains(l, " — exchanging it") ||
		!strings.Contains(l, `create_auth: permanent code of corp wwcorp1 (Corp\x1b[2J) stored for suite `+suiteID+": use --auth-corp wwcorp1") {
		t.Fatalf("log:\n%s", l)
	}
	if strings.Contains(l, code) || strings.Contains(l, "PERMANENT-") {
		t.Fatalf("a code leaked into the log:\n%s", l)
	}
}

// A failed exchange is logged with the code redacted; a full backlog
// refuses more codes with a log line instead of waiting.
func TestSuiteExchangeFailuresAndBacklog(t *testing.T) {
	api := newFakeAPI(true)
	stored := make(chan [3]string, 1)
	to, _, _, log := suiteServer(t, newExchange(api, stored))
	// One in the exchanger's hands, exchangeBacklog waiting, one too many.
	var last string
	for i := range exchangeBacklog + 2 {
		last = "AUTHCODE-" + strings.Repeat("x", i+1) + "-0123456789"
		if status, body := push(t, to, suiteID, authEvent("reset_permanent_code", last)); status != 200 || body != "success" {
			t.Fatalf("push %d: %d %q", i, status, body)
		}
		if i == 0 { // the first is in the exchanger's hands before the others come
			select {
			case <-api.entered:
			case <-time.After(5 * time.Second):
				t.Fatal("the exchanger never took the first code")
			}
		}
	}
	if l := log.WaitFor("already waiting"); !strings.Contains(l, "reset_permanent_code auth_code "+cb.Redact(last)+": not exchanged, 16 are already waiting") {
		t.Fatalf("log:\n%s", l)
	}
	close(api.release)
	l := log.Wait(func(s string) bool { return strings.Count(s, "exchange failed") >= exchangeBacklog+1 })
	if n := strings.Count(l, "exchange failed"); n != exchangeBacklog+1 || strings.Contains(l, "-0123456789") {
		t.Fatalf("%d failures logged, want %d, codes redacted:\n%s", n, exchangeBacklog+1, l)
	}
	select {
	case got := <-stored:
		t.Fatalf("a failed exchange stored %q", got)
	default:
	}
}
