package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"time"
)

// The third-party world (服务商): a provider corp, the demo suite (a
// third-party app) and the demo 代开发 template (fixtures.go names them).
// Any corp of the fixtures can install either; once installed the app is
// an agent of that corp (DemoSuiteAgentID / DemoTemplateAgentID, visible to
// the whole corp), so a corp token from service/get_corp_token, or from
// gettoken with a 代开发 permanent code, works on every endpoint the sandbox
// has. Facts: docs/sandbox.md "Third-party apps" names the doc of each.
const (
	suiteTicketEvery   = 10 * time.Minute   // pushed every 10 min (DOC 90628)
	suiteTicketTTL     = 30 * time.Minute   // valid 30 min (DOC 90628)
	suiteRetryEvery    = time.Minute        // a failed push is tried again this soon (sandbox choice)
	preAuthCodeTTL     = 1200 * time.Second // expires_in 1200 (DOC 90601)
	installCodeTTL     = 600 * time.Second  // auth_code expires_in 600, single use (DOC 90597)
	suiteCodeTTL       = 5 * time.Minute    // OAuth code: single use, 5 min (DOC 91121)
	suiteUserTicketTTL = 7200 * time.Second // getuserinfo3rd example expires_in (DOC 91121)
	maxSuiteTickets    = 256                // kept per suite (those younger than 30 min), however often pushed on demand
	maxSuiteEntries    = 100_000            // codes, tokens and tickets of the third-party world together
	suitePollEvery     = time.Second        // how often the pusher looks for a due push (real time)
	suitePushTimeout   = 5 * time.Second    // WeCom drops a callback after 5 s (DOC 90238)
	installDoneURL     = "https://wwcli.example.com/install/done"
)

// suiteDef is a suite or 代开发 template the sandbox knows. Immutable
// after New.
type suiteDef struct {
	id, secret string
	name       string
	customized bool            // 代开发 template: the permanent code is the app's secret (DOC 97164)
	apps       map[string]*App // the agent it becomes in each corp, by corp id
}

// suiteTicket is one suite_ticket as pushed.
type suiteTicket struct {
	value  string
	issued time.Time
}

// suiteRun is a suite's changing state: its tickets and where they go.
type suiteRun struct {
	tickets  []suiteTicket // oldest first, at most maxSuiteTickets
	url      string        // instruction callback (指令回调) URL; "" = none
	nextPush time.Time
	last     *PushResult
	token    string // the live suite_access_token: repeated calls get it again
}

// svcToken is a suite_access_token or a provider_access_token.
type svcToken struct {
	suite    *suiteDef // nil: provider token
	provider string    // provider corp id (provider tokens)
	expires  time.Time
}

type preAuthCode struct {
	suite    *suiteDef
	authType int // set_session_info: 0 formal, 1 test (DOC 90602)
	expires  time.Time
}

// installCode is the temporary auth_code of an install (DOC 90597).
type installCode struct {
	suite    *suiteDef
	corp     *corpIndex
	userID   string // the admin who installed
	state    string
	authType int
	reset    bool // from 代开发 "重新获取secret" (reset_permanent_code, DOC 97175)
	expires  time.Time
}

// install is a corp's authorization of a suite.
type install struct {
	suite     *suiteDef
	corp      *corpIndex
	app       *App
	permanent string
	userID    string
	state     string
	authType  int
	tokens    []string // corp tokens issued through it, revoked on cancel
}

type suiteCode struct {
	suite   *suiteDef
	corp    *corpIndex
	userID  string
	openID  string
	scope   string
	web     bool // web login: no user_ticket
	expires time.Time
}

type suiteUserTicket struct {
	suite   *suiteDef
	corp    *corpIndex
	userID  string
	expires time.Time
}

// suiteState is the third-party world of a Server: defs (fixed at New)
// and state (cleared by Reset). Guarded by Server.mu.
type suiteState struct {
	suiteDefs map[string]*suiteDef
	suiteRuns map[string]*suiteRun
	svcTokens map[string]*svcToken
	preAuth   map[string]*preAuthCode
	authCodes map[string]*installCode
	installs  map[string]*install // by installKey
	permCodes map[string]*install // by permanent code
	sCodes    map[string]*suiteCode
	sTickets  map[string]*suiteUserTicket
	sExpiry   expiryQueue // keys "kind\x00value" of the maps above

	providerToken string // the live provider_access_token

	pushWake    chan struct{}
	pusherOn    bool
	pushClient  *http.Client
	getTokenFor func(c *call) (object, *apiError) // the self-built gettoken, wrapped for 代开发
}

func installKey(suiteID, corpID string) string { return suiteID + "\x00" + corpID }

// initSuites builds the third-party world: the demo suite and template,
// each registered as an agent of every corp (unreachable until installed).
// Called once by New.
func (s *Server) initSuites() {
	s.suiteDefs = map[string]*suiteDef{
		DemoSuiteID: {id: DemoSuiteID, secret: DemoSuiteSecret, name: "演示第三方应用", apps: map[string]*App{}},
		DemoTemplateID: {id: DemoTemplateID, secret: DemoTemplateSecret, name: "演示代开发应用", customized: true,
			apps: map[string]*App{}},
	}
	for _, ci := range s.corps {
		s.addSuiteAgent(ci, s.suiteDefs[DemoSuiteID], DemoSuiteAgentID)
		s.addSuiteAgent(ci, s.suiteDefs[DemoTemplateID], DemoTemplateAgentID)
	}
	s.pushWake = make(chan struct{}, 1)
	s.pushClient = s.opts.PushClient
	if s.pushClient == nil {
		s.pushClient = &http.Client{Timeout: suitePushTimeout, CheckRedirect: noRedirects}
	}
}

// learnPermanentCodes makes gettoken take a 代开发 permanent code as the
// secret. Called by the first resetSuites, in New, before any request.
func (s *Server) learnPermanentCodes() {
	if rt, ok := s.routes["/cgi-bin/gettoken"]; ok && s.getTokenFor == nil {
		s.getTokenFor = rt.handle
		rt.handle = s.getTokenWithPermanentCode
		s.routes["/cgi-bin/gettoken"] = rt
	}
}

// addSuiteAgent makes def an agent of ci: agentid want, or the next free
// one when the fixtures already use it; visible to the whole corp.
func (s *Server) addSuiteAgent(ci *corpIndex, def *suiteDef, want int64) {
	id := want
	for ci.apps[id] != nil {
		id++
	}
	var roots []int64
	for _, d := range ci.Departments {
		if d.ParentID == 0 {
			roots = append(roots, d.ID)
		}
	}
	kind := "suite"
	if def.customized {
		kind = "代开发 template"
	}
	// No Secret: the agent's tokens come only through the install.
	app := &App{AgentID: id, Name: def.name, AllowParties: roots, Description: "installed from the sandbox's demo " + kind,
		SquareLogoURL: "https://wwcli.example.com/suite-logo.png", RedirectDomain: "wwcli.example.com",
		HomeURL: "https://wwcli.example.com/"}
	ci.apps[id] = app
	def.apps[ci.CorpID] = app
}

// resetSuites forgets tickets, tokens, codes and installs; callback URLs
// go back to Options.SuiteCallbacks. Called with s.mu held (or from New).
func (s *Server) resetSuites() {
	s.learnPermanentCodes()
	s.suiteRuns = map[string]*suiteRun{}
	for id := range s.suiteDefs {
		s.suiteRuns[id] = &suiteRun{}
	}
	for id, u := range s.opts.SuiteCallbacks {
		if run := s.suiteRuns[id]; run != nil && u != "" {
			run.url = u
			run.nextPush = s.nowLocked()
			s.startPusherLocked()
			s.wakeSuitePusher()
		}
	}
	s.svcTokens = map[string]*svcToken{}
	s.preAuth = map[string]*preAuthCode{}
	s.authCodes = map[string]*installCode{}
	s.installs = map[string]*install{}
	s.permCodes = map[string]*install{}
	s.sCodes = map[string]*suiteCode{}
	s.sTickets = map[string]*suiteUserTicket{}
	s.sExpiry = nil
	s.providerToken = ""
}

// Keys of sExpiry: the map an entry lives in, then its key there.
const (
	kindSvcToken    = "t\x00"
	kindPreAuth     = "p\x00"
	kindAuthCode    = "a\x00"
	kindSuiteCode   = "c\x00"
	kindSuiteTicket = "u\x00"
)

// storeSuite queues key (kind + value) to be forgotten at forget, first
// pruning what is due and, past maxSuiteEntries, what is due soonest.
// Called with s.mu held.
func (s *Server) storeSuite(now time.Time, key string, forget time.Time) {
	s.sExpiry.popDue(now, s.forgetSuite)
	s.sExpiry.add(forget, key)
	for len(s.sExpiry) > maxSuiteEntries {
		k, _ := s.sExpiry.popSoonest()
		s.forgetSuite(k)
	}
}

func (s *Server) forgetSuite(key string) {
	kind, v := key[:2], key[2:]
	switch kind {
	case kindSvcToken:
		delete(s.svcTokens, v)
	case kindPreAuth:
		delete(s.preAuth, v)
	case kindAuthCode:
		delete(s.authCodes, v)
	case kindSuiteCode:
		delete(s.sCodes, v)
	case kindSuiteTicket:
		delete(s.sTickets, v)
	}
}

// newSuiteTicket records and returns a fresh suite_ticket for id.
// Called with s.mu held.
func (s *Server) newSuiteTicket(id string, now time.Time) string {
	run := s.suiteRuns[id]
	t := pasteable(48)
	run.tickets = slices.DeleteFunc(run.tickets, func(old suiteTicket) bool { return now.Sub(old.issued) >= suiteTicketTTL })
	run.tickets = append(run.tickets, suiteTicket{value: t, issued: now})
	if len(run.tickets) > maxSuiteTickets {
		run.tickets = slices.Delete(run.tickets, 0, len(run.tickets)-maxSuiteTickets)
	}
	return t
}

// ticketValid: any ticket of the suite younger than 30 minutes; the newest
// should be used, but one that missed two pushes still works (DOC 97162).
func (s *Server) ticketValid(id, ticket string, now time.Time) bool {
	for _, t := range s.suiteRuns[id].tickets {
		if t.value == ticket && now.Sub(t.issued) < suiteTicketTTL {
			return true
		}
	}
	return false
}

// member finds a member of ci by userid, in any case (the one place the
// third-party code looks members up). Called with s.mu held: members may
// change.
func member(ci *corpIndex, userID string) *User { return ci.user(userID) }

// openUserID is a member's id as one provider's apps see it: the same
// across the provider's apps (DOC 91121).
func openUserID(corpID, userID string) string {
	sum := sha256.Sum256([]byte(DemoProviderCorpID + "/" + corpID + "/" + userID))
	return "wo" + hex.EncodeToString(sum[:15])
}
