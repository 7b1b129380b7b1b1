package callback

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/safetext"
	suitepkg "github.com/wwcli/wwcli/pkg/suite"
	"github.com/wwcli/wwcli/pkg/suiteticket"
)

// suiteEventLine is one stdout line of `callback serve --suite`: what
// happened, never a ticket or a code.
type suiteEventLine struct {
	ReceivedAt string `json:"received_at"`
	InfoType   string `json:"info_type"`
	SuiteID    string `json:"suite_id"`
	AuthCorpID string `json:"auth_corp_id,omitempty"`
	State      string `json:"state,omitempty"`
	Stored     bool   `json:"stored"`
}

func checkSuiteOptions(opts *ServeOptions) error {
	switch {
	case strings.ContainsAny(opts.Suite, " \t\r\n"):
		return cmdutil.FlagErrorf("--suite %q contains whitespace: pass the SuiteID from the app's detail page", opts.Suite)
	case opts.ReceiveIDSet && opts.ReceiveID != "" && opts.ReceiveID != opts.Suite:
		return cmdutil.FlagErrorf("--receive-id %q and --suite %q disagree: an instruction callback's receive id is the suite id; drop --receive-id (or --receive-id \"\" to skip the check)", opts.ReceiveID, opts.Suite)
	case opts.ForwardTo != "":
		return cmdutil.FlagErrorf("--forward-to does not go with --suite: WeCom expects the literal \"success\" from an instruction callback, not your app's reply")
	}
	return nil
}

// suiteHandler handles each decrypted instruction callback: store
// suite_tickets, log every event in one line, queue its stdout line. An
// exact repeat of a push handled in the last 10 minutes (WeCom's retry or
// a replay, N7) is answered "success" and logged, not handled again.
func suiteHandler(opts *ServeOptions, tickets *suiteticket.Store, logf func(string, ...any), out *lineQueue, exchange func(*cb.SuiteEvent)) func(context.Context, *cb.Message) ([]byte, error) {
	seen := &suiteticket.Seen{}
	return func(_ context.Context, m *cb.Message) (_ []byte, err error) {
		if !seen.First(m.MsgSignature, m.Received) {
			logf("repeated push (msg_signature %s) already handled: answered \"success\", not handled again", cb.Redact(m.MsgSignature))
			return nil, nil
		}
		defer func() {
			if err != nil {
				seen.Forget(m.MsgSignature) // not handled: WeCom's retry must be
			}
		}()
		ev, err := cb.ParseSuiteEvent(m.Plaintext)
		if err != nil {
			return nil, err
		}
		line := suiteEventLine{ReceivedAt: m.Received.UTC().Format(time.RFC3339), InfoType: string(ev.InfoType),
			SuiteID: ev.SuiteID, AuthCorpID: ev.AuthCorpID, State: ev.State}
		note := ""
		switch {
		case ev.InfoType == cb.InfoSuiteTicket && ev.SuiteID != opts.Suite:
			note = fmt.Sprintf(" — not stored: this server is for suite %s", opts.Suite)
		case ev.InfoType == cb.InfoSuiteTicket:
			// The 30-minute life counts from reception: WeCom's TimeStamp is
			// its own clock (the sandbox's may run fast). The TimeStamp
			// orders pushes: an older one is a replay or a late retry.
			t := suiteticket.Ticket{SuiteID: ev.SuiteID, Value: ev.SuiteTicket, ReceivedAt: m.Received, PushedAt: ev.TimeStamp}
			kept, stored, err := tickets.Offer(t)
			if err != nil {
				return nil, fmt.Errorf("cannot store the suite_ticket: %w", err)
			}
			line.Stored = stored
			switch {
			case stored:
				note = " — stored for 'wwcli suite token'"
			case !t.PushedAt.IsZero() && !kept.PushedAt.IsZero():
				// "success" all the same: WeCom must not retry it.
				note = fmt.Sprintf(" — not stored: pushed at %s, not after the stored ticket's push at %s (a replayed or late push)",
					t.PushedAt.UTC().Format(time.RFC3339), kept.PushedAt.UTC().Format(time.RFC3339))
			default:
				note = " — not stored: a ticket received later is stored"
			}
		case (ev.InfoType == cb.InfoCreateAuth || ev.InfoType == cb.InfoResetPermanentCode) && exchange != nil:
			exchange(ev)
			note = " — exchanging it"
		case !knownSuiteEvent(ev.InfoType):
			note = " — not handled by wwcli"
		}
		logf("%s%s", safetext.Escape(ev.Summary()), note)
		out.push(func() error { return opts.Exporter.Write(context.Background(), opts.IO, line) })
		return nil, nil
	}
}

// suiteHTTPHandler answers POSTs (events) with h, which checks that the
// receive id is the suite id, and "success". GET URL verification skips
// the receive-id check: WeCom verifies a provider's callback URLs with the
// provider's own corp id, not the suite id (WeCom staff, developers.weixin.qq.com
// community 00004ed44303b0da47e95085e5bc00); the Token signature is still checked.
func suiteHTTPHandler(ctx context.Context, opts *ServeOptions, h *cb.Handler) (http.Handler, error) {
	verify := *h
	so := opts.SecretOptions
	so.ReceiveID, so.ReceiveIDSet = "", true
	c, err := newCrypter(ctx, opts.Secrets, so)
	if err != nil {
		return nil, err
	}
	verify.Crypter = c
	events := cb.SuccessReply(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			verify.ServeHTTP(w, r)
			return
		}
		events.ServeHTTP(w, r)
	}), nil
}

func knownSuiteEvent(t cb.InfoType) bool {
	switch t {
	case cb.InfoSuiteTicket, cb.InfoCreateAuth, cb.InfoChangeAuth, cb.InfoCancelAuth, cb.InfoResetPermanentCode:
		return true
	}
	return false
}

// exchangeQueue bounds the auth codes waiting for their exchange; WeCom
// pushes one per install, so a full queue means something is stuck.
const exchangeQueue = 16

// exchanger turns pushed auth codes into stored permanent codes, one at a
// time, after WeCom has had its "success".
type exchanger struct {
	codes chan *cb.SuiteEvent
	done  chan struct{}
	logf  func(string, ...any)
	mu    sync.Mutex
	shut  bool
}

func newExchanger(ctx context.Context, opts *ServeOptions, logf func(string, ...any)) (*exchanger, error) {
	ss, err := opts.SuiteSession(ctx, "callback serve --exchange", false)
	if err != nil {
		return nil, err
	}
	if ss.Suite.SuiteID != opts.Suite {
		return nil, cmdutil.FlagErrorf("--exchange: the suite credentials are for %s, not --suite %s: set WWCLI_SUITE_ID and WWCLI_SUITE_SECRET (or the profile) for %s", ss.Suite.SuiteID, opts.Suite, opts.Suite)
	}
	s := &suitepkg.Suite{ID: ss.Suite.SuiteID, API: ss.Client(), WithToken: ss.WithToken}
	ex := &exchanger{codes: make(chan *cb.SuiteEvent, exchangeQueue), done: make(chan struct{}), logf: logf}
	go func() {
		defer close(ex.done)
		for ev := range ex.codes {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			a, err := s.Exchange(ctx, ev.AuthCode, false)
			if err == nil {
				err = opts.StorePermanentCode(ctx, s.ID, a.CorpID, a.PermanentCode)
			}
			cancel()
			if err != nil {
				logf("%s auth_code %s: exchange failed: %s", ev.InfoType, cb.Redact(ev.AuthCode), safetext.Escape(err.Error()))
				continue
			}
			logf("%s: permanent code of corp %s (%s) stored for suite %s: use --auth-corp %s",
				ev.InfoType, a.CorpID, safetext.Escape(a.CorpName), s.ID, a.CorpID)
		}
	}()
	return ex, nil
}

func (ex *exchanger) enqueue(ev *cb.SuiteEvent) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	if ex.shut {
		return
	}
	select {
	case ex.codes <- ev:
	default:
		ex.logf("%s auth_code %s: not exchanged, %d are already waiting", ev.InfoType, cb.Redact(ev.AuthCode), exchangeQueue)
	}
}

// close lets the queued exchanges finish, waiting at most 10 seconds.
func (ex *exchanger) close() {
	ex.mu.Lock()
	ex.shut = true
	close(ex.codes)
	ex.mu.Unlock()
	select {
	case <-ex.done:
	case <-time.After(10 * time.Second):
	}
}
