package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/wwcli/wwcli/pkg/atomicfile"
	"github.com/wwcli/wwcli/pkg/safedir"
)

// State persistence (`wwcli sandbox --state FILE`, and the in-process
// `wwcli --sandbox`): clients that keep tokens across runs (fastwego's
// default file cache; audit F4) must find them valid after a
// restart, as they would be on WeCom, and contacts written with user/create
// must still be there. The state is one JSON file, written by atomic rename
// (mode 0600: it holds sandbox tokens), loaded by Open, saved at most every
// saveEvery while it changes, and at Close. A file that cannot be read or
// does not fit the fixtures is an error: state is never dropped silently.

const (
	stateFormat  = 1
	saveEvery    = 200 * time.Millisecond
	maxStateFile = 64 << 20
	// maxSavedBodies bounds the message bodies saved (each may be 1 MB):
	// the newest messages that fit are kept, so the file stays loadable.
	maxSavedBodies = 16 << 20
)

// InProcessStatePath is the state file of `wwcli --sandbox` under the wwcli
// cache dir cacheDir, next to the code file.
func InProcessStatePath(cacheDir string) string {
	return filepath.Join(cacheDir, "sandbox", "state.json")
}

// persistState is the bookkeeping of saving. gen counts changes (under
// s.mu); saveMu serialises writers of the file.
type persistState struct {
	gen      uint64
	saveMu   sync.Mutex
	savedGen uint64
	saved    bool
	pristine []byte // the fixtures' corps as given, for Reset
}

// changed notes a change of state to save. Called with s.mu held.
func (s *Server) changed() { s.gen++ }

// stateFile is the JSON document of a state file.
type stateFile struct {
	Format        int                    `json:"format"`
	SavedAt       time.Time              `json:"saved_at"`
	ClockOffsetNS int64                  `json:"clock_offset_ns"`
	Tokens        []savedToken           `json:"tokens"`
	LiveTokens    map[string]string      `json:"live_tokens"`
	LiveTickets   map[string]*liveTicket `json:"live_tickets"`
	Codes         []savedCode            `json:"codes,omitempty"`
	UserTickets   []savedUserTicket      `json:"user_tickets,omitempty"`
	Messages      []Message              `json:"messages"`
	MsgSeq        int                    `json:"msg_seq"`
	Jobs          map[string]*batchJob   `json:"jobs,omitempty"`
	Corps         []savedCorp            `json:"corps"`
}

type savedToken struct {
	Token   string    `json:"token"`
	CorpID  string    `json:"corpid"`
	AgentID int64     `json:"agentid,omitempty"`
	Kind    int       `json:"kind"`
	Expires time.Time `json:"expires"`
}

type savedCode struct {
	Code string `json:"code"`
	StoredCode
}

type savedUserTicket struct {
	Ticket  string    `json:"ticket"`
	CorpID  string    `json:"corpid"`
	AgentID int64     `json:"agentid"`
	UserID  string    `json:"userid"`
	Expires time.Time `json:"expires"`
}

// savedCorp is what API calls may change in a corp.
type savedCorp struct {
	CorpID      string       `json:"corpid"`
	Departments []Department `json:"departments"`
	Users       []User       `json:"users"`
	Tags        []Tag        `json:"tags"`
	AppChats    []AppChat    `json:"appchats"`
	Apps        []App        `json:"apps"` // agent/set and menu/* change these; secrets are not saved
}

// Open builds a server like New and, with Options.StatePath, loads the
// state saved there (a missing file is a fresh start) and keeps saving it.
func Open(opts Options) (*Server, error) {
	path := opts.StatePath
	opts.StatePath = ""
	s := New(opts)
	s.opts.StatePath = path
	if path == "" {
		return s, nil
	}
	if err := s.loadState(path); err != nil {
		return nil, err
	}
	// write once now, so a path that cannot be written fails at start,
	// not at shutdown with the session's state in hand
	s.saved = false
	if err := s.SaveState(); err != nil {
		return nil, fmt.Errorf("%v; use a --state path you can read and write", err)
	}
	go s.saveLoop()
	return s, nil
}

func (s *Server) loadState(path string) error {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("sandbox state %s: %s; fix the file, or move it away to start afresh", path, fmt.Sprintf(format, a...))
	}
	// The state holds live tokens and decides what the sandbox answers:
	// another local user who could write the file or its directory could
	// plant tokens, contacts and a clock (safedir's rule, as for the cache).
	err := safedir.MkdirPrivate(filepath.Dir(path))
	var data []byte
	if err == nil {
		data, err = safedir.ReadTrusted(path, maxStateFile)
	}
	var unsafe *safedir.UnsafeError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case errors.Is(err, safedir.ErrTooLarge):
		return fail("larger than %d MB", maxStateFile>>20)
	case errors.As(err, &unsafe), errors.Is(err, safedir.ErrNotRegular):
		return fmt.Errorf("sandbox state: %w", err) // names the fix
	case err != nil:
		return fmt.Errorf("sandbox state: %w; use a --state path you can read and write", err)
	}
	var st stateFile
	if err := json.Unmarshal(data, &st); err != nil {
		return fail("not a state file (%v)", err)
	}
	if st.Format != stateFormat {
		return fail("format %d, this wwcli reads format %d", st.Format, stateFormat)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.applyState(&st); err != nil {
		// leave nothing half-applied behind
		s.restoreContacts()
		s.resetState()
		return fail("%v", err)
	}
	s.saved, s.savedGen = true, s.gen
	return nil
}

// applyState replaces the server's state with st. Called with s.mu held.
func (s *Server) applyState(st *stateFile) error {
	for _, sc := range st.Corps {
		ci := s.corps[sc.CorpID]
		if ci == nil {
			return fmt.Errorf("corp %s is not in the fixtures (the state was saved with other fixtures)", sc.CorpID)
		}
		ci.Departments, ci.Users, ci.Tags, ci.AppChats = sc.Departments, sc.Users, sc.Tags, sc.AppChats
		for _, a := range sc.Apps {
			app := ci.apps[a.AgentID]
			if app == nil {
				return fmt.Errorf("app %d of corp %s is not in the fixtures", a.AgentID, sc.CorpID)
			}
			app.Name, app.Description, app.RedirectDomain, app.HomeURL = a.Name, a.Description, a.RedirectDomain, a.HomeURL
			app.SquareLogoURL, app.ReportLocation, app.ReportEnter, app.Menu = a.SquareLogoURL, a.ReportLocation, a.ReportEnter, a.Menu
			app.AllowUsers, app.AllowParties = a.AllowUsers, a.AllowParties // deletes take members out
			app.Workbench = a.Workbench
		}
		ci.reindex()
	}
	if err := s.fx.Validate(); err != nil {
		return err
	}
	s.offset = time.Duration(st.ClockOffsetNS)
	for _, t := range st.Tokens {
		ci := s.corps[t.CorpID]
		if ci == nil {
			return fmt.Errorf("token of corp %s, which is not in the fixtures", t.CorpID)
		}
		var app *App
		if t.Kind == kindApp {
			if app = ci.apps[t.AgentID]; app == nil {
				return fmt.Errorf("token of app %d, which is not in the fixtures", t.AgentID)
			}
		}
		s.storeToken(t.Token, &token{corp: ci, app: app, kind: t.Kind, expires: t.Expires})
	}
	for k, v := range st.LiveTokens {
		s.liveTokens[k] = v
	}
	for k, v := range st.LiveTickets {
		if v != nil {
			s.liveTickets[k] = v
		}
	}
	for _, c := range st.Codes {
		ci := s.corps[c.CorpID]
		if ci == nil {
			return fmt.Errorf("code of corp %s, which is not in the fixtures", c.CorpID)
		}
		s.storeCode(c.Code, &authCode{corp: ci, agentID: c.AgentID, userID: c.UserID, openID: c.OpenID,
			scope: c.Scope, kind: c.Type, expires: c.Expires})
	}
	for _, t := range st.UserTickets {
		ci := s.corps[t.CorpID]
		if ci == nil {
			return fmt.Errorf("user_ticket of corp %s, which is not in the fixtures", t.CorpID)
		}
		s.storeTicket(t.Ticket, &userTicket{corp: ci, agentID: t.AgentID, userID: t.UserID, expires: t.Expires})
	}
	s.messages, s.msgSeq = st.Messages, st.MsgSeq
	for k, j := range st.Jobs {
		if j != nil {
			s.jobs[k] = j
		}
	}
	return nil
}

// snapshot is the state as a state file. Called with s.mu held.
func (s *Server) snapshot() stateFile {
	st := stateFile{Format: stateFormat, SavedAt: s.nowLocked().UTC(), ClockOffsetNS: int64(s.offset),
		LiveTokens: s.liveTokens, LiveTickets: s.liveTickets, Messages: newestMessages(s.messages, maxSavedBodies),
		MsgSeq: s.msgSeq, Jobs: s.jobs, Tokens: make([]savedToken, 0, len(s.tokens))}
	for at, t := range s.tokens {
		if t.kind == kindApp && t.app == nil {
			// a token of no app of the fixtures (not one gettoken issues):
			// a later load could not place it, so it is not saved
			continue
		}
		st.Tokens = append(st.Tokens, savedToken{Token: at, CorpID: t.corp.CorpID, AgentID: agentOf(t.app), Kind: t.kind, Expires: t.expires})
	}
	for code, cd := range s.codes {
		st.Codes = append(st.Codes, savedCode{Code: code, StoredCode: cd.stored()})
	}
	for t, ut := range s.tickets {
		st.UserTickets = append(st.UserTickets, savedUserTicket{Ticket: t, CorpID: ut.corp.CorpID, AgentID: ut.agentID, UserID: ut.userID, Expires: ut.expires})
	}
	for i := range s.fx.Corps {
		c := &s.fx.Corps[i]
		sc := savedCorp{CorpID: c.CorpID, Departments: c.Departments, Users: c.Users, Tags: c.Tags, AppChats: c.AppChats}
		for _, a := range c.Apps {
			a.Secret = "" // the fixtures hold it; the state file need not
			sc.Apps = append(sc.Apps, a)
		}
		st.Corps = append(st.Corps, sc)
	}
	return st
}

// newestMessages is the tail of msgs whose bodies fit in budget bytes.
func newestMessages(msgs []Message, budget int) []Message {
	start := len(msgs)
	for start > 0 && budget-len(msgs[start-1].Body) >= 0 {
		budget -= len(msgs[start-1].Body)
		start--
	}
	return nonNilSlice(msgs[start:])
}

func agentOf(app *App) int64 {
	if app == nil {
		return 0
	}
	return app.AgentID
}

// SaveState writes the state file now (nothing without Options.StatePath,
// or when nothing changed since the last save).
func (s *Server) SaveState() error {
	if s.opts.StatePath == "" {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.Lock()
	gen := s.gen
	if s.saved && gen == s.savedGen {
		s.mu.Unlock()
		return nil
	}
	data, err := json.Marshal(s.snapshot())
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(s.opts.StatePath), 0o700); err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	if err := atomicfile.Write(s.opts.StatePath, data); err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	s.mu.Lock()
	s.saved, s.savedGen = true, gen
	s.mu.Unlock()
	return nil
}

// saveLoop saves the state while it changes, at most every saveEvery,
// until Close (which saves once more).
func (s *Server) saveLoop() {
	t := time.NewTicker(saveEvery)
	defer t.Stop()
	lastErr := "" // a failure is logged once, not every tick
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			err := s.SaveState()
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			if msg != "" && msg != lastErr {
				s.logf("%v", err)
			}
			lastErr = msg
		}
	}
}

// keepPristine remembers the fixtures' corps for Reset. Called by New.
func (s *Server) keepPristine() {
	s.pristine, _ = json.Marshal(s.fx.Corps) // plain data: cannot fail
}

// restoreContacts puts the corps back as the fixtures gave them (members,
// departments, tags, app chats, app settings). Called with s.mu held.
func (s *Server) restoreContacts() {
	var corps []Corp
	if json.Unmarshal(s.pristine, &corps) != nil || len(corps) != len(s.fx.Corps) {
		return
	}
	for i := range corps {
		c := &s.fx.Corps[i]
		c.Departments, c.Users, c.Tags, c.AppChats = corps[i].Departments, corps[i].Users, corps[i].Tags, corps[i].AppChats
		c.ExternalContacts, c.GroupChats = corps[i].ExternalContacts, corps[i].GroupChats
		for j := range c.Apps {
			c.Apps[j] = corps[i].Apps[j] // in place: tokens point at these
		}
		s.corps[c.CorpID].reindex()
	}
}
