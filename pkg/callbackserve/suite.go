package callbackserve

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/safetext"
	"github.com/wwcli/wwcli/pkg/suiteticket"
)

// SuiteEventLine is one stdout line of an instruction callback: what
// happened, never a ticket or a code.
type SuiteEventLine struct {
	ReceivedAt string `json:"received_at"`
	InfoType   string `json:"info_type"`
	SuiteID    string `json:"suite_id"`
	AuthCorpID string `json:"auth_corp_id,omitempty"`
	State      string `json:"state,omitempty"`
	Stored     bool   `json:"stored"`
}

// onSuiteMessage handles each decrypted instruction callback: store
// suite_tickets, log every event in one line, queue its stdout line. An
// exact repeat of a push handled in the last 10 minutes (WeCom's retry or
// a replay, N7) is answered "success" and logged, not handled again.
func (s *Server) onSuiteMessage(_ context.Context, m *cb.Message) (_ []byte, err error) {
	if !s.seen.First(m.MsgSignature, m.Received) {
		s.logf("repeated push (msg_signature %s) already handled: answered \"success\", not handled again", cb.Redact(m.MsgSignature))
		return nil, nil
	}
	defer func() {
		if err != nil {
			s.seen.Forget(m.MsgSignature) // not handled: WeCom's retry must be
		}
	}()
	ev, err := cb.ParseSuiteEvent(m.Plaintext)
	if err != nil {
		return nil, err
	}
	served := s.opts.Suite.ID
	line := SuiteEventLine{ReceivedAt: m.Received.UTC().Format(time.RFC3339), InfoType: string(ev.InfoType),
		SuiteID: ev.SuiteID, AuthCorpID: ev.AuthCorpID, State: ev.State}
	note := ""
	switch {
	case ev.InfoType == cb.InfoSuiteTicket && ev.SuiteID != served:
		note = fmt.Sprintf(" — not stored: this server is for suite %s", served)
	case ev.InfoType == cb.InfoSuiteTicket:
		// The 30-minute life counts from reception: WeCom's TimeStamp is
		// its own clock (the sandbox's may run fast). The TimeStamp
		// orders pushes: an older one is a replay or a late retry.
		t := suiteticket.Ticket{SuiteID: ev.SuiteID, Value: ev.SuiteTicket, ReceivedAt: m.Received, PushedAt: ev.TimeStamp}
		kept, stored, err := s.opts.Suite.Tickets.Offer(t)
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
	case (ev.InfoType == cb.InfoCreateAuth || ev.InfoType == cb.InfoResetPermanentCode) && s.ex != nil:
		s.ex.enqueue(ev)
		note = " — exchanging it"
	case !knownSuiteEvent(ev.InfoType):
		note = " — not handled by wwcli"
	}
	s.logf("%s%s", safetext.Escape(ev.Summary()), note)
	s.emit(line)
	return nil, nil
}

// suiteHTTP answers POSTs (events) with h, which checks that the receive
// id is the suite id, and "success". GET URL verification skips the
// receive-id check: WeCom verifies a provider's callback URLs with the
// provider's own corp id, not the suite id (WeCom staff,
// developers.weixin.qq.com community 00004ed44303b0da47e95085e5bc00); the
// Token signature is still checked.
func (s *Server) suiteHTTP(h *cb.Handler) http.Handler {
	verify := *h
	if s.opts.Suite.VerifyCrypter != nil {
		verify.Crypter = s.opts.Suite.VerifyCrypter
	}
	events := cb.SuccessReply(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			verify.ServeHTTP(w, r)
			return
		}
		events.ServeHTTP(w, r)
	})
}

func knownSuiteEvent(t cb.InfoType) bool {
	switch t {
	case cb.InfoSuiteTicket, cb.InfoCreateAuth, cb.InfoChangeAuth, cb.InfoCancelAuth, cb.InfoResetPermanentCode:
		return true
	}
	return false
}

// exchangeBacklog bounds the auth codes waiting for their exchange; WeCom
// pushes one per install, so a full backlog means something is stuck.
const exchangeBacklog = 16

// exchanger turns pushed auth codes into stored permanent codes, one at a
// time, after WeCom has had its "success".
type exchanger struct {
	codes chan *cb.SuiteEvent
	done  chan struct{}
	logf  func(string, ...any)
	mu    sync.Mutex
	shut  bool
}

func newExchanger(x Exchange, logf func(string, ...any)) *exchanger {
	if x.Timeout <= 0 {
		x.Timeout = 30 * time.Second
	}
	ex := &exchanger{codes: make(chan *cb.SuiteEvent, exchangeBacklog), done: make(chan struct{}), logf: logf}
	go func() {
		defer close(ex.done)
		for ev := range ex.codes {
			ex.exchange(x, ev)
		}
	}()
	return ex
}

func (ex *exchanger) exchange(x Exchange, ev *cb.SuiteEvent) {
	s := x.Suite
	ctx, cancel := context.WithTimeout(context.Background(), x.Timeout)
	defer cancel()
	a, err := s.Exchange(ctx, ev.AuthCode, false)
	if err == nil {
		err = x.Store(ctx, s.ID, a.CorpID, a.PermanentCode)
	}
	if err != nil {
		ex.logf("%s auth_code %s: exchange failed: %s", ev.InfoType, cb.Redact(ev.AuthCode), safetext.Escape(err.Error()))
		return
	}
	ex.logf("%s: permanent code of corp %s (%s) stored for suite %s: use --auth-corp %s",
		ev.InfoType, safetext.Escape(a.CorpID), safetext.Escape(a.CorpName), s.ID, safetext.Escape(a.CorpID))
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
		ex.logf("%s auth_code %s: not exchanged, %d are already waiting", ev.InfoType, cb.Redact(ev.AuthCode), exchangeBacklog)
	}
}

// close lets the queued exchanges finish, waiting at most 10 seconds.
func (ex *exchanger) close() {
	ex.mu.Lock()
	if !ex.shut {
		ex.shut = true
		close(ex.codes)
	}
	ex.mu.Unlock()
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case <-ex.done:
	case <-t.C:
	}
}
