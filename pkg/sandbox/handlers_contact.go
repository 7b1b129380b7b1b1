package sandbox

import (
	"encoding/base64"
	"slices"
	"strconv"
	"time"
)

// deptVisible: the contact-sync token (app nil) sees everything; an app sees
// the departments of allow_partys and everything below them.
func (ci *corpIndex) deptVisible(app *App, id int64) bool {
	if app == nil {
		return true
	}
	for steps := 0; id != 0 && steps <= len(ci.depts); steps++ {
		if slices.Contains(app.AllowParties, id) {
			return true
		}
		d := ci.depts[id]
		if d == nil {
			return false
		}
		id = d.ParentID
	}
	return false
}

func (ci *corpIndex) userVisible(app *App, u *User) bool {
	if app == nil || containsUser(app.AllowUsers, u.UserID) {
		return true
	}
	for _, d := range u.Department {
		if ci.deptVisible(app, d) {
			return true
		}
	}
	return false
}

// subtree lists root and, with children, every department below it, in
// fixture order.
func (ci *corpIndex) subtree(root int64, children bool) []*Department {
	var out []*Department
	for i := range ci.Departments {
		d := &ci.Departments[i]
		if d.ID == root || (children && ci.isAncestor(root, d.ID)) {
			out = append(out, d)
		}
	}
	return out
}

func (ci *corpIndex) isAncestor(anc, id int64) bool {
	for steps := 0; id != 0 && steps <= len(ci.depts); steps++ {
		d := ci.depts[id]
		if d == nil {
			return false
		}
		if d.ParentID == anc {
			return true
		}
		id = d.ParentID
	}
	return false
}

func userStatus(u *User) int {
	if u.Status == 0 {
		return 1
	}
	return u.Status
}

func userDetail(ci *corpIndex, u *User) object {
	leader := make([]int, len(u.Department))
	order := make([]int, len(u.Department))
	for i, id := range u.Department {
		if d := ci.depts[id]; d != nil && containsUser(d.Leaders, u.UserID) {
			leader[i] = 1
		}
	}
	gender := u.Gender
	if gender == "" {
		gender = "0"
	}
	return object{
		{"userid", u.UserID}, {"name", u.Name}, {"department", u.Department}, {"order", order},
		{"position", u.Position}, {"mobile", u.Mobile}, {"gender", gender}, {"email", u.Email},
		{"biz_mail", u.BizMail}, {"is_leader_in_dept", leader}, {"direct_leader", []string{}},
		{"avatar", u.Avatar}, {"thumb_avatar", u.Avatar}, {"telephone", u.Telephone}, {"alias", u.Alias},
		{"address", u.Address}, {"status", userStatus(u)}, {"main_department", u.Department[0]},
		// DOC 90196 response fields the fixtures have no data for (audit F6)
		{"extattr", object{{"attrs", []any{}}}}, {"external_position", ""},
		{"external_profile", object{{"external_corp_name", ""}, {"external_attr", []any{}}}},
	}
}

// visibleUser is the member ?userid= names, when the token may see it.
func visibleUser(c *call) (*User, *apiError) {
	id := c.q.Get("userid")
	if id == "" {
		return nil, errMissingUserID
	}
	u := c.tok.corp.user(id)
	if u == nil {
		return nil, errUserNotFound
	}
	if !c.tok.corp.userVisible(c.tok.app, u) {
		return nil, errNoPrivilege
	}
	return u, nil
}

func (s *Server) userGet(c *call) (object, *apiError) {
	u, e := visibleUser(c)
	if e != nil {
		return nil, e
	}
	// qr_code: user/get only (DOC 90196), as auth/getuserdetail has it
	return append(userDetail(c.tok.corp, u), field{"qr_code", memberQRCode(c.tok.corp.CorpID, u.UserID)}), nil
}

// membersOf resolves ?department_id=&fetch_child= to the members the token may see.
func (s *Server) membersOf(c *call) ([]*User, *apiError) {
	ci := c.tok.corp
	id, err := strconv.ParseInt(c.q.Get("department_id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, errInvalidPartyID
	}
	if ci.depts[id] == nil {
		return nil, errDeptNotFound
	}
	if !ci.deptVisible(c.tok.app, id) {
		return nil, errNoPrivilege
	}
	depts := map[int64]bool{}
	for _, d := range ci.subtree(id, c.q.Get("fetch_child") == "1") {
		depts[d.ID] = true
	}
	var out []*User
	for i := range ci.Users {
		u := &ci.Users[i]
		if slices.ContainsFunc(u.Department, func(d int64) bool { return depts[d] }) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (s *Server) userSimpleList(c *call) (object, *apiError) {
	users, e := s.membersOf(c)
	if e != nil {
		return nil, e
	}
	list := make([]object, 0, len(users))
	for _, u := range users {
		list = append(list, object{{"userid", u.UserID}, {"name", u.Name}, {"department", u.Department}})
	}
	return object{{"userlist", list}}, nil
}

func (s *Server) userList(c *call) (object, *apiError) {
	users, e := s.membersOf(c)
	if e != nil {
		return nil, e
	}
	list := make([]object, 0, len(users))
	for _, u := range users {
		list = append(list, userDetail(c.tok.corp, u))
	}
	return object{{"userlist", list}}, nil
}

// userListID pages over (member, department) pairs; only the contact-sync
// secret's token may call it (else 48002). The cursor is opaque to callers.
func (s *Server) userListID(c *call) (object, *apiError) {
	if !c.tok.isContact() {
		return nil, errAPIForbidden
	}
	var req struct {
		Cursor string `json:"cursor"`
		Limit  int    `json:"limit"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	if req.Limit == 0 {
		req.Limit = 10000
	}
	if req.Limit < 0 || req.Limit > 10000 {
		return nil, errf(40058, "invalid limit, must be 1-10000")
	}
	offset := 0
	if req.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(req.Cursor)
		n, err2 := strconv.Atoi(string(raw))
		if err != nil || err2 != nil || n < 0 {
			return nil, errf(40058, "invalid cursor")
		}
		offset = n
	}
	type pair struct {
		userID string
		dept   int64
	}
	var all []pair
	for _, u := range c.tok.corp.Users {
		for _, d := range u.Department {
			all = append(all, pair{u.UserID, d})
		}
	}
	offset = min(offset, len(all))
	end := min(offset+req.Limit, len(all))
	list := make([]object, 0, end-offset)
	for _, p := range all[offset:end] {
		list = append(list, object{{"userid", p.userID}, {"department", p.dept}})
	}
	next := ""
	if end < len(all) {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return object{{"next_cursor", next}, {"dept_user", list}}, nil
}

// visibleDepartments resolves the optional ?id= of department/list and
// department/simplelist: that department and its children, or every
// department the token may see.
func (s *Server) visibleDepartments(c *call) ([]*Department, *apiError) {
	ci := c.tok.corp
	raw := c.q.Get("id")
	var depts []*Department
	if raw == "" {
		for i := range ci.Departments {
			depts = append(depts, &ci.Departments[i])
		}
	} else {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return nil, errInvalidPartyID
		}
		if ci.depts[id] == nil {
			return nil, errDeptNotFound
		}
		if !ci.deptVisible(c.tok.app, id) {
			return nil, errNoPrivilege
		}
		depts = ci.subtree(id, true)
	}
	out := depts[:0]
	for _, d := range depts {
		if ci.deptVisible(c.tok.app, d.ID) {
			out = append(out, d)
		}
	}
	return out, nil
}

func (s *Server) departmentList(c *call) (object, *apiError) {
	depts, e := s.visibleDepartments(c)
	if e != nil {
		return nil, e
	}
	list := make([]object, 0, len(depts))
	for _, d := range depts {
		leaders := d.Leaders
		if leaders == nil {
			leaders = []string{}
		}
		list = append(list, object{{"id", d.ID}, {"name", d.Name}, {"name_en", d.NameEN},
			{"department_leader", leaders}, {"parentid", d.ParentID}, {"order", d.Order}})
	}
	return object{{"department", list}}, nil
}

func (s *Server) departmentSimpleList(c *call) (object, *apiError) {
	depts, e := s.visibleDepartments(c)
	if e != nil {
		return nil, e
	}
	list := make([]object, 0, len(depts))
	for _, d := range depts {
		list = append(list, object{{"id", d.ID}, {"parentid", d.ParentID}, {"order", d.Order}})
	}
	return object{{"department_id", list}}, nil
}

// More contact endpoints the SDKs call, reads in the sandbox: DOC 90203
// user/authsucc, 91714 corp/get_join_qrcode, 92714 user/get_active_stat;
// errcodes from DOC 90313.

// userAuthSucc confirms a member's second verification (二次验证).
func (s *Server) userAuthSucc(c *call) (object, *apiError) {
	if _, e := visibleUser(c); e != nil {
		return nil, e
	}
	return object{}, nil
}

// corpJoinQRCode: contact-sync token only; size_type 1-4 (default 1).
func (s *Server) corpJoinQRCode(c *call) (object, *apiError) {
	if e := requireContactToken(c); e != nil {
		return nil, e
	}
	size := 1
	if raw := c.q.Get("size_type"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 4 {
			return nil, errInvalidParam
		}
		size = n
	}
	return object{{"join_qrcode", "https://work.weixin.qq.com/wework_admin/genqrcode?action=join&size=" +
		strconv.Itoa(size) + "&corp=" + c.tok.corp.CorpID}}, nil
}

// userActiveStat: contact-sync token only; date YYYY-MM-DD within the last
// 30 days, answered with the active members (status 1) of the fixtures.
func (s *Server) userActiveStat(c *call) (object, *apiError) {
	if e := requireContactToken(c); e != nil {
		return nil, e
	}
	var req struct {
		Date string `json:"date"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	day, err := time.ParseInLocation("2006-01-02", req.Date, c.now.Location())
	if err != nil || day.After(c.now) || c.now.Sub(day) > 31*24*time.Hour {
		return nil, errf(40058, "invalid date: YYYY-MM-DD within the last 30 days")
	}
	n := 0
	for i := range c.tok.corp.Users {
		if userStatus(&c.tok.corp.Users[i]) == 1 {
			n++
		}
	}
	return object{{"active_cnt", n}}, nil
}
