package sandbox

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

func (s *Server) agentGet(c *call) (object, *apiError) {
	raw := c.q.Get("agentid")
	if raw == "" {
		return nil, errMissingAgentID
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 || c.tok.corp.apps[id] == nil {
		return nil, errInvalidAgentID
	}
	if c.tok.app == nil || c.tok.app.AgentID != id {
		return nil, errAppPrivilege
	}
	a := c.tok.app
	users := make([]object, 0, len(a.AllowUsers))
	for _, u := range a.AllowUsers {
		users = append(users, object{{"userid", u}})
	}
	parties := a.AllowParties
	if parties == nil {
		parties = []int64{}
	}
	closed := 0
	if a.Closed {
		closed = 1
	}
	return object{
		{"agentid", a.AgentID}, {"name", a.Name}, {"square_logo_url", a.SquareLogoURL}, {"description", a.Description},
		{"allow_userinfos", object{{"user", users}}}, {"allow_partys", object{{"partyid", parties}}},
		{"allow_tags", object{{"tagid", []int{}}}}, {"close", closed}, {"redirect_domain", a.RedirectDomain},
		{"report_location_flag", a.ReportLocation}, {"isreportenter", a.ReportEnter}, {"home_url", a.HomeURL}, {"customized_publish_status", 0},
	}, nil
}

func (s *Server) callbackIP(*call) (object, *apiError) {
	return object{{"ip_list", nonNil(s.fx.CallbackIPs)}}, nil
}

func (s *Server) apiDomainIP(*call) (object, *apiError) {
	return object{{"ip_list", nonNil(s.fx.APIDomainIPs)}}, nil
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// Message is one message/send call the sandbox accepted.
type Message struct {
	MsgID        string          `json:"msgid"`
	Time         time.Time       `json:"time"`
	CorpID       string          `json:"corpid"`
	AgentID      int64           `json:"agentid"`
	MsgType      string          `json:"msgtype"`
	ToUsers      []string        `json:"to_users"` // resolved recipients (members)
	ToPartys     []int64         `json:"to_partys,omitempty"`
	Body         json.RawMessage `json:"body"` // the request body as sent
	ResponseCode string          `json:"response_code,omitempty"`
	RecalledAt   *time.Time      `json:"recalled_at,omitempty"`
	// Duplicates counts identical sends WeCom's duplicate check filtered.
	Duplicates int `json:"duplicates,omitempty"`
	// ChatID is the app group chat of an appchat/send (no msgid then).
	ChatID string `json:"chatid,omitempty"`
}

var msgTypes = []string{"text", "image", "voice", "video", "file", "textcard", "news", "mpnews",
	"markdown", "miniprogram_notice", "template_card"}

func (s *Server) messageSend(c *call) (object, *apiError) {
	var req struct {
		ToUser  string          `json:"touser"`
		ToParty string          `json:"toparty"`
		ToTag   string          `json:"totag"`
		MsgType string          `json:"msgtype"`
		AgentID json.RawMessage `json:"agentid"`
		Text    *struct {
			Content string `json:"content"`
		} `json:"text"`
		Markdown *struct {
			Content string `json:"content"`
		} `json:"markdown"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	agentRaw := strings.Trim(string(req.AgentID), `"`)
	if agentRaw == "" || agentRaw == "null" {
		return nil, errMissingAgentID
	}
	agentID, err := strconv.ParseInt(agentRaw, 10, 64)
	if err != nil || c.tok.corp.apps[agentID] == nil {
		return nil, errInvalidAgentID
	}
	if c.tok.app == nil || c.tok.app.AgentID != agentID {
		return nil, errAppPrivilege
	}
	if !slices.Contains(msgTypes, req.MsgType) {
		return nil, errInvalidMsgType
	}
	if (req.MsgType == "text" && (req.Text == nil || req.Text.Content == "")) ||
		(req.MsgType == "markdown" && (req.Markdown == nil || req.Markdown.Content == "")) {
		return nil, errEmptyContent
	}
	opts, e := s.checkMessage(c, req.MsgType)
	if e != nil {
		return nil, e
	}
	if strings.TrimSpace(req.ToUser+req.ToParty+req.ToTag) == "" {
		return nil, errAllEmpty
	}

	ci, app := c.tok.corp, c.tok.app
	var toUsers, badUsers, badParties, badTags []string
	var toParties []int64
	seen := map[string]bool{}
	addUser := func(u *User) {
		if !seen[u.UserID] {
			seen[u.UserID] = true
			toUsers = append(toUsers, u.UserID)
		}
	}
	if strings.TrimSpace(req.ToUser) == "@all" {
		for i := range ci.Users {
			if ci.userVisible(app, &ci.Users[i]) {
				addUser(&ci.Users[i])
			}
		}
	} else {
		for _, id := range splitRecipients(req.ToUser) {
			if u := ci.user(id); u != nil && ci.userVisible(app, u) {
				addUser(u)
			} else {
				badUsers = append(badUsers, foldUserID(id))
			}
		}
	}
	for _, raw := range splitRecipients(req.ToParty) {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || ci.depts[id] == nil || !ci.deptVisible(app, id) {
			badParties = append(badParties, raw)
			continue
		}
		toParties = append(toParties, id)
		for _, d := range ci.subtree(id, true) {
			for i := range ci.Users {
				if slices.Contains(ci.Users[i].Department, d.ID) {
					addUser(&ci.Users[i])
				}
			}
		}
	}
	goodTags := 0
	for _, raw := range splitRecipients(req.ToTag) {
		t := ci.tagOf(raw)
		if t == nil {
			badTags = append(badTags, raw)
			continue
		}
		goodTags++
		for _, u := range ci.tagRecipients(t) {
			if ci.userVisible(app, u) {
				addUser(u)
			}
		}
	}
	if len(toUsers) == 0 && len(toParties) == 0 && goodTags == 0 {
		return nil, errAllInvalid
	}

	if dup := s.duplicateOf(ci.CorpID, agentID, c.body, opts, c.now); dup != nil {
		dup.Duplicates++
		return s.sendAnswer(dup.MsgID, dup.ResponseCode, badUsers, badParties, badTags), nil
	}
	s.msgSeq++
	msgID := fmt.Sprintf("sandbox_msg_%d_%s", s.msgSeq, randomString(9))
	responseCode := ""
	if opts.interactive {
		responseCode = randomString(24)
	}
	s.messages = append(s.messages, Message{MsgID: msgID, Time: c.now, CorpID: ci.CorpID, AgentID: agentID,
		MsgType: req.MsgType, ToUsers: toUsers, ToPartys: toParties, Body: json.RawMessage(slices.Clone(c.body)),
		ResponseCode: responseCode})
	if len(s.messages) > maxMessages {
		s.messages = append([]Message(nil), s.messages[len(s.messages)-maxMessages:]...)
	}
	return s.sendAnswer(msgID, responseCode, badUsers, badParties, badTags), nil
}

func (s *Server) sendAnswer(msgID, responseCode string, badUsers, badParties, badTags []string) object {
	resp := object{}
	if len(badUsers) > 0 {
		resp = append(resp, field{"invaliduser", strings.Join(badUsers, "|")})
	}
	if len(badParties) > 0 {
		resp = append(resp, field{"invalidparty", strings.Join(badParties, "|")})
	}
	if len(badTags) > 0 {
		resp = append(resp, field{"invalidtag", strings.Join(badTags, "|")})
	}
	resp = append(resp, field{"msgid", msgID})
	if responseCode != "" {
		resp = append(resp, field{"response_code", responseCode})
	}
	return resp
}

func splitRecipients(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "|") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
