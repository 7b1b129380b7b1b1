package sandbox

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// message/send content checks beyond the envelope (reference §2), and
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
