package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// message/send: the envelope (agentid, msgtype, recipients), the content
// checks beyond it (reference §2) and the duplicate check; and
// message/recall.

const (
	appTextMax          = 2048
	defaultDedupeWindow = 1800 * time.Second
	maxDedupeWindow     = 4 * time.Hour
	recallWindow        = 24 * time.Hour
)

var (
	errContentTooBig = errf(45002, "content size out of limit")                  // sandbox wording
	errNewsNoSafe    = errf(40074, "news message does not support safe message") // sandbox wording
	errMsgIDExpired  = errf(42052, "msgid expired")                              // sandbox wording
	errInvalidMsgID  = errf(40058, "invalid msgid")                              // sandbox wording
)

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

// sendOptions are what checkMessage learnt from the body.
type sendOptions struct {
	dedupe      time.Duration // 0 = no duplicate check
	interactive bool          // a card that answers response_code
}

// checkMessage checks the content object of msgtype, the media_ids, the
// safe flag and the duplicate-check fields. Called with s.mu held.
func (s *Server) checkMessage(c *call, msgtype string) (sendOptions, *apiError) {
	var opts sendOptions
	var env map[string]json.RawMessage
	if json.Unmarshal(c.body, &env) != nil {
		return opts, errWrongJSON
	}
	part := env[msgtype]
	if len(part) == 0 || string(part) == "null" {
		return opts, errf(40058, "missing "+msgtype)
	}
	var safe int
	if raw := env["safe"]; len(raw) > 0 && json.Unmarshal(raw, &safe) != nil || safe < 0 || safe > 2 {
		return opts, errf(40058, "invalid safe")
	}
	if safe == 2 && msgtype != "mpnews" {
		return opts, errf(40058, "safe=2 is for mpnews only")
	}
	var fields struct {
		Content     string `json:"content"`
		MediaID     string `json:"media_id"`
		Title       string `json:"title"`
		Description string `json:"description"`
		URL         string `json:"url"`
		Articles    []struct {
			Title, URL, AppID, PagePath string
			ThumbMediaID                string `json:"thumb_media_id"`
			Content                     string `json:"content"`
		} `json:"articles"`
		CardType string `json:"card_type"`
	}
	if json.Unmarshal(part, &fields) != nil {
		return opts, errWrongJSON
	}
	switch msgtype {
	case "text", "markdown":
		if len(fields.Content) > appTextMax {
			return opts, errContentTooBig
		}
	case "image", "voice", "video", "file":
		if fields.MediaID == "" {
			return opts, errMissingMedia
		}
		m := s.appMedia(c, fields.MediaID)
		// A file message takes any upload; the others their own type.
		if m == nil || (msgtype != "file" && m.typ != msgtype) {
			return opts, errMediaID
		}
	case "textcard":
		switch {
		case strings.TrimSpace(fields.Title) == "":
			return opts, errf(41016, "missing title")
		case strings.TrimSpace(fields.Description) == "":
			return opts, errf(41033, "missing description")
		case fields.URL == "":
			return opts, errf(41010, "missing url")
		}
	case "news", "mpnews":
		if msgtype == "news" && safe != 0 {
			return opts, errNewsNoSafe
		}
		if len(fields.Articles) == 0 || len(fields.Articles) > 8 {
			return opts, errf(40058, msgtype+".articles must hold 1 to 8 articles")
		}
		for _, a := range fields.Articles {
			switch {
			case strings.TrimSpace(a.Title) == "":
				return opts, errf(41016, "missing title")
			case msgtype == "news" && a.URL == "" && (a.AppID == "" || a.PagePath == ""):
				return opts, errf(41010, "missing url")
			case msgtype == "mpnews" && (a.Content == "" || s.appMedia(c, a.ThumbMediaID) == nil):
				return opts, errMediaID
			}
		}
	case "template_card":
		if e := checkCard(part, []string{"text_notice", "news_notice", "button_interaction", "vote_interaction", "multiple_interaction"}); e != nil {
			return opts, e
		}
		opts.interactive = fields.CardType != "text_notice" && fields.CardType != "news_notice"
	}
	var check, interval int
	if raw := env["enable_duplicate_check"]; len(raw) > 0 {
		_ = json.Unmarshal(bytes.Trim(raw, `"`), &check)
	}
	if raw := env["duplicate_check_interval"]; len(raw) > 0 {
		if json.Unmarshal(bytes.Trim(raw, `"`), &interval) != nil || interval < 0 || time.Duration(interval)*time.Second > maxDedupeWindow {
			return opts, errf(40058, "duplicate_check_interval must be 1 to 14400 seconds")
		}
	}
	if check == 1 {
		opts.dedupe = defaultDedupeWindow
		if interval > 0 {
			opts.dedupe = time.Duration(interval) * time.Second
		}
	}
	return opts, nil
}

// duplicateOf finds an identical request of the same app inside the
// duplicate-check interval. How WeCom answers a filtered repeat is not
// documented; the sandbox answers ok with the first message's msgid.
func (s *Server) duplicateOf(corp string, agent int64, body []byte, opts sendOptions, now time.Time) *Message {
	if opts.dedupe == 0 {
		return nil
	}
	for i := len(s.messages) - 1; i >= 0; i-- {
		m := &s.messages[i]
		if now.Sub(m.Time) >= opts.dedupe {
			break
		}
		if m.CorpID == corp && m.AgentID == agent && bytes.Equal(m.Body, body) {
			return m
		}
	}
	return nil
}

func (s *Server) messageRecall(c *call) (object, *apiError) {
	var req struct {
		MsgID string `json:"msgid"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	if req.MsgID == "" {
		return nil, errInvalidMsgID
	}
	for i := range s.messages {
		m := &s.messages[i]
		if m.MsgID != req.MsgID || m.CorpID != c.tok.corp.CorpID {
			continue
		}
		// Recalling with another app than the sender is 40058 (errtext 40058).
		if c.tok.app == nil || c.tok.app.AgentID != m.AgentID || m.RecalledAt != nil {
			return nil, errInvalidMsgID
		}
		if c.now.Sub(m.Time) > recallWindow {
			return nil, errMsgIDExpired
		}
		at := c.now
		m.RecalledAt = &at
		return object{}, nil
	}
	return nil, errInvalidMsgID
}
