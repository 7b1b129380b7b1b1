package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wwcli/wwcli/pkg/callback"
)

// Pushes to a suite's instruction callback URL (指令回调): suite_ticket every
// 10 sandbox minutes (DOC 90628) and the auth events create_auth,
// change_auth, cancel_auth (DOC 90642) and reset_permanent_code (DOC
// 97175). Each is the documented XML, encrypted with the demo suite's
// callback token and EncodingAESKey for receive id = the suite id (DOC
// 97172), POSTed as an XML envelope with msg_signature, timestamp and
// nonce in the query; the receiver must answer the literal "success".

// PushResult is how one push went. Its JSON (the control API's answer)
// says only whether the push worked: what the URL answered stays in the
// Go value and the log (Options.Log), so the control API cannot be used to
// read or probe other servers through the sandbox (SSRF, audit N4).
type PushResult struct {
	InfoType string    `json:"info_type"`
	SuiteID  string    `json:"suite_id"`
	URL      string    `json:"url"`
	Time     time.Time `json:"time"`            // sandbox clock
	Status   int       `json:"-"`               // the answer's HTTP status (0: no answer)
	Reply    string    `json:"-"`               // the answer's body (first 200 bytes)
	OK       bool      `json:"ok"`              // HTTP 200 and "success"
	Error    string    `json:"error,omitempty"` // errPushFailed's text when not OK
}

// errPushFailed is all a caller learns of a failed push; the log has why.
var errPushFailed = errors.New(`push failed: WeCom expects HTTP 200 with the body "success"; the sandbox's log (stderr) says what the URL answered`)

// errVerifyFailed is all a caller learns of a failed URL verification.
var errVerifyFailed = fmt.Errorf("URL verification failed: the URL must answer HTTP 200 with the decrypted echostr; "+
	"decrypt the GET's echostr for receive id %s (the provider's corp id), the POSTs for the suite id; "+
	"the sandbox's log (stderr) says what the URL answered", DemoProviderCorpID)

// noRedirects: a push goes to the URL the caller named and nowhere else.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// push is one message waiting to be delivered.
type push struct {
	suiteID, url, infoType string
	xml                    []byte // the plaintext
	now                    time.Time
}

// eventXML renders an instruction-callback message; fields are name/value
// pairs in the documented order. TimeStamp is a bare number, the rest CDATA.
func eventXML(fields ...string) []byte {
	var b strings.Builder
	b.WriteString("<xml>")
	for i := 0; i+1 < len(fields); i += 2 {
		k, v := fields[i], fields[i+1]
		b.WriteString("<" + k + ">")
		if k == "TimeStamp" {
			b.WriteString(v)
		} else {
			b.WriteString("<![CDATA[" + strings.ReplaceAll(v, "]]>", "]]]]><![CDATA[>") + "]]>")
		}
		b.WriteString("</" + k + ">")
	}
	b.WriteString("</xml>")
	return []byte(b.String())
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// ticketPush: DOC 90628's message.
func ticketPush(suiteID, u, ticket string, now time.Time) push {
	return push{suiteID: suiteID, url: u, infoType: "suite_ticket", now: now,
		xml: eventXML("SuiteId", suiteID, "InfoType", "suite_ticket", "TimeStamp", unix(now), "SuiteTicket", ticket)}
}

// authPush: create_auth (AuthCode, State), change_auth / cancel_auth
// (AuthCorpId) per DOC 90642, reset_permanent_code (AuthCode) per DOC 97175.
func authPush(suiteID, u, infoType string, now time.Time, authCode, corpID, state string) push {
	var x []byte
	switch infoType {
	case "create_auth":
		x = eventXML("SuiteId", suiteID, "AuthCode", authCode, "InfoType", infoType, "TimeStamp", unix(now),
			"State", state, "ExtraInfo", "")
	case "reset_permanent_code":
		x = eventXML("SuiteId", suiteID, "AuthCode", authCode, "InfoType", infoType, "TimeStamp", unix(now))
	default: // change_auth, cancel_auth
		x = eventXML("SuiteId", suiteID, "InfoType", infoType, "TimeStamp", unix(now), "AuthCorpId", corpID)
	}
	return push{suiteID: suiteID, url: u, infoType: infoType, now: now, xml: x}
}

// deliver POSTs p (not holding s.mu) and records the result.
func (s *Server) deliver(p push) PushResult {
	res := PushResult{InfoType: p.infoType, SuiteID: p.suiteID, URL: p.url, Time: p.now}
	detail := ""
	if err := s.post(p, &res); err != nil {
		res.OK, res.Error, detail = false, errPushFailed.Error(), err.Error()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if run := s.suiteRuns[p.suiteID]; run != nil {
		run.last = &res
		if !res.OK && p.infoType == "suite_ticket" && run.url == p.url {
			run.nextPush = minTime(run.nextPush, s.nowLocked().Add(suiteRetryEvery))
		}
	}
	line := fmt.Sprintf("%s PUSH %s %s -> %s", p.now.Format("15:04:05"), p.infoType, p.suiteID, p.url)
	if detail != "" {
		line += ": " + detail
	} else {
		line += fmt.Sprintf(" %d %q", res.Status, res.Reply)
	}
	s.logf("%s", line) // under s.mu: in order with the request lines
	return res
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func (s *Server) post(p push, res *PushResult) error {
	cr, err := callback.New(DemoSuiteToken, DemoSuiteEncodingAESKey, p.suiteID)
	if err != nil {
		return err
	}
	sealed, err := cr.Seal(p.xml, p.suiteID, nil, "", "", p.now)
	if err != nil {
		return err
	}
	body, err := callback.RequestBody(callback.FormatXML, p.suiteID, "", sealed.Encrypt)
	if err != nil {
		return err
	}
	u, err := url.Parse(p.url)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("msg_signature", sealed.MsgSignature)
	q.Set("timestamp", sealed.Timestamp)
	q.Set("nonce", sealed.Nonce)
	u.RawQuery = q.Encode()

	ctx, cancel := context.WithTimeout(context.Background(), suitePushTimeout)
	defer cancel()
	go func() { // a closing server cuts a slow receiver short
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	resp, err := s.pushClient.Do(req)
	if err != nil {
		return fmt.Errorf("push failed: %w", err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	res.Status, res.Reply = resp.StatusCode, string(reply)
	res.OK = resp.StatusCode == http.StatusOK && strings.TrimSpace(res.Reply) == "success"
	if !res.OK {
		return fmt.Errorf("the callback answered HTTP %d %q; WeCom expects HTTP 200 with the body \"success\"", res.Status, res.Reply)
	}
	return nil
}

// startPusherLocked starts the background pusher once a callback URL is
// set; it stops when the server closes. Called with s.mu held.
func (s *Server) startPusherLocked() {
	if s.pusherOn {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	s.pusherOn = true
	go s.runPusher()
}

func (s *Server) runPusher() {
	t := time.NewTicker(suitePollEvery)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		case <-s.pushWake:
		}
		s.pushDueTickets()
	}
}

// wakeSuitePusher makes the pusher look now (after the clock moved).
func (s *Server) wakeSuitePusher() {
	select {
	case s.pushWake <- struct{}{}:
	default:
	}
}

// pushDueTickets pushes a new suite_ticket to each suite whose push is
// due. A clock moved by an hour gives one push, not six: the receiver only
// needs the newest ticket.
func (s *Server) pushDueTickets() {
	s.mu.Lock()
	now := s.nowLocked()
	var due []push
	ids := make([]string, 0, len(s.suiteRuns))
	for id := range s.suiteRuns {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		run := s.suiteRuns[id]
		if run.url == "" || now.Before(run.nextPush) {
			continue
		}
		run.nextPush = now.Add(suiteTicketEvery)
		due = append(due, ticketPush(id, run.url, s.newSuiteTicket(id, now), now))
	}
	s.mu.Unlock()
	for _, p := range due {
		s.deliver(p)
	}
}

// verifyCallback is what the provider console does when an instruction
// callback URL is saved: a GET with msg_signature, timestamp, nonce and an
// encrypted echostr, which the URL must answer decrypted. The echostr is
// framed for receive id = the provider's corp id, not the suite id of the
// pushes (WeCom staff, community 00080cc0190730ac050bde0fc5b800; several
// providers report the same trap).
func (s *Server) verifyCallback(u string) error {
	cr, err := callback.New(DemoSuiteToken, DemoSuiteEncodingAESKey, DemoProviderCorpID)
	if err != nil {
		return err
	}
	echo := callback.NewNonce() + callback.NewNonce() // WeCom's echostr is a random number
	sealed, err := cr.Seal([]byte(echo), DemoProviderCorpID, nil, "", "", s.Now())
	if err != nil {
		return err
	}
	p, err := url.Parse(u)
	if err != nil {
		return err
	}
	q := p.Query()
	q.Set("msg_signature", sealed.MsgSignature)
	q.Set("timestamp", sealed.Timestamp)
	q.Set("nonce", sealed.Nonce)
	q.Set("echostr", sealed.Encrypt)
	p.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(context.Background(), suitePushTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.String(), nil)
	if err != nil {
		return err
	}
	fail := func(detail string) error {
		s.logf("%s VERIFY %s -> %s", s.Now().Format("15:04:05"), u, detail)
		return errVerifyFailed
	}
	resp, err := s.pushClient.Do(req)
	if err != nil {
		return fail(err.Error())
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != echo {
		return fail(fmt.Sprintf("HTTP %d %q, want HTTP 200 with the decrypted echostr", resp.StatusCode, body))
	}
	return nil
}
