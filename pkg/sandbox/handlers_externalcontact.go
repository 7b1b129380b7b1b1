package sandbox

import (
	"encoding/base64"
	"strconv"
	"time"
)

// Customer contact (客户联系) basics: DOC 92571 get_follow_user_list, 92113
// list, 92114 get, 92994 batch/get_by_user, 92228 add_contact_way, 92120
// groupchat/list, 92122 groupchat/get; errcodes from DOC 90313. Callers:
// the 客户联系 secret's token, or an app in its 可调用应用 list; any other
// app gets 48002 (API接口无权限调用), the trap users hit most.

var (
	errMissingExternal = errf(41035, "missing external_userid") // sandbox wording
	errMissingWayType  = errf(41037, "missing type")            // sandbox wording
	errMissingWayScene = errf(41038, "missing scene")           // sandbox wording
	errInvalidWayType  = errf(41039, "invalid type")            // sandbox wording
	errInvalidWayScene = errf(41040, "invalid scene")           // sandbox wording
	errInvalidExternal = errf(40096, "invalid external userid") // sandbox wording
	errChatIDNotExist  = errf(40050, "chat_id not exist")       // sandbox wording
	errNoRelation      = errf(84061, "not external contact")    // sandbox wording
	errInvalidLimit    = errf(40058, "invalid limit")           // sandbox wording
	errInvalidCursor   = errf(40058, "invalid cursor")          // sandbox wording
)

// externalRoute wraps a customer-contact handler with the caller check.
func externalRoute(h func(c *call) (object, *apiError)) func(c *call) (object, *apiError) {
	return func(c *call) (object, *apiError) {
		if c.tok.kind != kindExternal && (c.tok.app == nil || !c.tok.app.ExternalContactAPI) {
			return nil, errAPIForbidden
		}
		return h(c)
	}
}

func (ci *corpIndex) externalContact(id string) *ExternalContact {
	for i := range ci.ExternalContacts {
		if ci.ExternalContacts[i].ExternalUserID == id {
			return &ci.ExternalContacts[i]
		}
	}
	return nil
}

// followUsers are the members with customers, in member order.
func (ci *corpIndex) followUsers() []string {
	out := []string{}
	for _, u := range ci.Users {
		for _, ec := range ci.ExternalContacts {
			if ec.followedBy(u.UserID) != nil {
				out = append(out, u.UserID)
				break
			}
		}
	}
	return out
}

func (ec *ExternalContact) followedBy(userID string) *FollowUser {
	for i := range ec.FollowUsers {
		if sameUser(ec.FollowUsers[i].UserID, userID) {
			return &ec.FollowUsers[i]
		}
	}
	return nil
}

func (s *Server) externalFollowUsers(c *call) (object, *apiError) {
	return object{{"follow_user", c.tok.corp.followUsers()}}, nil
}

func (s *Server) externalList(c *call) (object, *apiError) {
	ci := c.tok.corp
	id := c.q.Get("userid")
	if id == "" {
		return nil, errMissingUserID
	}
	if ci.user(id) == nil {
		return nil, errUserNotFound
	}
	list := []string{}
	for _, ec := range ci.ExternalContacts {
		if ec.followedBy(id) != nil {
			list = append(list, ec.ExternalUserID)
		}
	}
	if len(list) == 0 {
		return nil, errNoRelation
	}
	return object{{"external_userid", list}}, nil
}

func externalObject(ec *ExternalContact) object {
	typ := ec.Type
	if typ == 0 {
		typ = 1
	}
	o := object{{"external_userid", ec.ExternalUserID}, {"name", ec.Name}, {"type", typ},
		{"avatar", ec.Avatar}, {"gender", ec.Gender}}
	if typ == 2 {
		o = append(o, field{"corp_name", ec.CorpName})
	}
	return o
}

func followObject(f *FollowUser, tagKey string) object {
	return object{{"userid", f.UserID}, {"remark", f.Remark}, {"description", f.Description},
		{"createtime", f.CreateTime}, {tagKey, []any{}}, {"remark_mobiles", []string{}},
		{"add_way", f.AddWay}, {"oper_userid", f.UserID}, {"state", f.State}}
}

func (s *Server) externalGet(c *call) (object, *apiError) {
	id := c.q.Get("external_userid")
	if id == "" {
		return nil, errMissingExternal
	}
	ec := c.tok.corp.externalContact(id)
	if ec == nil {
		return nil, errInvalidExternal
	}
	follow := make([]object, 0, len(ec.FollowUsers))
	for i := range ec.FollowUsers {
		follow = append(follow, followObject(&ec.FollowUsers[i], "tags"))
	}
	return object{{"external_contact", externalObject(ec)}, {"follow_user", follow}, {"next_cursor", ""}}, nil
}

// offsetCursor decodes the opaque cursors of the paged endpoints.
func offsetCursor(cursor string) (int, *apiError) {
	if cursor == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	n, err2 := strconv.Atoi(string(raw))
	if err != nil || err2 != nil || n < 0 {
		return 0, errInvalidCursor
	}
	return n, nil
}

func nextCursor(end, total int) string {
	if end >= total {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
}

// externalBatchByUser pages over (customer, member) pairs of 1-100
// members, limit 1-100 (default 50), DOC 92994.
func (s *Server) externalBatchByUser(c *call) (object, *apiError) {
	var req struct {
		UserIDList []string `json:"userid_list"`
		Cursor     string   `json:"cursor"`
		Limit      int      `json:"limit"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	if len(req.UserIDList) == 0 || len(req.UserIDList) > 100 {
		return nil, errMissingUserID
	}
	if req.Limit == 0 {
		req.Limit = 50
	}
	if req.Limit < 0 || req.Limit > 100 {
		return nil, errInvalidLimit
	}
	offset, e := offsetCursor(req.Cursor)
	if e != nil {
		return nil, e
	}
	ci := c.tok.corp
	var all []object
	for _, id := range req.UserIDList {
		for i := range ci.ExternalContacts {
			ec := &ci.ExternalContacts[i]
			if f := ec.followedBy(id); f != nil {
				all = append(all, object{{"external_contact", externalObject(ec)}, {"follow_info", followObject(f, "tag_id")}})
			}
		}
	}
	offset = min(offset, len(all))
	end := min(offset+req.Limit, len(all))
	return object{{"external_contact_list", nonNilSlice(all[offset:end])}, {"next_cursor", nextCursor(end, len(all))}}, nil
}

// externalAddContactWay makes a 联系我 config: type 1 (one member) or 2
// (several), scene 1 (mini program) or 2 (QR code, answers qr_code).
func (s *Server) externalAddContactWay(c *call) (object, *apiError) {
	var req struct {
		Type  *int     `json:"type"`
		Scene *int     `json:"scene"`
		User  []string `json:"user"`
		Party []int64  `json:"party"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	switch {
	case req.Type == nil:
		return nil, errMissingWayType
	case *req.Type != 1 && *req.Type != 2:
		return nil, errInvalidWayType
	case req.Scene == nil:
		return nil, errMissingWayScene
	case *req.Scene != 1 && *req.Scene != 2:
		return nil, errInvalidWayScene
	case len(req.User) == 0 && len(req.Party) == 0, *req.Type == 1 && (len(req.User) != 1 || len(req.Party) > 0):
		return nil, errUserIDInvalid
	}
	ci := c.tok.corp
	for _, u := range req.User {
		if ci.user(u) == nil {
			return nil, errUserIDInvalid
		}
	}
	for _, p := range req.Party {
		if ci.depts[p] == nil {
			return nil, errInvalidPartyID
		}
	}
	id := randomString(16)
	resp := object{{"config_id", id}}
	if *req.Scene == 2 {
		resp = append(resp, field{"qr_code", "https://wwcli.example.com/contact_way/" + id + ".png"})
	}
	return resp, nil
}

// externalGroupChatList pages the customer group chats, limit 1-1000
// required (DOC 92120), filtered by owner.
func (s *Server) externalGroupChatList(c *call) (object, *apiError) {
	var req struct {
		StatusFilter int `json:"status_filter"`
		OwnerFilter  struct {
			UserIDList []string `json:"userid_list"`
		} `json:"owner_filter"`
		Cursor string `json:"cursor"`
		Limit  int    `json:"limit"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	if req.Limit < 1 || req.Limit > 1000 {
		return nil, errInvalidLimit
	}
	offset, e := offsetCursor(req.Cursor)
	if e != nil {
		return nil, e
	}
	var all []object
	for _, g := range c.tok.corp.GroupChats {
		if len(req.OwnerFilter.UserIDList) > 0 && !containsUser(req.OwnerFilter.UserIDList, g.Owner) {
			continue
		}
		if req.StatusFilter == 0 && g.Status != 0 {
			continue
		}
		all = append(all, object{{"chat_id", g.ChatID}, {"status", g.Status}})
	}
	offset = min(offset, len(all))
	end := min(offset+req.Limit, len(all))
	return object{{"group_chat_list", nonNilSlice(all[offset:end])}, {"next_cursor", nextCursor(end, len(all))}}, nil
}

func (s *Server) externalGroupChatGet(c *call) (object, *apiError) {
	var req struct {
		ChatID   string `json:"chat_id"`
		NeedName int    `json:"need_name"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	for _, g := range c.tok.corp.GroupChats {
		if g.ChatID != req.ChatID {
			continue
		}
		members := make([]object, 0, len(g.Members))
		for _, m := range g.Members {
			o := object{{"userid", m.UserID}, {"type", m.Type}, {"join_time", m.JoinTime},
				{"join_scene", m.JoinScene}, {"invitor", object{{"userid", g.Owner}}}, {"group_nickname", ""}}
			if req.NeedName == 1 {
				name := m.Name
				if u := c.tok.corp.user(m.UserID); m.Type == 1 && u != nil {
					name = u.Name
				}
				o = append(o, field{"name", name})
			}
			members = append(members, o)
		}
		admins := make([]object, 0, len(g.Admins))
		for _, a := range g.Admins {
			admins = append(admins, object{{"userid", a}})
		}
		created := g.CreateTime
		if created == 0 {
			created = time.Unix(1700000000, 0).Unix()
		}
		return object{{"group_chat", object{{"chat_id", g.ChatID}, {"name", g.Name}, {"owner", g.Owner},
			{"create_time", created}, {"notice", g.Notice}, {"member_list", members}, {"admin_list", admins}}}}, nil
	}
	return nil, errChatIDNotExist
}
