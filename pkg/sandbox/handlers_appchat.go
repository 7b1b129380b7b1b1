package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"unicode/utf8"
)

// App group chats (群聊会话): DOC 90245 appchat/create, 90246
// appchat/update, 90247 appchat/get, 90248 appchat/send; errcodes
// 86001-86008 from DOC 90313. Only a self-built app's token may call them,
// and only for the chats it made (86008); DOC 90245 also asks for an app
// whose visible range is the root department (the sandbox does not check).

var (
	errChatIDInvalid = errf(86001, "invalid chatid")               // sandbox wording
	errChatNotFound  = errf(86003, "chatid not found")             // sandbox wording
	errChatName      = errf(86004, "invalid chat name")            // sandbox wording
	errChatOwner     = errf(86005, "invalid chat owner")           // sandbox wording
	errChatSize      = errf(86006, "invalid chat member count")    // sandbox wording
	errChatMember    = errf(86007, "invalid chat member")          // sandbox wording
	errChatNotOwn    = errf(86008, "chat not created by this app") // sandbox wording
	errChatExists    = errf(86215, "chatid existed")               // sandbox wording
)

const (
	maxChatName    = 50   // DOC 90245: 最多50个utf8字符
	maxChatMembers = 2000 // DOC 90245: 至少2人，至多2000人
)

var chatIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9A-Za-z]{1,32}$`) })

func (ci *corpIndex) appChat(id string) *AppChat {
	for i := range ci.AppChats {
		if ci.AppChats[i].ChatID == id {
			return &ci.AppChats[i]
		}
	}
	return nil
}

// resolveMembers maps userids to the members' own spelling; nil when one
// is unknown.
func (ci *corpIndex) resolveMembers(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		u := ci.user(id)
		if u == nil {
			return nil
		}
		if !containsUser(out, u.UserID) {
			out = append(out, u.UserID)
		}
	}
	return out
}

func (s *Server) appChatCreate(c *call) (object, *apiError) {
	if c.tok.app == nil {
		return nil, errAPIForbidden
	}
	var req struct {
		Name     string   `json:"name"`
		Owner    string   `json:"owner"`
		UserList []string `json:"userlist"`
		ChatID   string   `json:"chatid"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	ci := c.tok.corp
	if utf8.RuneCountInString(req.Name) > maxChatName {
		return nil, errChatName
	}
	members := ci.resolveMembers(req.UserList)
	if members == nil {
		return nil, errChatMember
	}
	if len(members) < 2 || len(members) > maxChatMembers {
		return nil, errChatSize
	}
	owner := ""
	switch {
	case req.Owner == "":
		owner = members[0] // DOC 90245: 不指定则随机从userlist里选一人
	case containsUser(members, req.Owner):
		owner = ci.user(req.Owner).UserID
	default:
		return nil, errChatOwner
	}
	id := req.ChatID
	if id == "" {
		id = newChatID()
	} else if !chatIDPattern().MatchString(id) {
		return nil, errChatIDInvalid
	}
	if ci.appChat(id) != nil {
		return nil, errChatExists
	}
	ci.AppChats = append(ci.AppChats, AppChat{ChatID: id, Name: req.Name, Owner: owner, Users: members, AgentID: c.tok.app.AgentID})
	return object{{"chatid", id}}, nil
}

// newChatID is a random chatid of the documented alphabet (0-9 a-z A-Z,
// at most 32 characters).
func newChatID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return "wr" + hex.EncodeToString(b)
}

// ownChat finds the chat named in a request, made by the caller's app.
func ownChat(c *call, id string) (*AppChat, *apiError) {
	if c.tok.app == nil {
		return nil, errAPIForbidden
	}
	if id == "" {
		return nil, errChatIDInvalid
	}
	ch := c.tok.corp.appChat(id)
	if ch == nil {
		return nil, errChatNotFound
	}
	if ch.AgentID != c.tok.app.AgentID {
		return nil, errChatNotOwn
	}
	return ch, nil
}

func (s *Server) appChatUpdate(c *call) (object, *apiError) {
	var req struct {
		ChatID      string   `json:"chatid"`
		Name        *string  `json:"name"`
		Owner       string   `json:"owner"`
		AddUserList []string `json:"add_user_list"`
		DelUserList []string `json:"del_user_list"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	ch, e := ownChat(c, req.ChatID)
	if e != nil {
		return nil, e
	}
	ci := c.tok.corp
	edited := *ch
	edited.Users = slices.Clone(ch.Users)
	if req.Name != nil {
		if utf8.RuneCountInString(*req.Name) > maxChatName {
			return nil, errChatName
		}
		edited.Name = *req.Name
	}
	add := ci.resolveMembers(req.AddUserList)
	if add == nil {
		return nil, errChatMember
	}
	for _, u := range add {
		if !containsUser(edited.Users, u) {
			edited.Users = append(edited.Users, u)
		}
	}
	edited.Users = slices.DeleteFunc(edited.Users, func(u string) bool { return containsUser(req.DelUserList, u) })
	if req.Owner != "" {
		if !containsUser(edited.Users, req.Owner) {
			return nil, errChatOwner
		}
		edited.Owner = ci.user(req.Owner).UserID
	}
	if !containsUser(edited.Users, edited.Owner) {
		return nil, errChatOwner // the owner cannot be removed without a new one
	}
	if len(edited.Users) < 2 || len(edited.Users) > maxChatMembers {
		return nil, errChatSize
	}
	*ch = edited
	return object{}, nil
}

func (s *Server) appChatGet(c *call) (object, *apiError) {
	ch, e := ownChat(c, c.q.Get("chatid"))
	if e != nil {
		return nil, e
	}
	return object{{"chat_info", object{{"chatid", ch.ChatID}, {"name", ch.Name}, {"owner", ch.Owner},
		{"userlist", ch.Users}, {"chat_type", 0}}}}, nil
}

// appChatSend checks the content like message/send (same msgtypes but
// template cards and mini-program notices, DOC 90248) and records it.
func (s *Server) appChatSend(c *call) (object, *apiError) {
	var req struct {
		ChatID  string `json:"chatid"`
		MsgType string `json:"msgtype"`
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
	ch, e := ownChat(c, req.ChatID)
	if e != nil {
		return nil, e
	}
	if !slices.Contains([]string{"text", "image", "voice", "video", "file", "textcard", "news", "mpnews", "markdown"}, req.MsgType) {
		return nil, errInvalidMsgType
	}
	if (req.MsgType == "text" && (req.Text == nil || req.Text.Content == "")) ||
		(req.MsgType == "markdown" && (req.Markdown == nil || req.Markdown.Content == "")) {
		return nil, errEmptyContent
	}
	if _, e := s.checkMessage(c, req.MsgType); e != nil {
		return nil, e
	}
	s.msgSeq++
	s.messages = append(s.messages, Message{MsgID: fmt.Sprintf("sandbox_chat_%d", s.msgSeq), Time: c.now,
		CorpID: c.tok.corp.CorpID, AgentID: ch.AgentID, MsgType: req.MsgType, ToUsers: slices.Clone(ch.Users),
		Body: json.RawMessage(slices.Clone(c.body)), ChatID: ch.ChatID})
	if len(s.messages) > maxMessages {
		s.messages = append([]Message(nil), s.messages[len(s.messages)-maxMessages:]...)
	}
	return object{}, nil
}
