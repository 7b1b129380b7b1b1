package sandbox

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Tags (标签): DOC 90210 tag/create, 90211 tag/update, 90212 tag/delete,
// 90213 tag/get, 90214 tag/addtagusers, 90215 tag/deltagusers, 90216
// tag/list; errcodes from DOC 90313. The contact-sync secret manages every
// tag; an app manages the tags it created (DOC 90210: "创建的标签属于该应用")
// and reads all of them.

var (
	errTagID      = errf(40068, "invalid tagid")           // sandbox wording
	errTagAllBad  = errf(40070, "all tag members invalid") // sandbox wording
	errTagName    = errf(40071, "invalid tagname")         // sandbox wording
	errTagNameLen = errf(40072, "invalid tagname size")    // sandbox wording
)

const maxTagName = 32 // DOC 90210: 长度限制为32个字以内（汉字或英文字母）

// tagOf finds the tag named by raw (a number in the query or the body).
func (ci *corpIndex) tagOf(raw string) *Tag {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil
	}
	return ci.tags[id]
}

// mayWriteTag: the contact token any tag, an app its own.
func mayWriteTag(c *call, t *Tag) *apiError {
	if c.tok.isContact() || (c.tok.app != nil && t.Owner == c.tok.app.AgentID) {
		return nil
	}
	return errNoPrivilege
}

func checkTagName(ci *corpIndex, name string, except int64) *apiError {
	n := utf8.RuneCountInString(name)
	if n == 0 {
		return errTagName
	}
	if n > maxTagName {
		return errTagNameLen
	}
	for _, t := range ci.Tags {
		if t.Name == name && t.ID != except {
			return errTagName // names are unique in a corp
		}
	}
	return nil
}

func (s *Server) tagCreate(c *call) (object, *apiError) {
	if c.tok.kind == kindExternal {
		return nil, errAPIForbidden
	}
	var req struct {
		TagName string `json:"tagname"`
		TagID   int64  `json:"tagid"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	ci := c.tok.corp
	if e := checkTagName(ci, req.TagName, 0); e != nil {
		return nil, e
	}
	t := Tag{ID: req.TagID, Name: req.TagName, Owner: agentOf(c.tok.app)}
	switch {
	case req.TagID < 0:
		return nil, errTagID
	case req.TagID > 0 && ci.tags[req.TagID] != nil:
		return nil, errTagID
	case req.TagID == 0:
		for _, o := range ci.Tags {
			t.ID = max(t.ID, o.ID)
		}
		t.ID++
	}
	ci.Tags = append(ci.Tags, t)
	ci.reindex()
	c.okMsg = "created"
	return object{{"tagid", t.ID}}, nil
}

func (s *Server) tagUpdate(c *call) (object, *apiError) {
	var req struct {
		TagID   json64 `json:"tagid"`
		TagName string `json:"tagname"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	ci := c.tok.corp
	t := ci.tags[int64(req.TagID)]
	if t == nil {
		return nil, errTagID
	}
	if e := mayWriteTag(c, t); e != nil {
		return nil, e
	}
	if e := checkTagName(ci, req.TagName, t.ID); e != nil {
		return nil, e
	}
	t.Name = req.TagName
	c.okMsg = "updated"
	return object{}, nil
}

func (s *Server) tagDelete(c *call) (object, *apiError) {
	ci := c.tok.corp
	t := ci.tagOf(c.q.Get("tagid"))
	if t == nil {
		return nil, errTagID
	}
	if e := mayWriteTag(c, t); e != nil {
		return nil, e
	}
	id := t.ID
	ci.Tags = slices.DeleteFunc(ci.Tags, func(o Tag) bool { return o.ID == id })
	ci.reindex()
	c.okMsg = "deleted"
	return object{}, nil
}

func (s *Server) tagGet(c *call) (object, *apiError) {
	ci := c.tok.corp
	t := ci.tagOf(c.q.Get("tagid"))
	if t == nil {
		return nil, errTagID
	}
	users := make([]object, 0, len(t.Users))
	for _, id := range t.Users {
		if u := ci.user(id); u != nil {
			users = append(users, object{{"userid", u.UserID}, {"name", u.Name}})
		}
	}
	return object{{"tagname", t.Name}, {"userlist", users}, {"partylist", nonNilSlice(t.Parties)}}, nil
}

func (s *Server) tagList(c *call) (object, *apiError) {
	list := make([]object, 0, len(c.tok.corp.Tags))
	for _, t := range c.tok.corp.Tags {
		list = append(list, object{{"tagid", t.ID}, {"tagname", t.Name}})
	}
	return object{{"taglist", list}}, nil
}

// tagMembers is addtagusers (add) or deltagusers: invalid ids come back in
// invalidlist / invalidparty; when every one is invalid the call is 40070.
func (s *Server) tagMembers(add bool) func(c *call) (object, *apiError) {
	return func(c *call) (object, *apiError) {
		var req struct {
			TagID     json64   `json:"tagid"`
			UserList  []string `json:"userlist"`
			PartyList []int64  `json:"partylist"`
		}
		if e := c.decodeBody(&req); e != nil {
			return nil, e
		}
		ci := c.tok.corp
		t := ci.tags[int64(req.TagID)]
		if t == nil {
			return nil, errTagID
		}
		if e := mayWriteTag(c, t); e != nil {
			return nil, e
		}
		if len(req.UserList) == 0 && len(req.PartyList) == 0 {
			return nil, errTagAllBad
		}
		var badUsers []string
		var badParties []int64
		for _, id := range req.UserList {
			u := ci.user(id)
			if u == nil || !ci.userVisible(c.tok.app, u) {
				badUsers = append(badUsers, foldUserID(id))
				continue
			}
			t.Users = slices.DeleteFunc(t.Users, func(o string) bool { return sameUser(o, u.UserID) })
			if add {
				t.Users = append(t.Users, u.UserID)
			}
		}
		for _, id := range req.PartyList {
			if ci.depts[id] == nil || !ci.deptVisible(c.tok.app, id) {
				badParties = append(badParties, id)
				continue
			}
			t.Parties = slices.DeleteFunc(t.Parties, func(o int64) bool { return o == id })
			if add {
				t.Parties = append(t.Parties, id)
			}
		}
		if len(badUsers) == len(req.UserList) && len(badParties) == len(req.PartyList) {
			return nil, errTagAllBad
		}
		if !add {
			c.okMsg = "deleted"
		}
		resp := object{}
		if len(badUsers) > 0 {
			resp = append(resp, field{"invalidlist", strings.Join(badUsers, "|")})
		}
		if len(badParties) > 0 {
			resp = append(resp, field{"invalidparty", badParties})
		}
		return resp, nil
	}
}

// tagRecipients resolves a tag for message/send: its members and the
// members of its departments (and their sub-departments).
func (ci *corpIndex) tagRecipients(t *Tag) []*User {
	var out []*User
	for i := range ci.Users {
		u := &ci.Users[i]
		in := containsUser(t.Users, u.UserID)
		for _, p := range t.Parties {
			for _, d := range u.Department {
				if d == p || ci.isAncestor(p, d) {
					in = true
				}
			}
		}
		if in {
			out = append(out, u)
		}
	}
	return out
}

// json64 is an integer sent as a number or a numeric string.
type json64 int64

func (v *json64) UnmarshalJSON(b []byte) error {
	n, ok := jsonInt(b)
	if !ok {
		return errTagID
	}
	*v = json64(n)
	return nil
}

// jsonInt accepts a number or a numeric string (clients differ).
func jsonInt(raw json.RawMessage) (int64, bool) {
	v, err := strconv.ParseInt(strings.Trim(string(raw), `"`), 10, 64)
	return v, err == nil
}
